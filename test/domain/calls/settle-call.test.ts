import { describe, expect, it, vi } from 'vitest';
import type { LiveCall } from '../../../domain/calls/ledger.js';
import { spendBucket, type SpendAdjustment } from '../../../domain/calls/spend-windows.js';
import { makeSettleCall } from '../../../domain/calls/settle-call.js';
import { accountSnapshot } from '../../support/account-snapshot.js';
import { allowedRecord, deniedRecord, internationalAccount } from '../../support/call-records.js';
import { SETTINGS } from '../../support/fixtures.js';
import { InMemoryLiveCalls } from '../../support/in-memory-live-calls.js';
import { settableClock } from '../../support/settable-clock.js';

const DECIDED_AT = '2026-11-29T12:00:00.000Z';
const T0 = Date.parse(DECIDED_AT);
const REPORTED_AT = '2026-11-29T12:10:00.000Z';
const ENDED_AT = '2026-11-29T12:09:59.000Z';
const GRACE = SETTINGS.reservationGraceSeconds;
/** GB mobile at 0.03 a minute. */
const MICROS_PER_SECOND = 500;
const BALANCE = 10_000_000;

/** The live call authorize leaves for a grant of `grantedSeconds` decided at T0. */
function liveCall(callId: string, grantedSeconds: number): LiveCall {
  return { callId, reservedMicros: grantedSeconds * MICROS_PER_SECOND, grantedSeconds, expiresAtMs: T0 + (grantedSeconds + GRACE) * 1000, spendBucket: spendBucket('hour', T0) };
}

/** Acme holding call-1 (granted `granted` seconds, reserved and counted in the hour's spend) and `others`. */
function setUp({ balance = BALANCE, granted = 600, live = true, others = [] as LiveCall[] } = {}) {
  const call = liveCall('call-1', granted);
  const liveCalls = [...(live ? [call] : []), ...others];
  const reserved = liveCalls.reduce((sum, each) => sum + each.reservedMicros, 0);
  const store = new InMemoryLiveCalls({
    accounts: [accountSnapshot(internationalAccount({ balanceMicros: balance }), { liveCalls, spendBuckets: { hour: { [spendBucket('hour', T0)]: reserved }, day: { [spendBucket('day', T0)]: reserved } } })],
    calls: [allowedRecord('call-1', DECIDED_AT, { maxDurationSeconds: granted, interimSeconds: null }), deniedRecord('call-denied', DECIDED_AT)],
  });
  const clock = settableClock(REPORTED_AT);
  const settleCall = makeSettleCall({ store, clock, detection: SETTINGS.detection, reservationGraceSeconds: GRACE });
  return { store, clock, settleCall, call };
}

/** The spend a settlement charging `charged` gives back to the call's buckets. */
const releasedPart = (call: LiveCall, charged: number): SpendAdjustment[] =>
  (['hour', 'day'] as const).map((window) => ({ window, bucket: spendBucket(window, T0), micros: charged - call.reservedMicros }));

const report = (durationSeconds: number) => ({ callId: 'call-1', durationSeconds, endedAt: ENDED_AT });

describe('settleCall', () => {
  it('charges the reported seconds at the authorized rate once and releases the rest of the reservation', async () => {
    const { store, settleCall } = setUp({ granted: 600 });

    const outcome = await settleCall(report(95));

    expect(outcome).toMatchObject({ kind: 'settled', alreadyCompleted: false, overrun: false, completion: { durationSeconds: 95, chargedMicros: 47_500 } });
    const { account, ledger } = store.account('acme');
    expect(account.balanceMicros).toBe(BALANCE - 47_500);
    expect(ledger).toMatchObject({ availableMicros: BALANCE - 47_500, reservedMicros: 0, liveCalls: [], liveCallCount: 0 });
    expect(ledger.spendBuckets.hour[spendBucket('hour', T0)]).toBe(47_500);
    expect(ledger.spendBuckets.day[spendBucket('day', T0)]).toBe(47_500);
    expect(store.completionOf('call-1')).toMatchObject({ durationSeconds: 95, chargedMicros: 47_500, appliedAt: REPORTED_AT });
  });

  it('answers a repeated report with the first settlement and charges nothing twice', async () => {
    const { store, clock, settleCall } = setUp();
    await settleCall(report(95));
    clock.advance(5_000);

    const repeat = await settleCall(report(300));

    expect(repeat).toMatchObject({ kind: 'settled', alreadyCompleted: true, completion: { durationSeconds: 95, chargedMicros: 47_500 } });
    expect(store.account('acme').account.balanceMicros).toBe(BALANCE - 47_500);
    expect(store.account('acme').ledger.availableMicros).toBe(BALANCE - 47_500);
  });

  it('charges nothing for a call never answered and gives its whole reservation back', async () => {
    const { store, settleCall } = setUp({ granted: 600 });

    const outcome = await settleCall(report(0));

    expect(outcome).toMatchObject({ kind: 'settled', completion: { chargedMicros: 0 }, becomesKnown: false });
    expect(store.account('acme').account.balanceMicros).toBe(BALANCE);
    expect(store.account('acme').ledger).toMatchObject({ availableMicros: BALANCE, liveCallCount: 0 });
  });

  it('answers not-allowed for a denied call and records no completion on it', async () => {
    const { store, settleCall } = setUp();
    const before = store.account('acme');

    const outcome = await settleCall({ callId: 'call-denied', durationSeconds: 60, endedAt: ENDED_AT });

    expect(outcome).toMatchObject({ kind: 'not-allowed', record: { callId: 'call-denied', reason: 'ACCOUNT_SUSPENDED' } });
    expect(store.completionOf('call-denied')).toBeUndefined();
    expect(store.account('acme')).toBe(before);
  });

  it('answers not-found for a call never authorized', async () => {
    const { settleCall } = setUp();
    expect(await settleCall({ callId: 'nobody', durationSeconds: 60, endedAt: ENDED_AT })).toEqual({ kind: 'not-found' });
  });

  it('charges a call that ran past its grant for the whole reported duration', async () => {
    const { store, settleCall } = setUp({ granted: 180 });

    const outcome = await settleCall(report(300));

    expect(outcome).toMatchObject({ kind: 'settled', overrun: true, completion: { chargedMicros: 150_000 } });
    expect(store.account('acme').account.balanceMicros).toBe(BALANCE - 150_000);
    expect(store.account('acme').ledger).toMatchObject({ availableMicros: BALANCE - 150_000, reservedMicros: 0 });
    expect(store.markers.size).toBe(0);
  });

  it('marks the account to end its other calls when an overrun leaves less than nothing available', async () => {
    // 0.10 covers call-1's 180 s (0.09) and call-9's 0.01 exactly; call-1 then talks 300 s.
    const { store, settleCall } = setUp({ balance: 100_000, granted: 180, others: [liveCall('call-9', 20)] });

    await settleCall(report(300));

    expect(store.account('acme').ledger).toMatchObject({ availableMicros: -60_000, liveCallCount: 1 });
    expect(store.markers.get('acme')).toEqual({ reason: 'INSUFFICIENT_BALANCE', at: REPORTED_AT });
  });

  it('charges a call reported after its reservation was released on its own, as an overrun', async () => {
    const { store, settleCall } = setUp({ live: false });

    const outcome = await settleCall(report(95));

    expect(outcome).toMatchObject({ kind: 'settled', overrun: true, completion: { chargedMicros: 47_500 } });
    expect(store.account('acme').account.balanceMicros).toBe(BALANCE - 47_500);
    expect(store.account('acme').ledger.settled['call-1']).toMatchObject({ chargedMicros: 47_500, durationSeconds: 95 });
  });

  it('gives the unused reservation back to the bucket it was reserved in and counts an overrun now', async () => {
    // Reserved at 12:00 (the 12:00 bucket), reported at 12:10: 95 s used, the rest leaves the 12:00 bucket.
    const { store, settleCall } = setUp({ granted: 600 });
    await settleCall(report(95));
    expect(store.account('acme').ledger.spendBuckets.hour).toEqual({ [spendBucket('hour', T0)]: 47_500 });

    // A call granted 180 s that talked 300 s: its 90,000 stay where reserved, the 60,000 beyond count at 12:10.
    const overrun = setUp({ granted: 180 });
    await overrun.settleCall(report(300));
    expect(overrun.store.account('acme').ledger.spendBuckets.hour).toEqual({ [spendBucket('hour', T0)]: 90_000, [spendBucket('hour', Date.parse(REPORTED_AT))]: 60_000 });
  });

  it('counts a report that arrives after its reservation was released once, in the current bucket', async () => {
    // The release took call-1's reservation out of the 12:00 bucket (nothing left there).
    const { store, settleCall } = setUp({ live: false });
    const reservedBucket = spendBucket('hour', T0);
    store.accounts.set('acme', { ...store.account('acme'), ledger: { ...store.account('acme').ledger, spendBuckets: { hour: { [reservedBucket]: 0 }, day: {} } } });

    await settleCall(report(95));

    expect(store.account('acme').ledger.spendBuckets.hour).toEqual({ [reservedBucket]: 0, [spendBucket('hour', Date.parse(REPORTED_AT))]: 47_500 });
  });

  it('marks the account to end its other calls when a repeat applies an abandoned claim that leaves less than nothing', async () => {
    // As the overrun above, but the first report's process died after its claim: the repeat applies it.
    const { store, clock, settleCall } = setUp({ balance: 100_000, granted: 180, others: [liveCall('call-9', 20)] });
    await store.claimCompletion('call-1', { durationSeconds: 300, endedAt: ENDED_AT, completedAt: REPORTED_AT });
    clock.advance(61_000);

    await settleCall(report(300));

    expect(store.account('acme').ledger).toMatchObject({ availableMicros: -60_000, liveCallCount: 1 });
    expect(store.markers.get('acme')).toEqual({ reason: 'INSUFFICIENT_BALANCE', at: '2026-11-29T12:11:01.000Z' });
  });

  it('makes the destination known on the completed call that reaches the history thresholds', async () => {
    const { store, settleCall } = setUp();
    store.profiles.set('acme#GB', { completedCalls: 2, firstCompletedAt: '2026-11-27T09:00:00.000Z', days: new Set(['2026-11-27', '2026-11-28']) });

    const outcome = await settleCall(report(95));

    expect(outcome).toMatchObject({ kind: 'settled', becomesKnown: true });
    expect(store.account('acme').account.knownCountries).toEqual(['GB']);
  });

  it('does not make the destination known from many calls on too few distinct days', async () => {
    const { store, settleCall } = setUp();
    store.profiles.set('acme#GB', { completedCalls: 20, firstCompletedAt: '2026-11-27T09:00:00.000Z', days: new Set(['2026-11-29']) });

    const outcome = await settleCall(report(95));

    expect(outcome).toMatchObject({ kind: 'settled', becomesKnown: false });
    expect(store.account('acme').account.knownCountries).toEqual([]);
  });
});

describe('settleCall after a process died between its claim and the account write', () => {
  /** A report claims call-1 (its completion is on the decision) and its process dies before the account write. */
  async function claimedAndAbandoned() {
    const setup = setUp({ granted: 600 });
    await setup.store.claimCompletion('call-1', { durationSeconds: 95, endedAt: ENDED_AT, completedAt: REPORTED_AT });
    return setup;
  }

  it('leaves a claim less than a minute old to its claimer', async () => {
    const { store, clock, settleCall } = await claimedAndAbandoned();
    clock.advance(30_000);

    const repeat = await settleCall(report(95));

    expect(repeat).toMatchObject({ kind: 'settled', alreadyCompleted: true, completion: { chargedMicros: 47_500 } });
    expect(store.account('acme').account.balanceMicros).toBe(BALANCE);
    expect(store.account('acme').ledger.liveCallCount).toBe(1);
  });

  it('applies a claim a minute old exactly once, however many repeats arrive', async () => {
    const { store, clock, settleCall } = await claimedAndAbandoned();
    clock.advance(61_000);

    await Promise.all([settleCall(report(95)), settleCall(report(95)), settleCall(report(95))]);
    clock.advance(1_000);
    await settleCall(report(95));

    expect(store.account('acme').account.balanceMicros).toBe(BALANCE - 47_500);
    expect(store.account('acme').ledger).toMatchObject({ availableMicros: BALANCE - 47_500, liveCallCount: 0 });
    expect(store.completionOf('call-1')).toMatchObject({ chargedMicros: 47_500, appliedAt: '2026-11-29T12:11:01.000Z' });
  });

  it('does not charge again when the account write was made but the call never marked applied', async () => {
    const { store, clock, settleCall, call } = await claimedAndAbandoned();
    await store.settle('acme', call, { chargedMicros: 47_500, durationSeconds: 95, settledAtMs: Date.parse(REPORTED_AT) }, releasedPart(call, 47_500));
    clock.advance(61_000);

    await settleCall(report(95));

    expect(store.account('acme').account.balanceMicros).toBe(BALANCE - 47_500);
    expect(store.completionOf('call-1')?.appliedAt).toBe('2026-11-29T12:11:01.000Z');
  });

  it('leaves alone a slow claimer that charges the account while the repeat applies its claim', async () => {
    const { store, clock, settleCall, call } = await claimedAndAbandoned();
    clock.advance(61_000);
    // The claimer was slow, not dead: as the repeat starts, it charges the account, marks the call applied, and a
    // later write drops the account's settled-call mark.
    vi.spyOn(store, 'readAccount').mockImplementationOnce(async (accountId) => {
      await store.settle(accountId, call, { chargedMicros: 47_500, durationSeconds: 95, settledAtMs: Date.parse(REPORTED_AT) }, releasedPart(call, 47_500));
      await store.markApplied(accountId, 'call-1', REPORTED_AT, 47_500);
      store.dropAppliedMarks(accountId);
      return store.accounts.get(accountId);
    });

    await settleCall(report(95));

    expect(store.account('acme').account.balanceMicros).toBe(BALANCE - 47_500);
    expect(store.completionOf('call-1')?.appliedAt).toBe(REPORTED_AT);
  });
});
