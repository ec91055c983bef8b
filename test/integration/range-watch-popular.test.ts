/**
 * The range watch leaves popular cheap ranges alone: a diaspora carrier's new customers all calling one country's
 * mobiles (unusual for each of them until traffic makes it known) are not a wave. Only ranges dearer than
 * `minRatePerMinute` (0.50, the rate up to which traffic makes a destination usual) are watched; the same dials to a
 * premium range are restricted by the 6th account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settableClock } from '../support/settable-clock.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const DECK = ['prefix,country,description,rate_per_minute', '1,US,US,0.0045', '639,PH,PH mobile,0.1100', '8819,ZZ,premium satellite,0.9000'].join('\n');

const clock = settableClock('2026-03-02T19:05:00.000Z');
let stack: TestStack;
let switchToken: string;
let sequence = 0;

async function createAccount(accountId: string) {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'], internationalEnabled: true } })).status).toBe(200);
  expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: 100 } })).status).toBe(200);
}

async function dial(accountId: string, to: string): Promise<{ decision: string; reason: string }> {
  sequence += 1;
  const body = { callId: `popular-${sequence}`, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId };
  const answer = await stack.call<{ decision: string; reason: string }>('POST', '/v1/authorize', { token: switchToken, body });
  expect(answer.status).toBe(200);
  clock.advance(30_000);
  await stack.events.settle();
  return answer.body;
}

const rangeRestricted = () => stack.events.bus.published.filter((event) => event['detail-type'] === 'Range Restricted');

beforeAll(async () => {
  stack = await startTestStack({ clock });
  expect((await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: DECK, contentType: 'text/csv' })).status).toBe(200);
  switchToken = await stack.issue('switch');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the range watch and popular destinations', () => {
  it('never restricts a cheap range that twenty new customers each call, unusual for them, within the hour', async () => {
    const decisions = [];
    for (let index = 0; index < 20; index += 1) {
      await createAccount(`diaspora-${index}`);
      // Each calls family: a number of its own, twice in the evening.
      decisions.push(await dial(`diaspora-${index}`, `+63917${String(1_000_000 + index)}`));
      decisions.push(await dial(`diaspora-${index}`, `+63917${String(1_000_000 + index)}`));
    }
    expect(decisions.every((decision) => decision.decision === 'allow')).toBe(true);
    expect(rangeRestricted()).toHaveLength(0);
  });

  it('restricts a premium range the same way dialled by the 6th account', async () => {
    const decisions = [];
    for (let index = 0; index < 8; index += 1) {
      await createAccount(`pbx-${index}`);
      decisions.push(await dial(`pbx-${index}`, `+8819${String(10_000_000 + index)}`));
    }
    expect(decisions.slice(0, 5).every((decision) => decision.decision === 'allow')).toBe(true);
    expect(decisions.slice(5).map((decision) => decision.reason)).toEqual(['DESTINATION_RESTRICTED', 'DESTINATION_RESTRICTED', 'DESTINATION_RESTRICTED']);
    expect(rangeRestricted()).toHaveLength(1);
  });

  it('counts the refusals of a carrier-restricted range towards the account\'s own burst: the PBX behind them is flagged', async () => {
    await createAccount('hammer');
    const reasons = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const decision = (await dial('hammer', `+8819${String(20_000_000 + attempt)}`)) as { reason: string; rule?: { evidence: Record<string, unknown> } };
      reasons.push(`${decision.reason}:${String(decision.rule?.evidence.scope ?? decision.rule?.evidence.trigger)}`);
      if (decision.rule?.evidence.trigger) break;
    }
    // Refused carrier-wide and counted, until the attempt that crosses the account's burst threshold (4 in the sliding
    // 10 minutes; the 4th or 5th, depending on where the window boundary falls) restricts ZZ for the account.
    expect(reasons.length).toBeGreaterThanOrEqual(4);
    expect(reasons.length).toBeLessThanOrEqual(5);
    expect(reasons.slice(0, -1).every((reason) => reason === 'DESTINATION_RESTRICTED:carrier')).toBe(true);
    expect(reasons.at(-1)).toBe('DESTINATION_RESTRICTED:destination-burst');
    const account = await stack.call('GET', '/v1/accounts/hammer', { token: stack.adminToken });
    expect(account.body.restrictedDestinations).toEqual(['ZZ']);
  });
});
