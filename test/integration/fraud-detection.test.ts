import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

let stack: TestStack;
let switchToken: string;
let sequence = 0;

async function createAccount(accountId: string, policy: Record<string, unknown>, balance = 100): Promise<void> {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'], ...policy } })).status).toBe(200);
  if (balance > 0) expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: balance } })).status).toBe(200);
}

async function authorize(accountId: string, to: string, callId = `fd-${(sequence += 1)}`) {
  const response = await stack.call('POST', '/v1/authorize', {
    token: switchToken,
    body: { callId, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId },
  });
  expect(response.status).toBe(200);
  return response.body as { callId: string; decision: string; reason: string; sipCode: number; rule: { evidence: Record<string, unknown> } };
}

async function complete(callId: string, durationSeconds: number) {
  return stack.call('POST', `/v1/calls/${callId}/completed`, { token: switchToken, body: { durationSeconds, endedAt: '2026-11-25T12:00:00Z' } });
}

async function balanceOf(accountId: string): Promise<number> {
  return (await stack.call('GET', `/v1/accounts/${accountId}`, { token: stack.adminToken })).body.balance as number;
}

beforeAll(async () => {
  stack = await startTestStack();
  expect((await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  switchToken = await stack.issue('switch');
});

afterAll(async () => {
  await stack?.stop();
});

describe('automatic destination restriction', () => {
  it('stops a burst to a never-dialled country on the 4th attempt and keeps it blocked', async () => {
    await createAccount('burst', { internationalEnabled: true });
    const decisions = [];
    for (let attempt = 0; attempt < 8; attempt += 1) decisions.push(await authorize('burst', '+23225123456'));
    expect(decisions.slice(0, 3).map((decision) => decision.reason)).toEqual(["ALLOWED", "ALLOWED", "ALLOWED"]);
    expect(decisions[3]).toMatchObject({ decision: 'deny', reason: 'DESTINATION_RESTRICTED', sipCode: 403, rule: { evidence: { newlyRestricted: true, trigger: 'destination-burst' } } });
    expect(decisions.slice(4).every((decision) => decision.reason === 'DESTINATION_RESTRICTED' && decision.rule.evidence.newlyRestricted === false)).toBe(true);

    const account = await stack.call('GET', '/v1/accounts/burst', { token: stack.adminToken });
    expect(account.body.restrictedDestinations).toEqual(['SL']);
    await stack.events.settle();
    const restricted = stack.events.bus.published.filter((event) => event['detail-type'] === 'Destination Restricted' && (event.detail as { accountId: string }).accountId === 'burst');
    expect(restricted).toHaveLength(1);
    expect(restricted[0]?.detail).toMatchObject({ destination: 'SL', evidence: { rule: 'destination-burst', attemptsToDestination: 4, unusualAttempts: 4, thresholds: { newDestinationAttempts: 4 } } });
    // One name, one meaning: the pre-v1.1 `attempts` / `newDestinationAttempts` counts are no longer written.
    expect(restricted[0]?.detail).not.toHaveProperty('evidence.newDestinationAttempts');
    expect(restricted[0]?.detail).not.toHaveProperty('evidence.attempts');
    const reviews = await stack.call('GET', '/v1/reviews?status=open', { token: await stack.issue('reviewer') });
    const review = reviews.body.reviews.find((item: { accountId: string }) => item.accountId === 'burst');
    expect(review).toMatchObject({ status: 'open', destinations: ['SL'] });
  });

  it('stops a spray over many new countries by the 5th attempt', async () => {
    await createAccount('spray', { internationalEnabled: true });
    const targets = ['+2203012345', '+221701234567', '+22222123456', '+22365012345', '+224601123456', '+2250123456789'];
    const decisions = [];
    for (const to of targets) {
      const decision = await authorize('spray', to);
      decisions.push(decision);
      // Short calls that end before the next: their reservations go back, so only the attempt count is at stake.
      if (decision.decision === 'allow') expect((await complete(decision.callId, 20)).status).toBe(200);
    }
    expect(decisions.slice(0, 4).every((decision) => decision.decision === 'allow')).toBe(true);
    expect(decisions[4]).toMatchObject({ reason: 'DESTINATION_RESTRICTED', rule: { evidence: { trigger: 'new-destination-spray' } } });
  });

  it('flags a burst even when every attempt is refused by policy', async () => {
    await createAccount('intl-off', { internationalEnabled: false });
    const reasons = [];
    for (let attempt = 0; attempt < 5; attempt += 1) reasons.push((await authorize('intl-off', '+2399812345')).reason);
    expect(reasons).toEqual(['INTERNATIONAL_DISABLED', 'INTERNATIONAL_DISABLED', 'INTERNATIONAL_DISABLED', 'DESTINATION_RESTRICTED', 'DESTINATION_RESTRICTED']);
  });

  it('leaves ordinary traffic and a single call to a new country alone', async () => {
    await createAccount('ordinary', { internationalEnabled: true, whitelistCountries: ['GB'] });
    const decisions = [];
    for (let call = 0; call < 30; call += 1) decisions.push(await authorize('ordinary', call % 3 === 0 ? '+442079460000' : `+1212555${String(1000 + call)}`));
    decisions.push(await authorize('ordinary', '+4930123456'));
    expect(decisions.filter((decision) => decision.decision !== 'allow')).toEqual([]);
  });

  it('honours per-account thresholds', async () => {
    await createAccount('strict', { internationalEnabled: true, autoRestriction: { newDestinationAttempts: 2 } });
    expect((await authorize('strict', '+233231234567')).decision).toBe('allow');
    expect((await authorize('strict', '+233231234567')).reason).toBe('DESTINATION_RESTRICTED');
  });

  it('shows the profile and lets a reviewer unblock, after which the country is known', async () => {
    await createAccount('reviewed', { internationalEnabled: true });
    for (let attempt = 0; attempt < 4; attempt += 1) await authorize('reviewed', '+2348021234567');
    const reviewer = await stack.issue('reviewer');
    const before = await stack.call('GET', '/v1/accounts/reviewed/destinations', { token: reviewer });
    expect(before.body).toMatchObject({ restrictedDestinations: ['NG'], unusualAttempts: { currentWindow: expect.objectContaining({}) } });
    const unblocked = await stack.call('DELETE', '/v1/accounts/reviewed/blocked-destinations/NG', { token: reviewer });
    expect(unblocked.status).toBe(200);
    expect((await authorize('reviewed', '+2348021234567')).decision).toBe('allow');
    const after = await stack.call('GET', '/v1/accounts/reviewed/destinations', { token: reviewer });
    expect(after.body.knownCountries).toEqual(['NG']);
    expect((await stack.call('DELETE', '/v1/accounts/reviewed/blocked-destinations/NG', { token: reviewer })).status).toBe(404);
  });
});

describe('velocity, concurrency and spend limits', () => {
  it('refuses with 486 past the calls-per-minute limit', async () => {
    await createAccount('cps', { limits: { callsPerMinute: 5 } });
    const reasons = [];
    for (let call = 0; call < 7; call += 1) reasons.push((await authorize('cps', '+12125550123')).reason);
    expect(reasons.slice(0, 5)).toEqual(['ALLOWED', 'ALLOWED', 'ALLOWED', 'ALLOWED', 'ALLOWED']);
    expect(reasons.slice(5)).toEqual(['VELOCITY_LIMIT', 'VELOCITY_LIMIT']);
  });

  it('refuses a third concurrent call and frees the slot on completion', async () => {
    await createAccount('conc', { limits: { concurrentCalls: 2 } });
    const first = await authorize('conc', '+12125550123');
    await authorize('conc', '+12125550124');
    expect((await authorize('conc', '+12125550125')).reason).toBe('CONCURRENCY_LIMIT');
    expect((await complete(first.callId, 30)).status).toBe(200);
    expect((await authorize('conc', '+12125550126')).decision).toBe('allow');
  });

  it('refuses with 402 once the daily spend limit is reached', async () => {
    await createAccount('spend', { limits: { spendPerDay: 0.5 } });
    const call = await authorize('spend', '+12125550123');
    expect((await complete(call.callId, 7_200)).body.charged).toBeCloseTo(0.54, 5); // 120 min at 0.0045
    expect(await authorize('spend', '+12125550123')).toMatchObject({ reason: 'SPEND_LIMIT', sipCode: 402 });
  });
});

describe('call completion', () => {
  it('charges once per second at the authorized rate; a repeated report changes nothing', async () => {
    await createAccount('charge', { internationalEnabled: true }, 10);
    const call = await authorize('charge', '+442079460000');
    const first = await complete(call.callId, 90);
    const again = await complete(call.callId, 90);
    expect(first.body).toMatchObject({ charged: expect.any(Number), alreadyCompleted: false });
    expect(again.body).toMatchObject({ charged: first.body.charged, alreadyCompleted: true });
    expect(await balanceOf('charge')).toBeCloseTo(10 - first.body.charged, 6);
  });

  it('loses no update across 50 concurrent completions on one account', async () => {
    await createAccount('concurrent', {}, 50);
    const calls = [];
    for (let call = 0; call < 50; call += 1) calls.push(await authorize('concurrent', '+12125550123'));
    const results = await Promise.all(calls.map((call) => complete(call.callId, 60)));
    expect(results.map((result) => result.status)).toEqual(Array(50).fill(200));
    expect(await balanceOf('concurrent')).toBeCloseTo(50 - 50 * 0.0045, 6);
  });

  it('refuses to charge a denied call and an unknown one', async () => {
    await createAccount('nocharge', {}, 0);
    const denied = await authorize('nocharge', '+12125550123');
    expect(denied.reason).toBe('INSUFFICIENT_BALANCE');
    expect((await complete(denied.callId, 10)).status).toBe(409);
    expect((await complete('never-authorized', 10)).status).toBe(404);
  });

  it('emits Balance Low once when a charge crosses the threshold', async () => {
    await createAccount('low', { autoReplenish: { enabled: false, threshold: 5, amount: 0, maxPerDay: 1 } }, 5.2);
    const call = await authorize('low', '+12125550123');
    await complete(call.callId, 3_600); // 0.27
    await complete(call.callId, 3_600);
    await stack.events.settle();
    const low = stack.events.bus.published.filter((event) => event['detail-type'] === 'Balance Low' && (event.detail as { accountId: string }).accountId === 'low');
    expect(low).toHaveLength(1);
    expect(low[0]?.detail).toMatchObject({ threshold: 5, balance: 4.93 });
  });
});
