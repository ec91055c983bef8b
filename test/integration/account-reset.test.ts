import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settableClock } from '../support/settable-clock.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');
const US = '+12125550123';
const SL = '+23225123456';

let stack: TestStack;
let switchToken: string;
let reviewerToken: string;
let sequence = 0;
// A fixed instant mid-minute, so that no minute or hour boundary passes between the calls of a test.
const clock = settableClock('2026-11-25T12:00:20.000Z');

async function createAccount(accountId: string, policy: Record<string, unknown>): Promise<void> {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'], ...policy } })).status).toBe(200);
  expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: 100 } })).status).toBe(200);
}

async function authorize(accountId: string, to: string) {
  sequence += 1;
  const body = { callId: `reset-${sequence}`, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId };
  const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body });
  expect(response.status).toBe(200);
  return response.body as { decision: string; reason: string };
}

const reset = (accountId: string, body: unknown, token = reviewerToken) => stack.call('POST', `/v1/accounts/${accountId}/reset`, { token, body });
const accountOf = async (accountId: string) => (await stack.call('GET', `/v1/accounts/${accountId}`, { token: stack.adminToken })).body;

beforeAll(async () => {
  stack = await startTestStack({ clock, eventBaseDelayMs: 20 });
  expect((await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  switchToken = await stack.issue('switch');
  reviewerToken = await stack.issue('reviewer');
});

afterAll(async () => {
  await stack?.stop();
});

describe('POST /v1/accounts/{id}/reset', () => {
  it('clears the velocity counter: the next call passes VELOCITY_LIMIT', async () => {
    await createAccount('fast', { limits: { callsPerMinute: 2 } });
    const reasons = [];
    for (let call = 0; call < 3; call += 1) reasons.push((await authorize('fast', US)).reason);
    expect(reasons).toEqual(['ALLOWED', 'ALLOWED', 'VELOCITY_LIMIT']);

    const response = await reset('fast', { counters: true, note: 'load test announced by the customer' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ account: { accountId: 'fast' }, reset: { counters: true, restrictions: false, liftedDestinations: [] } });
    expect((await authorize('fast', US)).reason).toBe('ALLOWED');
    expect((await authorize('fast', US)).reason).toBe('ALLOWED');
    expect((await authorize('fast', US)).reason).toBe('VELOCITY_LIMIT');
  });

  it('clears the spend counters but keeps the balance, the live calls and their reservations', async () => {
    await createAccount('spender', { limits: { spendPerHour: 0.05 } });
    expect((await authorize('spender', US)).reason).toBe('ALLOWED');
    const liveCallId = `reset-${sequence}`;
    expect((await authorize('spender', US)).reason).toBe('SPEND_LIMIT');
    const before = await accountOf('spender');
    expect(before.reserved).toBeGreaterThan(0);

    expect((await reset('spender', { counters: true, note: 'limit raised by phone' })).status).toBe(200);

    const after = await accountOf('spender');
    expect({ balance: after.balance, reserved: after.reserved, available: after.available, liveCalls: after.liveCalls }).toEqual({
      balance: before.balance,
      reserved: before.reserved,
      available: before.available,
      liveCalls: 1,
    });
    expect(after.version).toBe(before.version + 1);
    // The live call's reservation still counts while it runs (its release would otherwise give the room twice) ...
    expect((await authorize('spender', US)).reason).toBe('SPEND_LIMIT');
    // ... and when it ends unanswered it gives its reservation back: nothing counts any more, the next call passes.
    const completed = await stack.call('POST', `/v1/calls/${liveCallId}/completed`, { token: switchToken, body: { durationSeconds: 0, endedAt: new Date().toISOString() } });
    expect(completed.status).toBe(200);
    expect((await authorize('spender', US)).reason).toBe('ALLOWED');
  });

  it('lifts automatic restrictions: the restricted destination is callable again and known', async () => {
    await createAccount('burst', { internationalEnabled: true });
    const reasons = [];
    for (let attempt = 0; attempt < 5; attempt += 1) reasons.push((await authorize('burst', SL)).reason);
    expect(reasons.slice(3)).toEqual(['DESTINATION_RESTRICTED', 'DESTINATION_RESTRICTED']);
    expect((await accountOf('burst')).restrictedDestinations).toEqual(['SL']);

    const response = await reset('burst', { restrictions: true, note: 'customer opened an office in Freetown' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ account: { restrictedDestinations: [] }, reset: { restrictions: true, liftedDestinations: ['SL'] } });
    expect((await authorize('burst', SL)).decision).toBe('allow');
    const destinations = await stack.call('GET', '/v1/accounts/burst/destinations', { token: reviewerToken });
    expect(destinations.body).toMatchObject({ restrictedDestinations: [], knownCountries: ['SL'] });
  });

  it('audits the reset and emits Account Reset', async () => {
    await createAccount('audited', { internationalEnabled: true });
    for (let attempt = 0; attempt < 4; attempt += 1) await authorize('audited', SL);

    expect((await reset('audited', { counters: true, restrictions: true, note: 'false positive' })).status).toBe(200);

    const audit = await stack.call('GET', '/v1/accounts/audited/audit', { token: reviewerToken });
    // The clock stands still in this file: find the record by its action rather than by its place in time.
    const resets = audit.body.records.filter((record: { action: string }) => record.action === 'account.reset');
    expect(resets).toHaveLength(1);
    expect(resets[0]).toMatchObject({
      action: 'account.reset',
      actor: expect.stringMatching(/^reviewer:/),
      before: { restrictedDestinations: ['SL'], counters: { unusualByWindow: expect.any(Object) } },
      after: { counters: 'cleared', restrictedDestinations: [], note: 'false positive' },
    });
    await stack.events.settle();
    const events = stack.events.bus.published.filter((event) => event['detail-type'] === 'Account Reset' && (event.detail as { accountId: string }).accountId === 'audited');
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toMatchObject({ resetBy: expect.stringMatching(/^reviewer:/), counters: true, restrictions: true, liftedDestinations: ['SL'], note: 'false positive' });
  });

  it('is for reviewers and admins: a customer is refused, on its own account and on another', async () => {
    await createAccount('tenant-a', {});
    await createAccount('tenant-b', {});
    const customerOfA = await stack.issue('customer', 'tenant-a');

    expect((await reset('tenant-a', { counters: true, note: 'x' }, customerOfA)).status).toBe(403);
    expect((await reset('tenant-b', { counters: true, note: 'x' }, customerOfA)).status).toBe(403);
    expect((await reset('tenant-b', { counters: true, note: 'x' }, reviewerToken)).status).toBe(200);
    expect((await reset('tenant-b', { counters: true, note: 'x' }, stack.adminToken)).status).toBe(200);
  });

  it('names the bad fields with 400 and answers 404 for an unknown account', async () => {
    await createAccount('strict', {});
    const nothing = await reset('strict', { note: 'x' });
    const noNote = await reset('strict', { counters: true });
    const unknown = await reset('strict', { counters: true, note: 'x', balance: 0 });

    expect(nothing.status).toBe(400);
    expect(nothing.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['counters']);
    expect(noNote.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['note']);
    expect(unknown.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['balance']);
    expect((await reset('ghost', { counters: true, note: 'x' })).status).toBe(404);
    expect((await accountOf('strict')).version).toBe(1 + 1);
  });
});
