/**
 * The console's logic without a browser: the policy editor names problems exactly as the API's 400 does (the same
 * schema, the same formatting), unblock hints patch one path of the policy, the chart's buckets, import line numbers.
 */
import { describe, expect, it } from 'vitest';
import { accountPolicySchema, defaultPolicy } from '../../domain/accounts/account.js';
import { validate } from '../../functions/shared/http.js';
import { applyHint, bucketByCountry, describeHint, isMissingEndpoint, lineNumbered, validatePolicy } from '../../console/src/logic.js';
import { ApiError } from '../../console/src/api.js';
import type { Decision, PolicyAnswer, PolicyInput } from '../../console/src/api.js';

function apiDetails(input: unknown): unknown {
  try {
    validate(accountPolicySchema, input, 'body');
    return [];
  } catch (error) {
    return (error as { details: unknown }).details;
  }
}

describe('the policy editor', () => {
  it('accepts what the API accepts', () => {
    const policy = { ...defaultPolicy(), maxRatePerMinute: 0.1, whitelistCountries: ['GB'] };
    expect(validatePolicy(JSON.stringify(policy))).toEqual({ policy, problems: [] });
  });

  it('refuses what the API refuses, naming each field as the API does', () => {
    for (const input of [
      { maxRatePerMinute: -1 },
      { limits: { callsPerMinute: 0, concurrentCalls: 'many' } },
      { whitelistCountries: ['Narnia'], surprise: true },
      { allowedIps: ['not-an-ip'] },
    ]) {
      const { policy, problems } = validatePolicy(JSON.stringify(input));
      expect(policy, JSON.stringify(input)).toBeUndefined();
      expect(problems.length, JSON.stringify(input)).toBeGreaterThan(0);
      expect(problems, JSON.stringify(input)).toEqual(apiDetails(input));
    }
  });

  it('says when the text is not JSON at all', () => {
    expect(validatePolicy('{ maxRate').problems).toEqual([{ field: 'policy', message: expect.stringMatching(/^is not valid JSON/) }]);
  });
});

describe('unblock hints', () => {
  function fakeClient(policy: PolicyInput) {
    const written: PolicyInput[] = [];
    const client = {
      policy: async () => ({ policy }) as unknown as PolicyAnswer,
      putPolicy: async (_accountId: string, next: PolicyInput) => {
        written.push(next);
        return {} as PolicyAnswer;
      },
    };
    return { client, written };
  }

  it('sets a value at its path and leaves the rest of the policy as it was', async () => {
    const policy = { ...defaultPolicy(), maxRatePerMinute: 0.05, whitelistCountries: ['CA'] };
    const { client, written } = fakeClient(policy);

    await applyHint(client, 'acme', { path: 'maxRatePerMinute', value: 0.27 });

    expect(written).toEqual([{ ...policy, maxRatePerMinute: 0.27 }]);
  });

  it('adds to a list once, and reaches nested paths', async () => {
    const policy = { ...defaultPolicy(), whitelistCountries: ['CA'] };
    const { client, written } = fakeClient(policy);

    await applyHint(client, 'acme', { path: 'whitelistCountries', add: 'JM' });
    await applyHint(client, 'acme', { path: 'whitelistCountries', add: 'CA' });
    await applyHint(client, 'acme', { path: 'limits.callsPerMinute', value: 30 });

    expect(written[0]?.whitelistCountries).toEqual(['CA', 'JM']);
    expect(written[1]?.whitelistCountries).toEqual(['CA']);
    expect(written[2]?.limits).toEqual({ ...defaultPolicy().limits, callsPerMinute: 30 });
  });

  it('does not apply a credit or a review, which only the carrier can give', async () => {
    const { client, written } = fakeClient(defaultPolicy());

    await expect(applyHint(client, 'acme', { action: 'credit', amount: 0.42 })).rejects.toThrow(/not a policy change/);
    expect(written).toEqual([]);
    expect(describeHint({ action: 'credit', amount: 0.42 })).toBe('A credit of 0.42 (ask your carrier)');
    expect(describeHint({ path: 'whitelistCountries', add: 'JM' })).toBe('Add JM to whitelistCountries');
    expect(describeHint({ path: 'maxRatePerMinute', value: 0.27 })).toBe('Set maxRatePerMinute to 0.27');
  });
});

describe('the destination chart', () => {
  const decision = (decidedAt: string, country: string | null) => ({ decidedAt, destination: country ? { country } : null }) as unknown as Decision;

  it('counts attempts per country per minute for a short burst, with an empty minute either side', () => {
    const { countries, data, bucketName } = bucketByCountry([
      decision('2026-11-01T10:00:05Z', 'LT'),
      decision('2026-11-01T10:00:40Z', 'LT'),
      decision('2026-11-01T10:02:00Z', 'US'),
      decision('2026-11-01T10:02:10Z', null),
    ]);

    expect(bucketName).toBe('minute');
    expect(countries).toEqual(['LT', 'US', 'unknown']);
    const start = Date.parse('2026-11-01T09:59:00Z') / 1000;
    expect(data[0]).toEqual([0, 1, 2, 3, 4].map((minute) => start + minute * 60));
    expect(data.slice(1)).toEqual([
      [0, 2, 0, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 0, 1, 0],
    ]);
  });

  it('uses hours, then days, as the span grows, and nothing for no decision', () => {
    expect(bucketByCountry([decision('2026-11-01T10:00:00Z', 'US'), decision('2026-11-01T20:00:00Z', 'US')]).bucketName).toBe('hour');
    expect(bucketByCountry([decision('2026-11-01T10:00:00Z', 'US'), decision('2026-11-05T10:00:00Z', 'US')]).bucketName).toBe('day');
    expect(bucketByCountry([])).toEqual({ countries: [], data: [], bucketName: 'hour' });
  });
});

describe('import errors', () => {
  it('turns the high-risk list answer into the line numbers of what was pasted', () => {
    expect(lineNumbered([{ field: 'prefixes.1', message: 'must be 1 to 15 digits' }, { field: 'body', message: 'x' }])).toEqual([
      { field: 'line 2', message: 'must be 1 to 15 digits' },
      { field: 'body', message: 'x' },
    ]);
  });
});

describe('endpoints not there yet', () => {
  it('are told apart from a real 404 of an existing route', () => {
    expect(isMissingEndpoint(new ApiError(404, 'NOT_FOUND', 'no route POST /v1/accounts/a/reset'))).toBe(true);
    expect(isMissingEndpoint(new ApiError(404, 'HTTP_404', 'Not Found'))).toBe(true);
    expect(isMissingEndpoint(new ApiError(405, 'METHOD_NOT_ALLOWED', 'POST is not allowed'))).toBe(true);
    expect(isMissingEndpoint(new ApiError(404, 'NOT_FOUND', 'account a does not exist'))).toBe(false);
    expect(isMissingEndpoint(new ApiError(400, 'INVALID_REQUEST', 'bad'))).toBe(false);
    expect(isMissingEndpoint(new Error('network'))).toBe(false);
  });
});
