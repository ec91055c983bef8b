import { describe, expect, it } from 'vitest';
import { EMPTY_LEDGER, type AccountLedger, type LiveCall } from '../../../domain/calls/ledger.js';
import {
  adjustedBuckets,
  callBucketIn,
  chargeNow,
  deadLegacySpend,
  deadSpendBuckets,
  extensionSpend,
  meetsSpendCheck,
  moveOf,
  releaseFrom,
  settlementSpend,
  slidingSpendMicros,
  spendBucket,
  spendCheck,
  spendRoomForCall,
  windowStartMs,
} from '../../../domain/calls/spend-windows.js';

const at = (iso: string) => Date.parse(iso);
const H = (iso: string) => spendBucket('hour', at(iso));
const D = (iso: string) => spendBucket('day', at(iso));

function ledger(hour: Record<number, number>, day: Record<number, number> = {}, extra: Partial<AccountLedger> = {}): AccountLedger {
  return { ...EMPTY_LEDGER, spendBuckets: { hour, day }, ...extra };
}

/** What a conditional write leaves when it meets the check: the adjustments applied. */
function write(before: AccountLedger, adjustments: ReturnType<typeof chargeNow>): AccountLedger {
  return { ...before, spendBuckets: adjustedBuckets(before, adjustments) };
}

describe('spend buckets', () => {
  it('puts the hour window in 5-minute buckets and the day window in 1-hour buckets', () => {
    expect(H('2026-11-29T17:59:59.999Z') + 1).toBe(H('2026-11-29T18:00:00.000Z'));
    expect(H('2026-11-29T18:04:59.999Z')).toBe(H('2026-11-29T18:00:00.000Z'));
    expect(D('2026-11-29T18:59:59.999Z')).toBe(D('2026-11-29T18:00:00.000Z'));
    expect(D('2026-11-29T19:00:00.000Z')).toBe(D('2026-11-29T18:00:00.000Z') + 1);
    // A live call records its 5-minute bucket; its day bucket is the hour that holds it.
    expect(callBucketIn('day', H('2026-11-29T18:55:00Z'))).toBe(D('2026-11-29T18:00:00Z'));
    expect(callBucketIn('hour', H('2026-11-29T18:55:00Z'))).toBe(H('2026-11-29T18:55:00Z'));
  });

  it('counts the last 60 minutes plus at most one bucket, never less', () => {
    const spentAt = '2026-11-29T17:59:50Z';
    const held = ledger({ [H(spentAt)]: 50_000 });
    // Across the fixed hour's end: still counted (the defect was a new hour starting from zero).
    expect(slidingSpendMicros(held, 'hour', at('2026-11-29T18:00:13Z'))).toBe(50_000);
    // 59:59 after: counted, as the rule requires.
    expect(slidingSpendMicros(held, 'hour', at('2026-11-29T18:59:49Z'))).toBe(50_000);
    // 60:05 after: still counted: the over-count, within the bucket the spend was in.
    expect(slidingSpendMicros(held, 'hour', at('2026-11-29T18:59:55Z'))).toBe(50_000);
    // Once the window has moved past its bucket, the spend is no longer counted.
    expect(slidingSpendMicros(held, 'hour', at('2026-11-29T19:00:00Z'))).toBe(0);
    expect(windowStartMs('hour', at('2026-11-29T18:59:55Z'))).toBe(at('2026-11-29T17:55:00Z'));
    expect(windowStartMs('day', at('2026-11-30T00:00:13Z'))).toBe(at('2026-11-29T00:00:00Z'));
  });

  it('counts the last 24 hours plus at most one hour', () => {
    const held = ledger({}, { [D('2026-11-29T23:59:50Z')]: 70_000 });
    expect(slidingSpendMicros(held, 'day', at('2026-11-30T00:00:13Z'))).toBe(70_000);
    expect(slidingSpendMicros(held, 'day', at('2026-11-30T23:59:59Z'))).toBe(70_000);
    expect(slidingSpendMicros(held, 'day', at('2026-12-01T00:00:00Z'))).toBe(0);
  });

  it('counts a bucket below zero as zero, so a release after a cleanup or a reset gives no room', () => {
    expect(slidingSpendMicros(ledger({ [H('2026-11-29T18:00:00Z')]: -30_000, [H('2026-11-29T18:05:00Z')]: 10_000 }), 'hour', at('2026-11-29T18:06:00Z'))).toBe(10_000);
  });

  it('reads legacy fixed hour / day counters as spent at the end of their hour / day', () => {
    const hour = Math.floor(at('2026-11-29T17:00:00Z') / 3_600_000);
    const day = Math.floor(at('2026-11-29T00:00:00Z') / 86_400_000);
    const legacy = ledger({}, {}, { legacySpend: { hour: { [hour]: 40_000 }, day: { [day]: 90_000 } } });
    expect(slidingSpendMicros(legacy, 'hour', at('2026-11-29T18:00:13Z'))).toBe(40_000);
    expect(slidingSpendMicros(legacy, 'hour', at('2026-11-29T18:59:59Z'))).toBe(40_000);
    expect(slidingSpendMicros(legacy, 'hour', at('2026-11-29T19:00:00Z'))).toBe(0);
    expect(slidingSpendMicros(legacy, 'day', at('2026-11-30T23:59:59Z'))).toBe(90_000);
    expect(slidingSpendMicros(legacy, 'day', at('2026-12-01T00:00:00Z'))).toBe(0);
    expect(deadLegacySpend(legacy, at('2026-11-29T19:06:00Z'))).toEqual([{ window: 'hour', index: hour }]);
  });

  it('drops buckets only once not even a writer a bucket behind counts them', () => {
    const now = at('2026-11-29T19:00:00Z');
    const buckets = ledger({ [H('2026-11-29T17:50:00Z')]: 1, [H('2026-11-29T17:55:00Z')]: 1, [H('2026-11-29T18:00:00Z')]: 1 });
    expect(deadSpendBuckets(buckets, now)).toEqual([{ window: 'hour', bucket: H('2026-11-29T17:50:00Z') }]);
  });
});

describe('the check a conditional write makes', () => {
  const LIMIT = 50_000;

  it('bounds the current bucket by what the other buckets of the window leave', () => {
    const now = at('2026-11-29T18:00:13Z');
    const state = ledger({ [H('2026-11-29T17:59:50Z')]: 30_000 }, {}, { readAtMs: now });
    const check = spendCheck(state, 'hour', now, LIMIT, 15_000);
    expect(check).toMatchObject({ window: 'hour', bucket: H('2026-11-29T18:00:13Z'), currentAtMost: 5_000 });
    expect(meetsSpendCheck(state, check)).toBe(true);
    // 25,000 more does not fit: 30,000 + 25,000 > 50,000 (the fixed hour would have let it through).
    expect(meetsSpendCheck(state, spendCheck(state, 'hour', now, LIMIT, 25_000))).toBe(false);
  });

  it('guards the buckets that may have grown since the read, and the next one', () => {
    const readAt = at('2026-11-29T17:59:50Z');
    const now = at('2026-11-29T18:00:13Z');
    const previous = H('2026-11-29T17:59:50Z');
    const state = ledger({ [previous]: 30_000 }, {}, { readAtMs: readAt });
    const check = spendCheck(state, 'hour', now, LIMIT, 10_000);
    expect(check.guards).toEqual([
      { bucket: previous - 1, atMost: 0 },
      { bucket: previous, atMost: 30_000 },
      { bucket: previous + 2, atMost: 0 },
    ]);
    // Another process added to 17:55 before the boundary after this copy was read: the write is refused...
    expect(meetsSpendCheck(write(state, [{ window: 'hour', bucket: previous, micros: 15_000 }]), check)).toBe(false);
    // ...a writer whose clock is already in the next bucket added there: refused too...
    expect(meetsSpendCheck(write(state, [{ window: 'hour', bucket: previous + 2, micros: 1 }]), check)).toBe(false);
    // ...while a release (a decrease) never refuses it.
    expect(meetsSpendCheck(write(state, [{ window: 'hour', bucket: previous, micros: -20_000 }]), check)).toBe(true);
  });

  it('guards every past bucket of the window when it does not know when the copy was read', () => {
    const now = at('2026-11-29T18:00:13Z');
    expect(spendCheck(ledger({}), 'hour', now, LIMIT, 1).guards).toHaveLength(13);
    expect(spendCheck(ledger({}), 'day', now, LIMIT, 1).guards).toHaveLength(25);
  });

  it('refuses outright what is larger than the limit left', () => {
    const check = spendCheck(ledger({}), 'hour', at('2026-11-29T18:00:00Z'), LIMIT, LIMIT + 1);
    expect(check.currentAtMost).toBeLessThan(0);
    expect(meetsSpendCheck(ledger({}), check)).toBe(false);
  });

  it('keeps simultaneous writers at either side of a boundary within the limit in total', () => {
    // Writers a moment before and after 18:00 each check the account as the writes before them left it.
    let state = ledger({}, {}, { readAtMs: at('2026-11-29T17:59:00Z') });
    let granted = 0;
    for (let index = 0; index < 40; index += 1) {
      const now = at('2026-11-29T17:59:59Z') + (index % 2 === 0 ? 0 : 2_000);
      const check = spendCheck(state, 'hour', now, LIMIT, 3_000);
      if (!meetsSpendCheck(state, check)) continue;
      state = write(state, chargeNow(now, 3_000));
      granted += 3_000;
    }
    expect(granted).toBe(48_000);
    expect(slidingSpendMicros(state, 'hour', at('2026-11-29T18:00:01Z'))).toBeLessThanOrEqual(LIMIT);
  });
});

describe('where spend goes', () => {
  const reservedAt = at('2026-11-29T17:59:50Z');
  const call: LiveCall = { callId: 'c', reservedMicros: 20_000, grantedSeconds: 240, expiresAtMs: reservedAt + 360_000, spendBucket: spendBucket('hour', reservedAt) };

  it('gives back what a settled call did not use to the buckets it was reserved in, after the boundary too', () => {
    expect(settlementSpend(call, 5_000, at('2026-11-29T18:03:00Z'))).toEqual([
      { window: 'hour', bucket: H('2026-11-29T17:55:00Z'), micros: -15_000 },
      { window: 'day', bucket: D('2026-11-29T17:00:00Z'), micros: -15_000 },
    ]);
  });

  it('counts a charge beyond the reservation now, never in a past bucket', () => {
    expect(settlementSpend(call, 26_000, at('2026-11-29T18:03:00Z'))).toEqual([
      { window: 'hour', bucket: H('2026-11-29T18:03:00Z'), micros: 6_000 },
      { window: 'day', bucket: D('2026-11-29T18:03:00Z'), micros: 6_000 },
    ]);
  });

  it('takes an expired reservation out of its bucket; a call recorded before the buckets gives nothing back', () => {
    expect(releaseFrom(call, 20_000)).toEqual([
      { window: 'hour', bucket: call.spendBucket, micros: -20_000 },
      { window: 'day', bucket: D('2026-11-29T17:00:00Z'), micros: -20_000 },
    ]);
    const legacy: LiveCall = { callId: call.callId, reservedMicros: call.reservedMicros, grantedSeconds: call.grantedSeconds, expiresAtMs: call.expiresAtMs };
    expect(releaseFrom(legacy, 20_000)).toEqual([]);
  });

  it('re-reserves an extended call in the current bucket, out of the bucket it was in', () => {
    const now = at('2026-11-29T18:02:00Z');
    const before = ledger({ [call.spendBucket ?? 0]: 20_000 }, { [D('2026-11-29T17:00:00Z')]: 20_000 }, { readAtMs: now });
    const after = write(before, extensionSpend(call, 35_000, now));
    expect(after.spendBuckets.hour).toEqual({ [H('2026-11-29T17:55:00Z')]: 0, [H('2026-11-29T18:00:00Z')]: 35_000 });
    expect(slidingSpendMicros(after, 'hour', now)).toBe(35_000);
    // The room for growing it: the limit minus everything else, minus what it holds already.
    expect(spendRoomForCall(before, 'hour', now, 50_000, call)).toBe(30_000);
    expect(meetsSpendCheck(before, spendCheck(before, 'hour', now, 50_000, 50_000, moveOf(call)))).toBe(true);
    expect(meetsSpendCheck(before, spendCheck(before, 'hour', now, 50_000, 50_001, moveOf(call)))).toBe(false);
  });
});
