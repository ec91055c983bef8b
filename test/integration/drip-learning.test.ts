/**
 * Drip-proof learning, over HTTP with a clock the test moves. Two weeks of a patient attacker's daily calls to a
 * premium range must not make that range usual: its calls stay bound by the unusual-destination cost cap, and once
 * they have spent the weekly unusual-spend budget the range is restricted pending review. An ordinary account
 * calling cheap countries on three distinct days does make them usual, and a country known that way does not make
 * its premium range usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settableClock } from '../support/settable-clock.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const DECK = [
  'prefix,country,description,rate_per_minute',
  '1,US,US,0.0045',
  '44,GB,GB fixed,0.0121',
  '370,LT,LT fixed,0.0200',
  '3709,LT,LT premium,0.8800',
].join('\n');

const DAY_MS = 86_400_000;
const clock = settableClock('2026-03-02T18:00:00.000Z');
let stack: TestStack;
let switchToken: string;
let sequence = 0;

interface Decision {
  decision: 'allow' | 'deny';
  reason: string;
  maxDurationSeconds: number | null;
  rule: { evidence: { boundBy?: string } };
}

/** Authorizes a call now, then reports it completed after `talkSeconds` (the clock moves on by that and a minute). */
async function callAndComplete(accountId: string, to: string, talkSeconds: number): Promise<Decision> {
  sequence += 1;
  const callId = `drip-${sequence}`;
  const body = { callId, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId };
  const answer = await stack.call<Decision>('POST', '/v1/authorize', { token: switchToken, body });
  expect(answer.status).toBe(200);
  clock.advance((talkSeconds + 60) * 1000);
  if (answer.body.decision === 'allow') {
    const duration = Math.min(talkSeconds, answer.body.maxDurationSeconds ?? 0);
    const completed = await stack.call<{ chargedAmount?: number }>('POST', `/v1/calls/${callId}/completed`, {
      token: switchToken,
      body: { durationSeconds: duration, endedAt: clock.now().toISOString() },
    });
    expect(completed.status).toBe(200);
    charged[accountId] = (charged[accountId] ?? 0) + duration * (to.startsWith('+3709') ? 0.88 : 0) / 60;
  }
  return answer.body;
}

const charged: Record<string, number> = {};

beforeAll(async () => {
  stack = await startTestStack({ clock });
  const admin = { token: stack.adminToken };
  expect((await stack.call('PUT', '/v1/rate-deck', { ...admin, rawBody: DECK, contentType: 'text/csv' })).status).toBe(200);
  for (const accountId of ['patient', 'learner']) {
    expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
    expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'], internationalEnabled: true } })).status).toBe(200);
    expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: 500 } })).status).toBe(200);
  }
  switchToken = await stack.issue('switch');
});

afterAll(async () => {
  await stack?.stop();
});

interface ReviewList {
  reviews: { accountId: string; destinations: string[]; evidence: { evidence: { rule: string; unusualSpent?: number } }[] }[];
}

describe('learning usual destinations from traffic', () => {
  it('never makes a premium range usual: two weeks of daily drip calls stay capped, then stop at the weekly unusual-spend budget', async () => {
    const premium: Decision[] = [];
    for (let day = 0; day < 14; day += 1) {
      clock.set(new Date(Date.parse('2026-03-02T18:00:00.000Z') + day * DAY_MS).toISOString());
      premium.push(await callAndComplete('patient', '+37090012345', 120));
    }

    // Every allowed call bound by the unusual premium-range cap (1.00: 68 s at 0.88/min), never more.
    const allowed = premium.filter((decision) => decision.decision === 'allow');
    expect(allowed.every((decision) => decision.rule.evidence.boundBy === 'unusualDestination')).toBe(true);
    expect(Math.max(...allowed.map((decision) => decision.maxDurationSeconds ?? 0))).toBeLessThanOrEqual(68);
    // Each day's call costs 0.997 (68 s): the weekly budget of 5.00 pays five days; the sixth is restricted.
    expect(allowed).toHaveLength(5);
    expect(charged.patient ?? 0).toBeLessThanOrEqual(5);
    const stopped = premium[5];
    expect(stopped).toMatchObject({ decision: 'deny', reason: 'DESTINATION_RESTRICTED', rule: { evidence: { trigger: 'unusual-spend', newlyRestricted: true } } });
    // Restricted, not just out of budget for the week: the days after it stay denied, a week later too.
    expect(premium.slice(5).every((decision) => decision.reason === 'DESTINATION_RESTRICTED')).toBe(true);

    const destinations = await stack.call('GET', '/v1/accounts/patient/destinations', { token: stack.adminToken });
    expect(destinations.body.knownCountries).toEqual([]);
    expect(destinations.body.restrictedDestinations).toEqual(['LT']);
    const reviews = await stack.call<ReviewList>('GET', '/v1/reviews?status=open', { token: stack.adminToken });
    expect(reviews.body.reviews.find((review) => review.accountId === 'patient')).toMatchObject({
      destinations: ['LT'],
      evidence: [{ evidence: { rule: 'unusual-spend', thresholds: { unusualPremiumSpendPerWeek: 5 } } }],
    });
  });

  it('lets 50 simultaneous premium attempts take no more of the weekly budget than is left: one call, then the restriction', async () => {
    const admin = { token: stack.adminToken };
    expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'racer', name: 'racer', homeCountry: 'US' } })).status).toBe(201);
    expect((await stack.call('PUT', '/v1/accounts/racer/policy', { ...admin, body: { allowedIps: ['203.0.113.0/24'], internationalEnabled: true } })).status).toBe(200);
    expect((await stack.call('POST', '/v1/accounts/racer/credits', { ...admin, body: { amount: 500 } })).status).toBe(200);
    // Four premium calls of 60 s (0.88 each), a quarter of an hour apart (no burst): 3.52 of the 5.00 spent.
    for (let call = 0; call < 4; call += 1) {
      clock.set(new Date(Date.parse('2026-05-04T10:00:00.000Z') + call * 15 * 60_000).toISOString());
      expect(await callAndComplete('racer', `+3709001${String(1000 + call)}`, 60)).toMatchObject({ decision: 'allow' });
    }
    clock.set('2026-05-04T11:30:00.000Z');
    const attempts = Array.from({ length: 50 }, (_unused, index) => ({
      callId: `race-${index}`,
      to: `+3709002${String(1000 + index)}`,
      from: '+13055550100',
      sourceIp: '203.0.113.10',
      authMethod: 'ip',
      accountId: 'racer',
    }));
    const answers = await Promise.all(attempts.map((body) => stack.call<Decision & { rule: { evidence: { trigger?: string } } }>('POST', '/v1/authorize', { token: switchToken, body })));
    const decisions = answers.map((answer) => answer.body);
    // 1.48 left: the first call takes the premium cap (1.00); what is left then (0.48) buys less than a minute at
    // 0.88, so every other attempt restricts instead. Without the budget's condition in the write, the attempt
    // thresholds alone would have let three through (3.00 more).
    const allowed = decisions.filter((decision) => decision.decision === 'allow');
    expect(allowed).toHaveLength(1);
    expect(allowed[0]?.maxDurationSeconds).toBeLessThanOrEqual(68);
    expect(decisions.filter((decision) => decision.reason === 'DESTINATION_RESTRICTED')).toHaveLength(49);
    expect(decisions.some((decision) => decision.rule.evidence.trigger === 'unusual-spend')).toBe(true);
  });

  it('makes cheap countries usual on the third distinct day, and a known country\'s premium range stays unusual', async () => {
    const cheapGb: Decision[] = [];
    for (let day = 0; day < 4; day += 1) {
      clock.set(new Date(Date.parse('2026-04-01T18:00:00.000Z') + day * DAY_MS).toISOString());
      await callAndComplete('learner', '+37052001234', 300);
      cheapGb.push(await callAndComplete('learner', '+442071234567', 300));
    }
    // GB: unusual (cost-capped) on days 1-3; its third completed call, on a third distinct day, made it usual.
    expect(cheapGb.slice(0, 3).map((decision) => decision.rule.evidence.boundBy)).toEqual(['unusualDestination', 'unusualDestination', 'unusualDestination']);
    expect(cheapGb[3]).toMatchObject({ decision: 'allow' });
    expect(cheapGb[3]?.rule.evidence.boundBy).not.toBe('unusualDestination');

    // LT became known through its cheap lines; its premium range is still capped as unusual.
    const premiumCall = await callAndComplete('learner', '+37090012345', 120);
    expect(premiumCall).toMatchObject({ decision: 'allow', rule: { evidence: { boundBy: 'unusualDestination' } } });
    const destinations = await stack.call('GET', '/v1/accounts/learner/destinations', { token: stack.adminToken });
    expect(destinations.body.knownCountries).toEqual(expect.arrayContaining(['GB', 'LT']));
    expect(destinations.body.confirmedCountries).toEqual([]);
  });
});
