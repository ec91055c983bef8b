import { describe, expect, it } from 'vitest';
import { MAX_CARRIABLE_BODY_BYTES, ROUTES } from '../../../domain/contract/routes.js';
import { readConfig } from '../../../functions/shared/config.js';

describe('body limits', () => {
  it('fit what API Gateway hands Lambda: 6 MB per invocation, the body base64-encoded inside a JSON event', () => {
    const lambdaPayloadBytes = 6 * 1024 * 1024;
    expect(Math.ceil(MAX_CARRIABLE_BODY_BYTES / 3) * 4 + 64 * 1024).toBeLessThan(lambdaPayloadBytes);
    for (const route of ROUTES) expect(route.maxBodyBytes ?? 0).toBeLessThanOrEqual(MAX_CARRIABLE_BODY_BYTES);
  });

  it('refuse a TOLLGATE_MAX_BODY_BYTES above what can be carried', () => {
    expect(readConfig({ TOLLGATE_MAX_BODY_BYTES: String(MAX_CARRIABLE_BODY_BYTES) }).maxBodyBytes).toBe(MAX_CARRIABLE_BODY_BYTES);
    expect(() => readConfig({ TOLLGATE_MAX_BODY_BYTES: String(MAX_CARRIABLE_BODY_BYTES + 1) })).toThrow(/TOLLGATE_MAX_BODY_BYTES/);
  });
});
