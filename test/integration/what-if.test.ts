import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settableClock } from '../support/settable-clock.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

// US 0.01, JM 0.25, DO 0.12: a stricter maximum rate of 0.2 denies the JM calls only.
const DECK = 'prefix,country,description,rate_per_minute\n1,US,US,0.01\n1876,JM,JM,0.25\n1809,DO,DO,0.12\n';
const FROM = '2026-11-20T09:00:00.000Z';
const TO = '2026-11-20T12:00:00.000Z';

let stack: TestStack;
let switchToken: string;
let sequence = 0;
const clock = settableClock('2026-11-20T10:00:00.000Z');

async function createAccount(accountId: string, policy: Record<string, unknown>): Promise<void> {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'], ...policy } })).status).toBe(200);
  expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: 100 } })).status).toBe(200);
}

/** A call authorized at the clock's time and, when allowed and `talkSeconds` is given, completed. */
async function call(accountId: string, to: string, talkSeconds?: number) {
  sequence += 1;
  const callId = `wi-${sequence}`;
  const body = { callId, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId };
  const decision = (await stack.call('POST', '/v1/authorize', { token: switchToken, body })).body;
  if (decision.decision === 'allow' && talkSeconds !== undefined) {
    const completed = await stack.call('POST', `/v1/calls/${callId}/completed`, { token: switchToken, body: { durationSeconds: talkSeconds, endedAt: clock.now().toISOString() } });
    expect(completed.status).toBe(200);
  }
  return { callId, decision: decision.decision as string, reason: decision.reason as string };
}

const whatIf = (accountId: string, body: unknown, token = stack.adminToken) => stack.call('POST', `/v1/accounts/${accountId}/what-if`, { token, body });

beforeAll(async () => {
  stack = await startTestStack({ clock });
  expect((await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: DECK, contentType: 'text/csv' })).status).toBe(200);
  switchToken = await stack.issue('switch');
  // One account calling the US, Jamaica and the Dominican Republic, minutes apart; JM is whitelisted (known to it).
  await createAccount('history', { internationalEnabled: true, whitelistCountries: ['JM', 'DO'] });
  const plan: [string, number][] = [
    ['+12125550123', 60],
    ['+18765550100', 120],
    ['+18095550100', 60],
    ['+18765550101', 30],
    ['+12125550124', 90],
  ];
  for (const [to, talk] of plan) {
    clock.advance(5 * 60_000);
    expect((await call('history', to, talk)).decision).toBe('allow');
  }
  // One more account whose JM calls were refused by its maximum rate.
  await createAccount('capped', { internationalEnabled: true, maxRatePerMinute: 0.2 });
  for (let index = 0; index < 3; index += 1) {
    clock.advance(60_000);
    expect((await call('capped', `+1876555010${index}`)).reason).toBe('RATE_ABOVE_MAX');
  }
});

afterAll(async () => {
  await stack?.stop();
});

describe('POST /v1/accounts/{id}/what-if', () => {
  it('a stricter maximum rate: the calls it would deny and what they cost', async () => {
    // The whitelist overrides the maximum rate (README, "How a call is decided"): the proposal drops it too.
    const response = await whatIf('history', { policy: { maxRatePerMinute: 0.2, whitelistCountries: [] }, from: FROM, to: TO });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ evaluated: 5, changed: 2, newlyDeniedCount: 2, newlyAllowedCount: 0, newlyAllowed: [] });
    expect(response.body.newlyDenied).toEqual([
      expect.objectContaining({ callId: 'wi-2', destination: '+18765550100', country: 'JM', before: { decision: 'allow', reason: 'ALLOWED' }, after: { decision: 'deny', reason: 'RATE_ABOVE_MAX' }, cost: { amount: 0.5, basis: 'charged' } }),
      expect.objectContaining({ callId: 'wi-4', after: { decision: 'deny', reason: 'RATE_ABOVE_MAX' }, cost: { amount: 0.125, basis: 'charged' } }),
    ]);
    // 120 s and 30 s at 0.25/min, as charged.
    expect(response.body.spendAvoided).toBe(0.625);
    expect(response.body.byReason).toEqual({ before: { ALLOWED: 5 }, after: { ALLOWED: 3, RATE_ABOVE_MAX: 2 } });
    expect(response.body.effectivePolicy).toMatchObject({ maxRatePerMinute: 0.2, internationalEnabled: true, whitelistCountries: [], allowedIps: ['203.0.113.0/24'] });
    expect(response.body.approximations.length).toBeGreaterThan(3);
  });

  it('whitelisted countries pass a maximum rate: the replay applies the policy as the engine does', async () => {
    const response = await whatIf('history', { policy: { maxRatePerMinute: 0.2 }, from: FROM, to: TO });

    expect(response.body).toMatchObject({ evaluated: 5, changed: 0, newlyDenied: [], spendAvoided: 0 });
  });

  it('a looser policy lists the calls it would have allowed', async () => {
    const response = await whatIf('capped', { policy: { maxRatePerMinute: null }, from: FROM, to: TO });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ evaluated: 3, changed: 3, newlyAllowedCount: 3, spendAvoided: 0 });
    expect(response.body.newlyAllowed.map((call: { before: unknown; after: unknown }) => [call.before, call.after])).toEqual(
      Array(3).fill([{ decision: 'deny', reason: 'RATE_ABOVE_MAX' }, { decision: 'allow', reason: 'ALLOWED' }]),
    );
  });

  it('replays only the span', async () => {
    const response = await whatIf('history', { policy: { maxRatePerMinute: 0.2, whitelistCountries: [] }, from: '2026-11-20T10:12:00Z', to: '2026-11-20T10:22:00Z' });

    // Calls at 10:05, 10:10, 10:15, 10:20, 10:25: the span holds the 3rd and 4th.
    expect(response.body).toMatchObject({ evaluated: 2, newlyDeniedCount: 1 });
    expect(response.body.newlyDenied[0].callId).toBe('wi-4');
  });

  it('changes nothing: the account, its ledger and its decisions are as they were', async () => {
    const before = await stack.call('GET', '/v1/accounts/history', { token: stack.adminToken });
    const decisionsBefore = await stack.call('GET', '/v1/accounts/history/decisions', { token: stack.adminToken });

    expect((await whatIf('history', { policy: { maxRatePerMinute: 0.01, limits: { callsPerMinute: 1 } }, from: FROM, to: TO })).status).toBe(200);

    expect((await stack.call('GET', '/v1/accounts/history', { token: stack.adminToken })).body).toEqual(before.body);
    expect((await stack.call('GET', '/v1/accounts/history/decisions', { token: stack.adminToken })).body).toEqual(decisionsBefore.body);
  });

  it('is open to the owner, reviewers and admins; a customer of another account is refused', async () => {
    const owner = await stack.issue('customer', 'history');
    const reviewer = await stack.issue('reviewer');
    const body = { policy: { maxRatePerMinute: 0.2 }, from: FROM, to: TO };

    expect((await whatIf('history', body, owner)).status).toBe(200);
    expect((await whatIf('history', body, reviewer)).status).toBe(200);
    expect((await whatIf('capped', body, owner)).status).toBe(403);
    expect((await whatIf('history', body, switchToken)).status).toBe(403);
  });

  it('names bad fields with 400 and answers 404 for an unknown account', async () => {
    const backwards = await whatIf('history', { policy: {}, from: TO, to: FROM });
    const tooLong = await whatIf('history', { policy: {}, from: '2026-11-01T00:00:00Z', to: '2026-11-20T00:00:00Z' });
    const badPolicy = await whatIf('history', { policy: { maxRatePerMinute: -1, limits: { callsPerMinute: 0 }, colour: 'red' }, from: FROM, to: TO });
    const fields = (response: { body: { error: { details: { field: string }[] } } }) => response.body.error.details.map((detail) => detail.field).sort();

    expect(backwards.status).toBe(400);
    expect(fields(backwards)).toEqual(['to']);
    expect(fields(tooLong)).toEqual(['to']);
    expect(badPolicy.status).toBe(400);
    expect(fields(badPolicy)).toEqual(['policy.colour', 'policy.limits.callsPerMinute', 'policy.maxRatePerMinute']);
    expect((await whatIf('ghost', { policy: {}, from: FROM, to: TO })).status).toBe(404);
  });
});

describe('POST /v1/what-if', () => {
  it('replays carrier-wide detection thresholds and counts the accounts they hit', async () => {
    await createAccount('roamer', { internationalEnabled: true });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      clock.advance(10_000);
      expect((await call('roamer', '+18095550100', 20)).decision).toBe('allow');
    }

    // The total threshold left out keeps the carrier's (5).
    const response = await stack.call('POST', '/v1/what-if', { token: stack.adminToken, body: { detection: { newDestinationAttempts: 2 }, from: FROM, to: TO } });

    expect(response.status).toBe(200);
    expect(response.body.detection).toMatchObject({ newDestinationAttempts: 2, newDestinationTotalAttempts: 5, windowMinutes: 10 });
    expect(response.body.accounts.map((account: { accountId: string }) => account.accountId)).toEqual(['capped', 'history', 'roamer']);
    expect(response.body.accounts.find((account: { accountId: string }) => account.accountId === 'roamer')).toMatchObject({ newlyDenied: 2, knownFraud: false, spendAvoided: 0.08 });
    // history whitelists its countries and capped never got through: only roamer is hit, and it is no known fraud.
    expect(response.body.totals).toMatchObject({ accounts: 3, accountsHit: 1, newlyDenied: 2, falsePositives: 2, spendAvoided: 0.08 });
  });

  it('is for admins; names bad thresholds', async () => {
    const reviewer = await stack.issue('reviewer');
    const body = { detection: { newDestinationAttempts: 2, newDestinationTotalAttempts: 5 }, from: FROM, to: TO };

    expect((await stack.call('POST', '/v1/what-if', { token: reviewer, body })).status).toBe(403);
    const bad = await stack.call('POST', '/v1/what-if', { token: stack.adminToken, body: { ...body, detection: { newDestinationAttempts: 0, windowMinutes: 2_000 } } });
    const none = await stack.call('POST', '/v1/what-if', { token: stack.adminToken, body: { ...body, detection: {} } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((detail: { field: string }) => detail.field).sort()).toEqual(['detection.newDestinationAttempts', 'detection.windowMinutes']);
    expect(none.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['detection']);
  });
});
