import { describe, expect, it, vi } from 'vitest';
import type { Account } from '../../../domain/accounts/account.js';
import type { LiveCall } from '../../../domain/calls/ledger.js';
import { spendBucket } from '../../../domain/calls/spend-windows.js';
import { makeInterimUpdate } from '../../../domain/calls/interim-update.js';
import { accountSnapshot } from '../../support/account-snapshot.js';
import { allowedRecord, deniedRecord, internationalAccount } from '../../support/call-records.js';
import { policy, SETTINGS } from '../../support/fixtures.js';
import { InMemoryLiveCalls } from '../../support/in-memory-live-calls.js';
import { settableClock } from '../../support/settable-clock.js';

const DECIDED_AT = '2026-11-29T12:00:00.000Z';
const T0 = Date.parse(DECIDED_AT);
const GRACE = SETTINGS.reservationGraceSeconds;
/** call-1 rang 10 s and has talked 150 s of its first slice of 180 s (GB mobile, 500 micros a second). */
const NOW = '2026-11-29T12:02:40.000Z';
const BUCKET = spendBucket('hour', T0);
const SLICE: LiveCall = { callId: 'call-1', reservedMicros: 90_000, grantedSeconds: 180, expiresAtMs: T0 + (180 + GRACE) * 1000, spendBucket: BUCKET };

function setUp(account: Partial<Account> = {}) {
  const store = new InMemoryLiveCalls({
    accounts: [accountSnapshot(internationalAccount({ balanceMicros: 1_000_000, ...account }), { liveCalls: [SLICE], spendBuckets: { hour: { [BUCKET]: 90_000 }, day: { [spendBucket('day', T0)]: 90_000 } } })],
    calls: [allowedRecord('call-1', DECIDED_AT, { maxDurationSeconds: 180, interimSeconds: 150 }), deniedRecord('call-denied', DECIDED_AT)],
  });
  const clock = settableClock(NOW);
  const interimUpdate = makeInterimUpdate({ store, clock, credit: SETTINGS, detection: SETTINGS.detection });
  return { store, clock, interimUpdate };
}

const answered = { callId: 'call-1', answered: true, elapsedSeconds: 150 };

describe('interimUpdate', () => {
  it('extends a sliced grant by another slice when the available balance allows', async () => {
    const { store, interimUpdate } = setUp();

    const outcome = await interimUpdate(answered);

    expect(outcome).toEqual({ kind: 'continue', accountId: 'acme', maxDurationSeconds: 330, interimSeconds: 150, reservedMicros: 165_000, extended: true, boundBy: 'target' });
    const { account, ledger } = store.account('acme');
    // The reservation grows by 150 s of talk; the balance does not move.
    expect(account.balanceMicros).toBe(1_000_000);
    expect(ledger.availableMicros).toBe(1_000_000 - 165_000);
    expect(ledger.spendBuckets.hour[BUCKET]).toBe(165_000);
    // Answered at 12:00:10: the reservation now lasts the 330 s granted plus the grace.
    expect(ledger.liveCalls).toEqual([{ callId: 'call-1', reservedMicros: 165_000, grantedSeconds: 330, expiresAtMs: T0 + 10_000 + (330 + GRACE) * 1000, spendBucket: BUCKET }]);
  });

  it('re-reserves an extended call in the current spend bucket once a bucket boundary has passed', async () => {
    const { store, clock, interimUpdate } = setUp({ policy: policy({ internationalEnabled: true, limits: { callsPerMinute: null, concurrentCalls: null, spendPerHour: 0.2, spendPerDay: null } }) });
    // 12:05:10: the call was reserved in the 12:00 bucket; another call took 0.05 there meanwhile.
    clock.set('2026-11-29T12:05:10.000Z');
    const { ledger } = store.account('acme');
    // (Its switch reported late enough that its reservation has not expired: answered at 12:00:50.)
    const slice = { ...SLICE, expiresAtMs: T0 + (50 + 180 + GRACE) * 1000 };
    store.accounts.set('acme', { ...store.account('acme'), ledger: { ...ledger, liveCalls: [slice], spendBuckets: { ...ledger.spendBuckets, hour: { [BUCKET]: 140_000 } } } });

    const outcome = await interimUpdate({ ...answered, elapsedSeconds: 260 });

    // The limit leaves 0.2 - 0.05 for this call's whole reservation: 300 s (0.15), of the 440 s wanted.
    expect(outcome).toMatchObject({ kind: 'continue', extended: true, boundBy: 'spendLimit', reservedMicros: 150_000, maxDurationSeconds: 300 });
    const after = store.account('acme').ledger;
    expect(after.spendBuckets.hour).toEqual({ [BUCKET]: 50_000, [BUCKET + 1]: 150_000 });
    expect(after.liveCalls[0]).toMatchObject({ reservedMicros: 150_000, spendBucket: BUCKET + 1 });
  });

  it('extends only as far as the available balance pays', async () => {
    // 0.11: 0.09 held by the slice, 0.02 (40 s) left.
    const { store, interimUpdate } = setUp({ balanceMicros: 110_000 });

    const outcome = await interimUpdate(answered);

    expect(outcome).toMatchObject({ kind: 'continue', maxDurationSeconds: 220, reservedMicros: 110_000, extended: true, boundBy: 'balance' });
    expect(store.account('acme').ledger.availableMicros).toBe(0);
  });

  it('keeps the grant unchanged, with no further update due, when nothing is left to reserve', async () => {
    const { store, interimUpdate } = setUp({ balanceMicros: 90_000 });
    const before = store.account('acme');

    const outcome = await interimUpdate(answered);

    expect(outcome).toMatchObject({ kind: 'continue', maxDurationSeconds: 180, interimSeconds: null, reservedMicros: 90_000, extended: false, boundBy: 'balance' });
    expect(store.account('acme')).toBe(before);
  });

  it('stops the call when a charge elsewhere left less than nothing available', async () => {
    const { interimUpdate } = setUp({ balanceMicros: 80_000 });
    expect(await interimUpdate(answered)).toEqual({ kind: 'stop', accountId: 'acme', reason: 'INSUFFICIENT_BALANCE' });
  });

  it('stops the call of a suspended account', async () => {
    const { interimUpdate } = setUp({ status: 'suspended' });
    expect(await interimUpdate(answered)).toEqual({ kind: 'stop', accountId: 'acme', reason: 'ACCOUNT_SUSPENDED' });
  });

  it('stops a call to a destination the account has blocked since it began', async () => {
    const { interimUpdate } = setUp({ policy: policy({ internationalEnabled: true, blockedCountries: ['GB'] }) });
    expect(await interimUpdate(answered)).toEqual({ kind: 'stop', accountId: 'acme', reason: 'DESTINATION_BLOCKED' });
  });

  it('stops a call to a destination restricted since it began', async () => {
    const { interimUpdate } = setUp({ restrictedDestinations: ['GB'] });
    expect(await interimUpdate(answered)).toEqual({ kind: 'stop', accountId: 'acme', reason: 'DESTINATION_RESTRICTED' });
  });

  it('gives no more credit to an account under review, which keeps its grant', async () => {
    const { store, interimUpdate } = setUp({ status: 'under_review' });
    const before = store.account('acme');

    expect(await interimUpdate(answered)).toMatchObject({ kind: 'continue', maxDurationSeconds: 180, extended: false });
    expect(store.account('acme')).toBe(before);
  });

  it('keeps the grant of a call still ringing', async () => {
    const { interimUpdate } = setUp();
    expect(await interimUpdate({ callId: 'call-1', answered: false, elapsedSeconds: 0 })).toMatchObject({ kind: 'continue', maxDurationSeconds: 180, extended: false, boundBy: 'not-answered' });
  });

  it('stops a call whose reservation has expired', async () => {
    const { clock, interimUpdate } = setUp();
    clock.set(new Date(SLICE.expiresAtMs).toISOString());
    expect(await interimUpdate(answered)).toEqual({ kind: 'stop', accountId: 'acme', reason: 'RESERVATION_EXPIRED' });
  });

  it('decides again on the account as it is when a policy change lands between its read and its write', async () => {
    const { store, interimUpdate } = setUp();
    const { account, ledger } = store.account('acme');
    vi.spyOn(store, 'extend').mockImplementationOnce(async (...args) => {
      store.accounts.set('acme', { account: { ...account, version: account.version + 1, policy: policy({ internationalEnabled: true, blockedCountries: ['GB'] }) }, ledger });
      return InMemoryLiveCalls.prototype.extend.apply(store, args);
    });

    expect(await interimUpdate(answered)).toEqual({ kind: 'stop', accountId: 'acme', reason: 'DESTINATION_BLOCKED' });
    expect(store.account('acme').ledger.liveCalls).toEqual([SLICE]);
  });

  it('answers completed for a call already reported', async () => {
    const { store, interimUpdate } = setUp();
    await store.claimCompletion('call-1', { durationSeconds: 150, endedAt: NOW, completedAt: NOW });
    expect(await interimUpdate(answered)).toEqual({ kind: 'completed' });
  });

  it('answers not-allowed for a denied call', async () => {
    const { interimUpdate } = setUp();
    expect(await interimUpdate({ ...answered, callId: 'call-denied' })).toEqual({ kind: 'not-allowed', reason: 'ACCOUNT_SUSPENDED' });
  });

  it('answers not-found for a call never authorized', async () => {
    const { interimUpdate } = setUp();
    expect(await interimUpdate({ ...answered, callId: 'nobody' })).toEqual({ kind: 'not-found' });
  });
});
