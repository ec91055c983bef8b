import { describe, expect, it, vi } from 'vitest';
import { preload, preloadEnabled } from '../../../functions/authorize/preload.js';

const logger = () => ({ info: vi.fn(), warn: vi.fn() });

describe('preloading the reference data at init', () => {
  it('runs only in Lambda, and can be turned off', () => {
    expect(preloadEnabled({})).toBe(false);
    expect(preloadEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'tollgate-prod-authorize' })).toBe(true);
    expect(preloadEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'tollgate-prod-authorize', TOLLGATE_PRELOAD: 'false' })).toBe(false);
  });

  it('starts every load at once and waits for all of them', async () => {
    const started: string[] = [];
    const log = logger();
    const load = (what: string) => ({ what, load: async () => { started.push(what); await new Promise((done) => setTimeout(done, 5)); } });

    await preload([load('rate deck'), load('high-risk list')], log, 1_000);

    expect(started).toEqual(['rate deck', 'high-risk list']);
    expect(log.info).toHaveBeenCalledWith('reference data preloaded at init', expect.objectContaining({ loaded: 2, of: 2 }));
  });

  it('never fails the init: a failed load is logged and left to the first call', async () => {
    const log = logger();

    await expect(preload([{ what: 'rate deck', load: () => Promise.reject(new Error('DynamoDB unreachable')) }], log, 1_000)).resolves.toBeUndefined();

    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('rate deck'), { error: 'Error: DynamoDB unreachable' });
  });

  it('stops waiting after its timeout when the database hangs', async () => {
    const log = logger();
    const startedAt = Date.now();

    await preload([{ what: 'rate deck', load: () => new Promise(() => {}) }], log, 50);

    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('init budget'), { timeoutMs: 50 });
  });
});
