/**
 * Whether the Tracer is loaded is decided when functions/shared/observability.ts is first imported, so each case
 * imports a fresh module graph under its own environment. Its own file: the X-Ray SDK, once loaded, installs async
 * hooks for the rest of the process.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

async function freshClient() {
  vi.resetModules();
  const { createDynamoDbClient } = await import('../../../functions/adapters/dynamodb/client.js');
  return createDynamoDbClient({ endpoint: 'http://127.0.0.1:1', region: 'local' });
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the DynamoDB client and the Tracer', () => {
  it('is timed for the metrics, and not traced, outside Lambda', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', undefined);

    const client = await freshClient();

    const middlewares = client.middlewareStack.identify().join('\n');
    expect(middlewares).toContain('tollgateCommandTiming');
    expect(middlewares).not.toContain('XRaySDKInstrumentation');
    expect((process as { namespaces?: Record<string, unknown> }).namespaces?.AWSXRay).toBeUndefined();
  });

  it('is captured by the Tracer in Lambda, unless POWERTOOLS_TRACE_ENABLED=false', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'tollgate-test-authorize');
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    expect((await freshClient()).middlewareStack.identify().join('\n')).not.toContain('XRaySDKInstrumentation');

    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', undefined);
    const traced = (await freshClient()).middlewareStack.identify().join('\n');
    expect(traced).toContain('XRaySDKInstrumentation');
    expect(traced).toContain('tollgateCommandTiming');
  });
});
