/**
 * The carrier-wide range watch over HTTP on the local stack: one range, many accounts. Each account dials a range
 * unusual for it once (under its own burst threshold); the range watch, fed by the table stream, restricts the range
 * for such accounts once 5 distinct accounts dialled it in the hour, so the 6th is stopped. Accounts for which
 * the destination is usual (home, whitelisted) never trip it; a reviewer lifts it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settableClock } from '../support/settable-clock.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const DECK = ['prefix,country,description,rate_per_minute', '1,US,US,0.0045', '44,GB,GB fixed,0.0121', '232,SL,SL fixed,0.1500', '23276,SL,SL mobile,0.5500'].join('\n');

const clock = settableClock('2026-03-02T18:05:00.000Z');
let stack: TestStack;
let switchToken: string;
let reviewer: string;
let sequence = 0;

interface Decision {
  decision: 'allow' | 'deny';
  reason: string;
  rule: { evidence: Record<string, unknown> };
}

async function createAccount(accountId: string, policy: Record<string, unknown> = {}) {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'], internationalEnabled: true, ...policy } })).status).toBe(200);
  expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: 100 } })).status).toBe(200);
}

async function dial(accountId: string, to: string): Promise<Decision> {
  sequence += 1;
  const body = { callId: `range-${sequence}`, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId };
  const answer = await stack.call<Decision>('POST', '/v1/authorize', { token: switchToken, body });
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
  reviewer = await stack.issue('reviewer');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the carrier-wide range watch', () => {
  it('never trips on fifty accounts calling their usual country (home or whitelisted), however many call one number', async () => {
    for (let index = 0; index < 50; index += 1) {
      const accountId = `usual-${index}`;
      const whitelisted = index % 2 === 1;
      await createAccount(accountId, whitelisted ? { whitelistCountries: ['GB'] } : {});
      const decision = await dial(accountId, whitelisted ? '+442071234567' : '+13055550199');
      expect(decision.decision, accountId).toBe('allow');
    }
    expect(rangeRestricted()).toEqual([]);
    const listed = await stack.call('GET', '/v1/range-restrictions', { token: reviewer });
    expect(listed.status).toBe(200);
    expect(listed.body.count).toBe(0);
    expect(stack.events.bus.deadLetters).toEqual([]);
  }, 240_000);

  it('stops the sixth of twelve accounts each dialling one unusual range once, carrier-wide; a reviewer lifts it', async () => {
    const decisions: Decision[] = [];
    for (let index = 0; index < 12; index += 1) {
      await createAccount(`pbx-${index}`);
      decisions.push(await dial(`pbx-${index}`, `+2327612345${String(index % 10)}`));
    }

    expect(decisions.slice(0, 5).map((decision) => decision.decision)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow']);
    for (const decision of decisions.slice(5)) {
      expect(decision).toMatchObject({
        decision: 'deny',
        reason: 'DESTINATION_RESTRICTED',
        rule: { evidence: { restrictedBy: '23276', newlyRestricted: false, scope: 'carrier' } },
        unblock: [{ action: 'review', review: 'lift-range-restriction', destination: '23276', by: 'reviewer' }],
      });
    }
    const events = rangeRestricted();
    expect(events.map((event) => (event.detail as { range: string }).range)).toEqual(['23276']);
    expect(events[0]?.detail).toMatchObject({ distinctAccounts: 5, threshold: 5, windowMinutes: 60, accounts: ['pbx-0', 'pbx-1', 'pbx-2', 'pbx-3', 'pbx-4'] });

    // An account for which Sierra Leone is usual (whitelisted) still calls the range.
    await createAccount('diaspora', { whitelistCountries: ['SL'] });
    expect((await dial('diaspora', '+23276123456')).decision).toBe('allow');

    const listed = await stack.call('GET', '/v1/range-restrictions', { token: reviewer });
    expect(listed.status).toBe(200);
    expect(listed.body.restrictions.map((restriction: { range: string }) => restriction.range)).toEqual(['23276']);
    expect(listed.body.restrictions[0].evidence.accounts).toHaveLength(5);

    const customer = await stack.issue('customer', 'pbx-0');
    expect((await stack.call('DELETE', '/v1/range-restrictions/23276', { token: customer })).status).toBe(403);
    expect((await stack.call('GET', '/v1/range-restrictions', { token: customer })).status).toBe(403);

    const lifted = await stack.call('DELETE', '/v1/range-restrictions/23276', { token: reviewer });
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ range: '23276', lifted: true });
    expect((await stack.call('DELETE', '/v1/range-restrictions/23276', { token: reviewer })).status).toBe(404);

    expect((await dial('pbx-11', '+23276999999')).decision).toBe('allow');
    const audit = await stack.call('GET', '/v1/audit', { token: stack.adminToken });
    expect(audit.body.records.map((record: { action: string }) => record.action)).toEqual(expect.arrayContaining(['range.restrict', 'range.lift']));
    expect(stack.events.bus.deadLetters).toEqual([]);
  }, 240_000);
});
