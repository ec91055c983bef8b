import { describe, expect, it } from 'vitest';
import { expiredCalls, type LiveCall } from '../../../domain/calls/ledger.js';
import { makeReleaseExpired } from '../../../domain/calls/release-expired.js';
import { spendBucket } from '../../../domain/calls/spend-windows.js';
import { accountSnapshot } from '../../support/account-snapshot.js';
import { allowedRecord, internationalAccount } from '../../support/call-records.js';
import { InMemoryLiveCalls } from '../../support/in-memory-live-calls.js';
import { settableClock } from '../../support/settable-clock.js';

const DECIDED_AT = '2026-11-29T12:00:00.000Z';
const NOW = '2026-11-29T12:05:01.000Z';
const NOW_MS = Date.parse(NOW);
/** Granted 180 s at 12:00:00, plus 120 s of grace: expired at 12:05:00. */
const EXPIRED: LiveCall = { callId: 'call-old', reservedMicros: 90_000, grantedSeconds: 180, expiresAtMs: NOW_MS - 1_000, spendBucket: spendBucket('hour', Date.parse(DECIDED_AT)) };
const LIVE: LiveCall = { callId: 'call-live', reservedMicros: 90_000, grantedSeconds: 180, expiresAtMs: NOW_MS + 60_000 };
const BALANCE = 1_000_000;

function setUp() {
  const store = new InMemoryLiveCalls({
    accounts: [
      accountSnapshot(internationalAccount({ balanceMicros: BALANCE }), {
        liveCalls: [EXPIRED, LIVE],
        spendBuckets: { hour: { [spendBucket('hour', Date.parse(DECIDED_AT))]: 90_000 }, day: { [spendBucket('day', Date.parse(DECIDED_AT))]: 90_000 } },
      }),
    ],
    calls: [allowedRecord('call-old', DECIDED_AT, { maxDurationSeconds: 180, interimSeconds: 150 }), allowedRecord('call-live', '2026-11-29T12:04:00.000Z', { maxDurationSeconds: 180, interimSeconds: 150 })],
  });
  const releaseExpired = makeReleaseExpired({ store, clock: settableClock(NOW) });
  const snapshot = store.account('acme');
  // As authorize calls it: with the calls of the account it read that have expired.
  const release = () => releaseExpired(snapshot, expiredCalls(snapshot.ledger, NOW_MS));
  return { store, release };
}

describe('releaseExpired', () => {
  it('gives back the slot and the reservation of an expired call nobody reported, charging nothing', async () => {
    const { store, release } = setUp();

    await release();

    const { account, ledger } = store.account('acme');
    expect(account.balanceMicros).toBe(BALANCE);
    expect(ledger).toMatchObject({ availableMicros: BALANCE - LIVE.reservedMicros, liveCalls: [LIVE], liveCallCount: 1 });
    expect(store.completionOf('call-old')).toBeUndefined();
    // Its reservation leaves the spend bucket it was counted in: a late report then counts its charge once.
    expect(ledger.spendBuckets).toEqual({ hour: { [spendBucket('hour', Date.parse(DECIDED_AT))]: 0 }, day: { [spendBucket('day', Date.parse(DECIDED_AT))]: 0 }, unusual: {} });
  });

  it('gives a reservation back once when two releases race on the same reading of the account', async () => {
    const { store, release } = setUp();

    await Promise.all([release(), release()]);

    expect(store.account('acme').ledger).toMatchObject({ availableMicros: BALANCE - LIVE.reservedMicros, liveCallCount: 1 });
  });

  it('leaves an expired call whose report was claimed just now to its reporter', async () => {
    const { store, release } = setUp();
    await store.claimCompletion('call-old', { durationSeconds: 95, endedAt: '2026-11-29T12:04:50.000Z', completedAt: '2026-11-29T12:04:51.000Z' });
    const before = store.account('acme');

    await release();

    expect(store.account('acme')).toBe(before);
  });

  it('settles an expired call whose claim is a minute old and was never applied, charging its report once', async () => {
    const { store, release } = setUp();
    await store.claimCompletion('call-old', { durationSeconds: 95, endedAt: '2026-11-29T12:03:55.000Z', completedAt: '2026-11-29T12:03:59.000Z' });

    await release();

    const { account, ledger } = store.account('acme');
    expect(account.balanceMicros).toBe(BALANCE - 47_500);
    expect(ledger).toMatchObject({ availableMicros: BALANCE - 47_500 - LIVE.reservedMicros, liveCalls: [LIVE] });
    expect(store.completionOf('call-old')).toMatchObject({ chargedMicros: 47_500, appliedAt: NOW });
  });
});
