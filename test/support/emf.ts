/** Captures the CloudWatch EMF lines Powertools Metrics writes to stdout, and builds API Gateway events for the edge. */
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { ApiEvent } from '../../functions/shared/http.js';

export interface EmfLine {
  readonly _aws: { readonly CloudWatchMetrics: ReadonlyArray<{ readonly Namespace: string; readonly Dimensions: string[][]; readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit: string }> }> };
  readonly [key: string]: unknown;
}

export interface EmfCapture {
  readonly lines: EmfLine[];
  /** The lines that carry this metric. */
  withMetric(name: string): EmfLine[];
  clear(): void;
  restore(): void;
}

/** Swallows EMF lines written to stdout (and keeps them); anything else goes through. */
export function captureEmf(): EmfCapture {
  const lines: EmfLine[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
    if (text?.includes('"_aws"')) {
      for (const line of text.split('\n').filter((part) => part.trim() !== '')) lines.push(JSON.parse(line) as EmfLine);
      return true;
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
  return {
    lines,
    withMetric: (name) => lines.filter((line) => line._aws.CloudWatchMetrics.some((directive) => directive.Metrics.some((metric) => metric.Name === name))),
    clear: () => {
      lines.length = 0;
    },
    restore: () => spy.mockRestore(),
  };
}

export function apiEvent(routeKey: string, options: { body?: unknown; role?: string; pathParameters?: Record<string, string> } = {}): ApiEvent {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {},
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'request-1',
      routeKey,
      stage: '$default',
      time: new Date(0).toISOString(),
      timeEpoch: 0,
      ...(options.role ? { authorizer: { lambda: { role: options.role, credentialId: 'test-credential' } } } : {}),
    },
  };
}

export const lambdaContext = { functionName: 'test-function', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
