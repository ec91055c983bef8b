/**
 * Drip-proof learning, over HTTP with a clock the test moves: two weeks of a patient attacker's daily calls to a
 * premium range must not make that range usual (its calls stay bound by the unusual-destination cost cap), while a
 * cheap country called on three distinct days does become usual.
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
async function callAndComplete(to: string, talkSeconds: number): Promise<Decision> {
  sequence += 1;
  const callId = `drip-${sequence}`;
  const body = { callId, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'patient' };
  const answer = await stack.call<Decision>('POST', '/v1/authorize', { token: switchToken, body });
  expect(answer.status).toBe(200);
  clock.advance((talkSeconds + 60) * 1000);
  if (answer.body.decision === 'allow') {
    const duration = Math.min(talkSeconds, answer.body.maxDurationSeconds ?? 0);
    const completed = await stack.call('POST', `/v1/calls/${callId}/completed`, { token: switchToken, body: { durationSeconds: duration, endedAt: clock.now().toISOString() } });
    expect(completed.status).toBe(200);
  }
  return answer.body;
}

beforeAll(async () => {
  stack = await startTestStack({ clock });
  const admin = { token: stack.adminToken };
  expect((await stack.call('PUT', '/v1/rate-deck', { ...admin, rawBody: DECK, contentType: 'text/csv' })).status).toBe(200);
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'patient', name: 'patient', homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', '/v1/accounts/patient/policy', { ...admin, body: { allowedIps: ['203.0.113.0/24'], internationalEnabled: true } })).status).toBe(200);
  expect((await stack.call('POST', '/v1/accounts/patient/credits', { ...admin, body: { amount: 500 } })).status).toBe(200);
  switchToken = await stack.issue('switch');
});

afterAll(async () => {
  await stack?.stop();
});

describe('learning usual destinations from traffic', () => {
  it('keeps a premium range capped through two weeks of daily drip calls, while cheap countries become usual on the third day', async () => {
    const premium: Decision[] = [];
    const cheapGb: Decision[] = [];
    for (let day = 0; day < 14; day += 1) {
      clock.set(new Date(Date.parse('2026-03-02T18:00:00.000Z') + day * DAY_MS).toISOString());
      // The attacker's call, the same country's cheap lines (which the account also calls) and an ordinary GB call.
      premium.push(await callAndComplete('+37090012345', 120));
      await callAndComplete('+37052001234', 300);
      cheapGb.push(await callAndComplete('+442071234567', 300));
    }

    // GB: unusual (cost-capped) on days 1-3; its third completed call, on a third distinct day, made it usual.
    expect(cheapGb.slice(0, 3).map((decision) => decision.rule.evidence.boundBy)).toEqual(['unusualDestination', 'unusualDestination', 'unusualDestination']);
    expect(cheapGb.slice(3).every((decision) => decision.decision === 'allow' && decision.rule.evidence.boundBy !== 'unusualDestination')).toBe(true);

    // LT premium at 0.88/min: every call of the two weeks allowed only what 2.00 buys (136 s), never more.
    expect(premium.every((decision) => decision.decision === 'allow' && decision.rule.evidence.boundBy === 'unusualDestination')).toBe(true);
    expect(Math.max(...premium.map((decision) => decision.maxDurationSeconds ?? 0))).toBeLessThanOrEqual(136);

    // LT itself became known through its cheap lines; that does not make its premium range usual.
    const destinations = await stack.call('GET', '/v1/accounts/patient/destinations', { token: stack.adminToken });
    expect(destinations.body.knownCountries).toEqual(expect.arrayContaining(['GB', 'LT']));
    expect(destinations.body.confirmedCountries).toEqual([]);
  });
});
