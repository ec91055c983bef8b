/**
 * Limits under a parallel attack, over HTTP against DynamoDB Local: many attempts sent at once must get no more
 * through than the same attempts sent one at a time, and live calls must be controllable while they run.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

let stack: TestStack;
let switchToken: string;
let reviewerToken: string;
let sequence = 0;
/** The stack's clock runs this far ahead of the system clock (moved to expire reservations). */
let clockOffsetMs = 0;
/** While set, the stack's clock stands still at this instant. */
let pinnedAtMs: number | undefined;

interface Decision {
  callId: string;
  decision: 'allow' | 'deny';
  reason: string;
  sipCode: number;
  maxDurationSeconds?: number;
  interimSeconds?: number;
  destination: { ratePerMinute: number; country: string } | null;
  rule: { evidence: Record<string, unknown> };
}

async function createAccount(accountId: string, policy: Record<string, unknown>, balance: number): Promise<void> {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'], ...policy } })).status).toBe(200);
  if (balance > 0) expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: balance } })).status).toBe(200);
}

function authorizeBody(accountId: string, to: string, callId = `pa-${(sequence += 1)}`) {
  return { callId, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId };
}

async function authorize(accountId: string, to: string, callId?: string): Promise<Decision> {
  const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body: authorizeBody(accountId, to, callId) });
  expect(response.status).toBe(200);
  return response.body as Decision;
}

/** Sends `count` attempts at once and waits for every answer. */
async function together(count: number, accountId: string, to: (index: number) => string): Promise<Decision[]> {
  return Promise.all(Array.from({ length: count }, (_unused, index) => authorize(accountId, to(index))));
}

/** What the allowed calls may cost, as granted: their reservations. */
function exposure(decisions: readonly Decision[]): number {
  return decisions
    .filter((decision) => decision.decision === 'allow')
    .reduce((sum, decision) => sum + Math.ceil(((decision.maxDurationSeconds ?? 0) * (decision.destination?.ratePerMinute ?? 0) * 1e6) / 60) / 1e6, 0);
}

const domestic = (index: number) => `+1212555${String(1000 + index).padStart(4, '0')}`;

async function account(accountId: string) {
  return (await stack.call('GET', `/v1/accounts/${accountId}`, { token: stack.adminToken })).body as { balance: number; reserved: number; available: number; liveCalls: number; status: string };
}

beforeAll(async () => {
  stack = await startTestStack({ clock: { now: () => new Date(pinnedAtMs ?? Date.now() + clockOffsetMs) } });
  expect((await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  switchToken = await stack.issue('switch');
  reviewerToken = await stack.issue('reviewer');
});

afterAll(async () => {
  await stack?.stop();
});

describe('atomic limits under simultaneous attempts', () => {
  it('allows exactly 3 of 200 simultaneous attempts against a concurrency limit of 3', async () => {
    await createAccount('conc3', { limits: { concurrentCalls: 3 } }, 100);
    const decisions = await together(200, 'conc3', domestic);
    const allowed = decisions.filter((decision) => decision.decision === 'allow');
    expect(allowed).toHaveLength(3);
    expect(decisions.filter((decision) => decision.reason === 'CONCURRENCY_LIMIT')).toHaveLength(197);
    expect(decisions.every((decision) => decision.decision === 'allow' || decision.sipCode === 486)).toBe(true);
    expect((await account('conc3')).liveCalls).toBe(3);
  });

  it('never exposes more than a $0.05 balance to 200 simultaneous attempts', async () => {
    await createAccount('cents', {}, 0.05);
    const decisions = await together(200, 'cents', domestic);
    const allowed = decisions.filter((decision) => decision.decision === 'allow');
    expect(allowed.length).toBeGreaterThan(0);
    expect(exposure(decisions)).toBeLessThanOrEqual(0.05);
    // Named, so that a failure says which other reason refused some of them.
    expect([...new Set(decisions.filter((decision) => decision.decision === 'deny').map((decision) => decision.reason))]).toEqual(['INSUFFICIENT_BALANCE']);
    const state = await account('cents');
    expect(state.available).toBeGreaterThanOrEqual(0);
    expect(state.reserved).toBeCloseTo(exposure(decisions), 6);
  });

  it('never exposes more than spendPerHour to 50 simultaneous attempts', async () => {
    await createAccount('hourly', { internationalEnabled: true, whitelistCountries: ['DM'], limits: { spendPerHour: 2 } }, 100);
    const decisions = await together(50, 'hourly', (index) => `+1767555${String(1000 + index)}`); // DM at 0.27/min
    expect(decisions.some((decision) => decision.decision === 'allow')).toBe(true);
    expect(exposure(decisions)).toBeLessThanOrEqual(2);
    expect(decisions.filter((decision) => decision.decision === 'deny').every((decision) => decision.reason === 'SPEND_LIMIT')).toBe(true);
  });

  it('stops 100 simultaneous calls to a never-dialled country as a sequential burst is stopped: 3 through, $5 at most', async () => {
    await createAccount('irsf', { internationalEnabled: true }, 500);
    const decisions = await together(100, 'irsf', (index) => `+23225${String(100_000 + index)}`); // SL, unusual
    const allowed = decisions.filter((decision) => decision.decision === 'allow');
    expect(allowed.length).toBeGreaterThanOrEqual(1);
    expect(allowed.length).toBeLessThanOrEqual(3);
    expect(decisions.filter((decision) => decision.reason === 'DESTINATION_RESTRICTED')).toHaveLength(100 - allowed.length);
    expect(decisions.filter((decision) => decision.rule.evidence.newlyRestricted === true)).toHaveLength(1);
    // Each call that got through is capped at the unusual-destination cost ($2), and together they stay within the
    // weekly unusual-spend budget ($5): simultaneous attempts cannot each take what is left of it.
    expect(exposure(decisions)).toBeLessThanOrEqual(5);
    await stack.events.settle();
    const restricted = stack.events.bus.published.filter((event) => event['detail-type'] === 'Destination Restricted' && (event.detail as { accountId: string }).accountId === 'irsf');
    expect(restricted).toHaveLength(1);
  });

  it('allows no more calls per minute than the velocity limit when 50 arrive together', async () => {
    await createAccount('cpm', { limits: { callsPerMinute: 5 } }, 100);
    // The limit is a sliding minute: a burst that ran on past a minute boundary (a loaded machine takes seconds over
    // 50 attempts) may rightly pass more once the previous minute's weight falls. The stack's clock is held at second
    // 1 of a minute for the burst, so that the test asks only whether simultaneous attempts hold the limit.
    const now = Date.now() + clockOffsetMs;
    pinnedAtMs = now - (now % 60_000) + 61_000;
    let decisions: Decision[];
    try {
      decisions = await together(50, 'cpm', domestic);
    } finally {
      // Time goes on from the pinned instant: never backwards for the stack.
      clockOffsetMs = Math.max(clockOffsetMs, pinnedAtMs - Date.now());
      pinnedAtMs = undefined;
    }
    expect(decisions.filter((decision) => decision.decision === 'allow').length).toBeLessThanOrEqual(5);
    expect(decisions.filter((decision) => decision.decision === 'allow').length).toBeGreaterThan(0);
    expect(decisions.filter((decision) => decision.decision === 'deny').every((decision) => decision.reason === 'VELOCITY_LIMIT')).toBe(true);
  });

  it('gives each of 10 simultaneous $0.27/min calls on a $10 balance at least 3 minutes', async () => {
    await createAccount('share', { internationalEnabled: true, whitelistCountries: ['DM'] }, 10);
    const decisions = await together(10, 'share', (index) => `+1767555${String(2000 + index)}`);
    expect(decisions.every((decision) => decision.decision === 'allow')).toBe(true);
    expect(Math.min(...decisions.map((decision) => decision.maxDurationSeconds ?? 0))).toBeGreaterThanOrEqual(180);
    expect(decisions.every((decision) => typeof decision.interimSeconds === 'number')).toBe(true);
    expect(exposure(decisions)).toBeLessThanOrEqual(10);
  });

  it('lets simultaneous calls share the balance as calls one at a time would: no more whole-duration grants', async () => {
    // $25 at $0.0045/min: a 4 h call costs $1.08, granted whole while that is at most a quarter of what is available.
    await createAccount('sharing', {}, 25);
    const together60 = await together(60, 'sharing', domestic);
    const whole = together60.filter((decision) => decision.decision === 'allow' && decision.interimSeconds === undefined && (decision.maxDurationSeconds ?? 0) > 180);
    // One at a time, whole grants stop once $1.08 is more than a quarter of what is left: after 20 of them.
    expect(whole.length).toBeLessThanOrEqual(20);
    expect(together60.every((decision) => decision.decision === 'allow')).toBe(true);
    expect((await account('sharing')).available).toBeGreaterThan(2);
  });

  it('counts a callId retried 20 times at once only once', async () => {
    await createAccount('retry', { limits: { concurrentCalls: 5 } }, 100);
    const callId = 'retry-the-same-call';
    const decisions = await Promise.all(Array.from({ length: 20 }, () => authorize('retry', '+12125550199', callId)));
    expect(new Set(decisions.map((decision) => (decision as unknown as { decisionId: string }).decisionId)).size).toBe(1);
    const state = await account('retry');
    expect(state.liveCalls).toBe(1);
    expect(state.reserved).toBeCloseTo(exposure([decisions[0] as Decision]), 6);
  });
});

describe('reservations, settlement and live-call control', () => {
  it('settles a call once: charges the real cost and releases the rest of its reservation', async () => {
    await createAccount('settle', { internationalEnabled: true, whitelistCountries: ['DM'] }, 10);
    const call = await authorize('settle', '+17675553000');
    expect(call.decision).toBe('allow');
    expect((await account('settle')).reserved).toBeGreaterThan(0);
    const completion = { durationSeconds: 100, endedAt: new Date().toISOString() };
    const [first, second] = await Promise.all([
      stack.call('POST', `/v1/calls/${call.callId}/completed`, { token: switchToken, body: completion }),
      stack.call('POST', `/v1/calls/${call.callId}/completed`, { token: switchToken, body: completion }),
    ]);
    expect([first?.status, second?.status]).toEqual([200, 200]);
    expect([first?.body.charged, second?.body.charged]).toEqual([0.45, 0.45]);
    const state = await account('settle');
    expect(state).toMatchObject({ balance: 9.55, reserved: 0, available: 9.55, liveCalls: 0 });
  });

  it('releases at once a call never answered', async () => {
    await createAccount('unanswered', {}, 5);
    const call = await authorize('unanswered', '+12125554000');
    const completed = await stack.call('POST', `/v1/calls/${call.callId}/completed`, { token: switchToken, body: { durationSeconds: 0, endedAt: new Date().toISOString() } });
    expect(completed.body.charged).toBe(0);
    expect(await account('unanswered')).toMatchObject({ balance: 5, reserved: 0, available: 5, liveCalls: 0 });
  });

  it('extends a live call on interim updates while the balance carries it, then lets it run out', async () => {
    await createAccount('interim', { internationalEnabled: true, whitelistCountries: ['DM'] }, 2);
    const call = await authorize('interim', '+17675555000'); // 0.27/min: 2.00 buys 444 s, a first slice of 180 s
    expect(call).toMatchObject({ decision: 'allow', maxDurationSeconds: 180, interimSeconds: 150 });
    const first = await stack.call('POST', `/v1/calls/${call.callId}/interim`, { token: switchToken, body: { answered: true, elapsedSeconds: 150 } });
    expect(first.body).toMatchObject({ action: 'continue', maxDurationSeconds: 330, extended: true });
    const second = await stack.call('POST', `/v1/calls/${call.callId}/interim`, { token: switchToken, body: { answered: true, elapsedSeconds: 300 } });
    expect(second.body).toMatchObject({ action: 'continue', maxDurationSeconds: 444, boundBy: 'balance' });
    const third = await stack.call('POST', `/v1/calls/${call.callId}/interim`, { token: switchToken, body: { answered: true, elapsedSeconds: 430 } });
    expect(third.body).toMatchObject({ action: 'continue', maxDurationSeconds: 444, extended: false });
    const state = await account('interim');
    expect(state.available).toBeGreaterThanOrEqual(0);
    expect(state.reserved).toBeLessThanOrEqual(2);
  });

  it('never reserves more than the balance when 10 interim updates ask for more at once', async () => {
    // 10 calls at 0.27/min on 10.00: ten 180 s slices hold 8.10; each update wants another 0.675.
    await createAccount('interims', { internationalEnabled: true, whitelistCountries: ['DM'] }, 10);
    const calls = await together(10, 'interims', (index) => `+1767555${String(7000 + index)}`);
    expect(calls.every((call) => call.decision === 'allow' && call.maxDurationSeconds === 180)).toBe(true);
    const updates = await Promise.all(
      calls.map((call) => stack.call('POST', `/v1/calls/${call.callId}/interim`, { token: switchToken, body: { answered: true, elapsedSeconds: 150 } })),
    );
    const grants = updates.map((update) => update.body as { action: string; maxDurationSeconds: number; extended: boolean });
    expect(grants.every((grant) => grant.action === 'continue' && grant.maxDurationSeconds >= 180)).toBe(true);
    expect(grants.filter((grant) => grant.extended).length).toBeGreaterThan(0);
    expect(grants.filter((grant) => grant.maxDurationSeconds === 330).length).toBeLessThanOrEqual(2); // 1.90 left buys two whole extensions
    const granted = grants.reduce((sum, grant) => sum + Math.ceil((grant.maxDurationSeconds * 270_000) / 60) / 1e6, 0);
    expect(granted).toBeLessThanOrEqual(10);
    const state = await account('interims');
    expect(state.available).toBeGreaterThanOrEqual(0);
    expect(state.reserved).toBeCloseTo(granted, 6);
  });

  it('lists every call that got through while a suspension raced 60 simultaneous attempts', async () => {
    await createAccount('racing', {}, 100);
    const attempts = together(60, 'racing', domestic);
    const suspension = new Promise((done) => setTimeout(done, 20)).then(() =>
      stack.call('POST', '/v1/accounts/racing/suspend', { token: reviewerToken, body: { note: 'suspended mid-burst' } }),
    );
    const [decisions, suspended] = await Promise.all([attempts, suspension]);
    expect(suspended.status).toBe(200);
    const live = (await stack.call('GET', '/v1/accounts/racing/calls', { token: stack.adminToken })).body.calls as { callId: string }[];
    const toEnd = ((await stack.call('GET', '/v1/calls/to-end', { token: switchToken })).body.calls as { callId: string; accountId: string; reason: string }[]).filter(
      (call) => call.accountId === 'racing',
    );
    // Whatever got through before the suspension is live, and every live call is on the list to end.
    expect(live.length).toBe(decisions.filter((decision) => decision.decision === 'allow').length);
    expect(toEnd.map((call) => call.callId).sort()).toEqual(live.map((call) => call.callId).sort());
    expect(toEnd.every((call) => call.reason === 'ACCOUNT_SUSPENDED')).toBe(true);
    expect((await authorize('racing', domestic(99))).reason).toBe('ACCOUNT_SUSPENDED');
  });

  it('puts a suspended account\'s live calls on the to-end list at once, and interim updates say stop', async () => {
    await createAccount('suspend-me', {}, 20);
    const calls = await together(2, 'suspend-me', domestic);
    expect(calls.every((call) => call.decision === 'allow')).toBe(true);
    const suspended = await stack.call('POST', '/v1/accounts/suspend-me/suspend', { token: reviewerToken, body: { note: 'PBX compromised, calls to SL' } });
    expect(suspended.status).toBe(200);
    expect(suspended.body.account.status).toBe('suspended');

    const toEnd = await stack.call('GET', '/v1/calls/to-end', { token: switchToken });
    const listed = (toEnd.body.calls as { callId: string; accountId: string; reason: string }[]).filter((call) => call.accountId === 'suspend-me');
    expect(listed.map((call) => call.callId).sort()).toEqual(calls.map((call) => call.callId).sort());
    expect(listed.every((call) => call.reason === 'ACCOUNT_SUSPENDED')).toBe(true);
    const text = await stack.call('GET', '/v1/calls/to-end?format=text', { token: switchToken });
    expect(text.text.split('\n')).toEqual(expect.arrayContaining(calls.map((call) => call.callId)));

    const interim = await stack.call('POST', `/v1/calls/${calls[0]?.callId}/interim`, { token: switchToken, body: { answered: true, elapsedSeconds: 60 } });
    expect(interim.body).toMatchObject({ action: 'stop', reason: 'ACCOUNT_SUSPENDED' });
    expect((await authorize('suspend-me', domestic(5))).reason).toBe('ACCOUNT_SUSPENDED');

    // A call leaves the list when it is reported completed.
    await stack.call('POST', `/v1/calls/${calls[0]?.callId}/completed`, { token: switchToken, body: { durationSeconds: 61, endedAt: new Date().toISOString() } });
    const after = await stack.call('GET', '/v1/calls/to-end', { token: switchToken });
    expect((after.body.calls as { callId: string }[]).map((call) => call.callId)).not.toContain(calls[0]?.callId);
    expect((after.body.calls as { callId: string }[]).map((call) => call.callId)).toContain(calls[1]?.callId);

    const audit = await stack.call('GET', '/v1/accounts/suspend-me/audit', { token: stack.adminToken });
    expect(audit.body.records ?? audit.body.entries ?? audit.body.audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'account.suspended' })]));

    const reactivated = await stack.call('POST', '/v1/accounts/suspend-me/reactivate', { token: reviewerToken, body: { note: 'cleaned up' } });
    expect(reactivated.body.account.status).toBe('active');
    const cleared = await stack.call('GET', '/v1/calls/to-end', { token: switchToken });
    expect((cleared.body.calls as { accountId: string }[]).filter((call) => call.accountId === 'suspend-me')).toEqual([]);
  });

  it('lists live calls to a destination blocked since they began, and only those', async () => {
    await createAccount('blocker', { internationalEnabled: true, whitelistCountries: ['GB'] }, 20);
    const [toGb, toUs] = [await authorize('blocker', '+442079460001'), await authorize('blocker', '+12125558000')];
    expect([toGb.decision, toUs.decision]).toEqual(['allow', 'allow']);
    const policy = { allowedIps: ['203.0.113.0/24'], internationalEnabled: true, whitelistCountries: ['GB'], blockedCountries: ['GB'] };
    expect((await stack.call('PUT', '/v1/accounts/blocker/policy', { token: stack.adminToken, body: policy })).status).toBe(200);
    const toEnd = await stack.call('GET', '/v1/calls/to-end', { token: switchToken });
    const listed = (toEnd.body.calls as { callId: string; accountId: string; reason: string }[]).filter((call) => call.accountId === 'blocker');
    expect(listed).toEqual([{ callId: toGb.callId, accountId: 'blocker', reason: 'DESTINATION_BLOCKED' }]);
    const interim = await stack.call('POST', `/v1/calls/${toUs.callId}/interim`, { token: switchToken, body: { answered: true, elapsedSeconds: 10 } });
    expect(interim.body.action).toBe('continue');
  });

  it('lists the other live calls when a call charged beyond its grant leaves nothing available', async () => {
    await createAccount('overrun', { internationalEnabled: true, whitelistCountries: ['DM'] }, 2);
    const [first, second] = [await authorize('overrun', '+17675559000'), await authorize('overrun', '+17675559001')];
    expect([first.decision, second.decision]).toEqual(['allow', 'allow']);
    // The switch ignored the first call's grant and reports an hour: 16.20 charged on a balance of 2.
    await stack.call('POST', `/v1/calls/${first.callId}/completed`, { token: switchToken, body: { durationSeconds: 3_600, endedAt: new Date().toISOString() } });
    expect((await account('overrun')).available).toBeLessThan(0);
    const toEnd = await stack.call('GET', '/v1/calls/to-end', { token: switchToken });
    expect(toEnd.body.calls).toEqual(expect.arrayContaining([{ callId: second.callId, accountId: 'overrun', reason: 'INSUFFICIENT_BALANCE' }]));
  });

  it('refuses a customer suspending its own account, and a suspend without a note', async () => {
    await createAccount('self-suspend', {}, 1);
    const customer = await stack.issue('customer', 'self-suspend');
    expect((await stack.call('POST', '/v1/accounts/self-suspend/suspend', { token: customer, body: { note: 'x' } })).status).toBe(403);
    const noNote = await stack.call('POST', '/v1/accounts/self-suspend/suspend', { token: reviewerToken, body: {} });
    expect(noNote.status).toBe(400);
    expect(noNote.body.error.details[0]).toMatchObject({ field: 'note', message: 'is required' });
  });

  it('lists an account\'s live calls with their reservations', async () => {
    await createAccount('listing', {}, 10);
    const call = await authorize('listing', '+12125556000');
    const customer = await stack.issue('customer', 'listing');
    const live = await stack.call('GET', '/v1/accounts/listing/calls', { token: customer });
    expect(live.status).toBe(200);
    expect(live.body.calls).toEqual([
      expect.objectContaining({ callId: call.callId, destination: expect.objectContaining({ country: 'US', e164: '+12125556000' }), grantedSeconds: call.maxDurationSeconds, toEnd: null }),
    ]);
    const other = await stack.issue('customer', 'conc3');
    expect((await stack.call('GET', '/v1/accounts/listing/calls', { token: other })).status).toBe(403);
  });

  it('charges once a completion claimed by a process that died before applying it', async () => {
    await createAccount('crashed', {}, 10);
    const call = await authorize('crashed', '+12125557500');
    // A report claims the call (completion recorded on its decision) and its process dies before the account write.
    const claimed = { durationSeconds: 600, endedAt: new Date().toISOString(), completedAt: new Date(Date.now() + clockOffsetMs).toISOString() };
    expect((await stack.adapters.liveCalls.claimCompletion(call.callId, claimed)).kind).toBe('claimed');
    expect((await account('crashed')).liveCalls).toBe(1);
    const report = { durationSeconds: 600, endedAt: claimed.endedAt };
    // A repeat while the claim is fresh leaves it to its claimer...
    expect((await stack.call('POST', `/v1/calls/${call.callId}/completed`, { token: switchToken, body: report })).body).toMatchObject({ charged: 0.045, alreadyCompleted: true });
    expect((await account('crashed')).balance).toBe(10);
    // ...a repeat after a minute applies it, once.
    clockOffsetMs += 61_000;
    try {
      await Promise.all([1, 2, 3].map(() => stack.call('POST', `/v1/calls/${call.callId}/completed`, { token: switchToken, body: report })));
      expect(await account('crashed')).toMatchObject({ balance: 9.955, reserved: 0, available: 9.955, liveCalls: 0 });
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('releases a reservation nobody reports once its maximum has passed', async () => {
    await createAccount('leak', { limits: { concurrentCalls: 1 } }, 10);
    const call = await authorize('leak', '+12125557000');
    expect(call.decision).toBe('allow');
    expect((await authorize('leak', '+12125557001')).reason).toBe('CONCURRENCY_LIMIT');
    // The switch crashed: the call is never reported. Past its grant and the grace, the slot and the money come back.
    clockOffsetMs += ((call.maxDurationSeconds ?? 0) + 121) * 1000;
    try {
      expect(await account('leak')).toMatchObject({ reserved: 0, available: 10, liveCalls: 0 });
      expect((await authorize('leak', '+12125557002')).decision).toBe('allow');
    } finally {
      clockOffsetMs = 0;
    }
  });
});
