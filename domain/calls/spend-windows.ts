/**
 * Sliding spend windows: within any 60-minute span and any 24-hour span, reserved plus settled spend stays within
 * `limits.spendPerHour` / `limits.spendPerDay`, for any number of simultaneous calls, checked by the one conditional
 * write that takes a call's reservation (no extra round).
 *
 * Spend is kept in small buckets on the account's item: 5-minute buckets for the hour window, 1-hour buckets for the
 * day window. A call's spend is counted at the time it was reserved (authorized, or extended by an interim update).
 * The window at time t sums the buckets from `bucket(t) - N` on (N = 12 / 24): the last 60 minutes / 24 hours plus
 * the part of the oldest bucket before them. So it over-counts by at most one bucket's worth of time (up to 65
 * minutes / 25 hours are counted), never under-counts: a 60-minute span that holds a reservation made at t lies
 * inside the buckets counted at t, since bucket(t - 60 min) = bucket(t) - 12.
 *
 * Why the write can check it in one condition: INCREASES only ever go to the CURRENT bucket (a reservation, an
 * extension, a charge beyond a reservation, a charge reported after its reservation was released), while DECREASES
 * (releasing what a call did not use, an expired reservation) go to the bucket the reservation was recorded in
 * (recorded on the live call). So once a bucket is past, it only decreases, and a write at t may check
 *   current bucket <= limit - (sum of the other buckets of the window as read) - what it adds
 * plus `bucket <= value read` for the past buckets that could have grown since the read (those that were current
 * when the account was read: the copy may be up to TOLLGATE_ACCOUNT_CACHE_SECONDS old) and for the buckets next to the
 * current one (a writer whose clock is a moment behind or ahead adds to those). Decreases never fail these guards.
 *
 * Granularity and item size: the account's item is rewritten on every call (one write unit per KB), and only
 * non-zero buckets exist: at most 13 + 25 small attributes (~16 bytes each, ~0.6 KB) for an account that spends in
 * every 5 minutes of the hour and every hour of the day; finer buckets would tighten the over-count and grow the item.
 *
 * Counters written before the buckets (`h#<hour>`, `d#<day>`: spend per fixed UTC hour / day) are read as if all
 * of it had been reserved at the very end of its hour / day: counted until the window has moved past that end, so
 * the first hour and day after the change never count less than was spent.
 */
import { toMicros } from '../shared/money.js';
import type { AccountLedger, LiveCall } from './ledger.js';

/**
 * `hour` and `day` count every call (the account's spendPerHour / spendPerDay); `unusual` counts only the calls to
 * premium-rate destinations unusual for the account when they were authorized (a live call says so), over 7 days: the carrier's
 * `unusualPremiumSpendPerWeek` budget (domain/profiling/destination-detection.ts).
 */
export type SpendWindowName = 'hour' | 'day' | 'unusual';
export const SPEND_WINDOW_NAMES: readonly SpendWindowName[] = ['hour', 'day', 'unusual'];
/** The windows written before the buckets, as fixed hour / day counters. */
export type LegacySpendWindowName = 'hour' | 'day';
const LEGACY_SPEND_WINDOW_NAMES: readonly LegacySpendWindowName[] = ['hour', 'day'];

/**
 * The spend limits a call's reservation must stay within, by window, in micros: the account's spendPerHour and
 * spendPerDay, and for a call counted in the unusual window the carrier's weekly budget (null: none).
 */
export function spendLimitsFor(limits: { readonly spendPerHour: number | null; readonly spendPerDay: number | null }, unusualBudget: number | null): [SpendWindowName, number][] {
  const candidates: [SpendWindowName, number | null][] = [
    ['hour', limits.spendPerHour],
    ['day', limits.spendPerDay],
    ['unusual', unusualBudget],
  ];
  return candidates.flatMap(([window, limit]) => (limit === null ? [] : [[window, toMicros(limit)] as [SpendWindowName, number]]));
}

/** The windows a call's spend counts in. */
export function spendWindowsOf(unusual: boolean | undefined): readonly SpendWindowName[] {
  return unusual ? SPEND_WINDOW_NAMES : LEGACY_SPEND_WINDOW_NAMES;
}

export interface SpendWindowShape {
  readonly bucketMs: number;
  /** Buckets before the current one that the window counts. */
  readonly spanBuckets: number;
  /** What a legacy (fixed hour / day) counter's index is a multiple of, in buckets. */
  readonly legacyBuckets: number;
}

export const SPEND_WINDOWS: Readonly<Record<SpendWindowName, SpendWindowShape>> = {
  hour: { bucketMs: 300_000, spanBuckets: 12, legacyBuckets: 12 },
  day: { bucketMs: 3_600_000, spanBuckets: 24, legacyBuckets: 24 },
  // A week in day buckets: 8 small attributes; a drip patient enough to spread over days still meets the budget.
  unusual: { bucketMs: 86_400_000, spanBuckets: 7, legacyBuckets: 1 },
};

/** The bucket of a window that holds an instant. */
export function spendBucket(window: SpendWindowName, epochMs: number): number {
  return Math.floor(epochMs / SPEND_WINDOWS[window].bucketMs);
}

/** The oldest bucket the window counts at `nowMs`. */
export function oldestCountedBucket(window: SpendWindowName, nowMs: number): number {
  return spendBucket(window, nowMs) - SPEND_WINDOWS[window].spanBuckets;
}

/** Where the span counted at `nowMs` starts (the start of its oldest bucket). */
export function windowStartMs(window: SpendWindowName, nowMs: number): number {
  return oldestCountedBucket(window, nowMs) * SPEND_WINDOWS[window].bucketMs;
}

/** A live call records the hour window's (5-minute) bucket of its reservation; the day window's bucket follows from it. */
export function callBucketIn(window: SpendWindowName, recordedBucket: number): number {
  return Math.floor((recordedBucket * SPEND_WINDOWS.hour.bucketMs) / SPEND_WINDOWS[window].bucketMs);
}

/** A legacy counter's hour / day index, as the bucket it is counted in: the last bucket of that hour / day. */
export function legacyBucket(window: SpendWindowName, legacyIndex: number): number {
  return (legacyIndex + 1) * SPEND_WINDOWS[window].legacyBuckets - 1;
}

/** One window's buckets (an account that never called an unusual destination has none in that window). */
export function bucketsOf(ledger: AccountLedger, window: SpendWindowName): Readonly<Record<number, number>> {
  return ledger.spendBuckets[window] ?? {};
}

const positive = (micros: number | undefined) => Math.max(0, micros ?? 0);

/**
 * Everything the window counts at `nowMs`, in buckets (legacy counters at their buckets). Each bucket is counted
 * from zero up: a bucket below zero (a release after its bucket was cleaned up or reset) never gives room.
 */
function countedBuckets(ledger: AccountLedger, window: SpendWindowName, nowMs: number): { bucket: number; micros: number; legacy: boolean }[] {
  const oldest = oldestCountedBucket(window, nowMs);
  const counted: { bucket: number; micros: number; legacy: boolean }[] = [];
  for (const [index, micros] of Object.entries(bucketsOf(ledger, window))) {
    if (Number(index) >= oldest) counted.push({ bucket: Number(index), micros: positive(micros), legacy: false });
  }
  const legacy = window === 'unusual' ? {} : ledger.legacySpend[window];
  for (const [index, micros] of Object.entries(legacy)) {
    const bucket = legacyBucket(window, Number(index));
    if (bucket >= oldest) counted.push({ bucket, micros: positive(micros), legacy: true });
  }
  return counted;
}

/** Reserved plus settled spend in the window at `nowMs` (the sliding sum the spend rule and the grant use). */
export function slidingSpendMicros(ledger: AccountLedger, window: SpendWindowName, nowMs: number): number {
  return countedBuckets(ledger, window, nowMs).reduce((sum, { micros }) => sum + micros, 0);
}

/** Reserved plus settled spend in the last 60 minutes (sliding, over-counting by at most one 5-minute bucket). */
export function spendLastHourMicros(ledger: AccountLedger, nowMs: number): number {
  return slidingSpendMicros(ledger, 'hour', nowMs);
}

/** Reserved plus settled spend in the last 24 hours (sliding, over-counting by at most one 1-hour bucket). */
export function spendLastDayMicros(ledger: AccountLedger, nowMs: number): number {
  return slidingSpendMicros(ledger, 'day', nowMs);
}

/** What one window's part of a conditional write checks. */
export interface SpendCheck {
  readonly window: SpendWindowName;
  /** The current bucket, which the write adds to. */
  readonly bucket: number;
  /** The current bucket must hold at most this before the write (a negative bound: the write is refused). */
  readonly currentAtMost: number;
  /** Buckets that must not have grown since the read: each at most the value read (0 when it did not exist). */
  readonly guards: readonly { readonly bucket: number; readonly atMost: number }[];
}

/** A move of a live call's reservation out of the bucket it was recorded in (an extension re-reserves it now). */
export interface SpendMove {
  readonly recordedBucket: number;
  readonly micros: number;
}

/**
 * The check for adding `addingMicros` at `nowMs` within `limitMicros`. With `moving`, that much of `addingMicros`
 * leaves the bucket it was recorded in in the same write, so it is not counted twice.
 */
export function spendCheck(ledger: AccountLedger, window: SpendWindowName, nowMs: number, limitMicros: number, addingMicros: number, moving?: SpendMove): SpendCheck {
  const bucket = spendBucket(window, nowMs);
  const oldest = oldestCountedBucket(window, nowMs);
  const buckets = bucketsOf(ledger, window);
  const others = countedBuckets(ledger, window, nowMs)
    .filter((counted) => counted.legacy || counted.bucket !== bucket)
    .reduce((sum, { micros }) => sum + micros, 0);
  const from = moving ? callBucketIn(window, moving.recordedBucket) : undefined;
  const movedOut = moving && from !== undefined && from !== bucket && from >= oldest ? Math.min(moving.micros, positive(buckets[from])) : 0;
  const addedToCurrent = addingMicros - (moving && from === bucket ? moving.micros : 0);
  // The past buckets that may have grown since the read: those current at the read (and the one before it, for a
  // writer a moment behind), up to the next bucket (a writer a moment ahead). The rest only decrease.
  const readBucket = ledger.readAtMs === undefined ? oldest : Math.max(oldest, Math.min(spendBucket(window, ledger.readAtMs), bucket) - 1);
  const guards: { bucket: number; atMost: number }[] = [];
  for (let guarded = readBucket; guarded <= bucket + 1; guarded += 1) {
    if (guarded !== bucket) guards.push({ bucket: guarded, atMost: buckets[guarded] ?? 0 });
  }
  return { window, bucket, currentAtMost: limitMicros - (others - movedOut) - addedToCurrent, guards };
}

/** Whether the account meets the check (as the conditional write words it: a missing bucket is zero). */
export function meetsSpendCheck(ledger: AccountLedger, check: SpendCheck): boolean {
  const buckets = bucketsOf(ledger, check.window);
  const atMost = (bucket: number, bound: number) => buckets[bucket] === undefined || (buckets[bucket] ?? 0) <= bound;
  return check.currentAtMost >= 0 && atMost(check.bucket, check.currentAtMost) && check.guards.every((guard) => atMost(guard.bucket, guard.atMost));
}

/**
 * What is left of a limit for growing a live call's reservation at `nowMs`: the extension re-reserves the call's
 * whole reservation in the current bucket (out of the bucket it was in), so the room is what the check leaves for
 * the call's current reservation.
 */
export function spendRoomForCall(ledger: AccountLedger, window: SpendWindowName, nowMs: number, limitMicros: number, call: LiveCall): number {
  const check = spendCheck(ledger, window, nowMs, limitMicros, call.reservedMicros, moveOf(call));
  return check.currentAtMost - (bucketsOf(ledger, window)[check.bucket] ?? 0);
}

/** A live call's reservation as a move out of its bucket; undefined for a call recorded before the buckets. */
export function moveOf(call: LiveCall): SpendMove | undefined {
  return call.spendBucket === undefined ? undefined : { recordedBucket: call.spendBucket, micros: call.reservedMicros };
}

/** A change to one bucket of one window. */
export interface SpendAdjustment {
  readonly window: SpendWindowName;
  readonly bucket: number;
  readonly micros: number;
}

/** Spend counted now: added to the current bucket of each window the call counts in (`unusual`: the unusual window too). */
export function chargeNow(nowMs: number, micros: number, unusual?: boolean): SpendAdjustment[] {
  return micros === 0 ? [] : spendWindowsOf(unusual).map((window) => ({ window, bucket: spendBucket(window, nowMs), micros }));
}

/**
 * Spend given back from a live call's reservation: taken from the buckets the reservation was recorded in. A call
 * recorded before the buckets gives nothing back (its spend stays in the legacy counters until they age out).
 */
export function releaseFrom(call: LiveCall, micros: number): SpendAdjustment[] {
  const recorded = call.spendBucket;
  if (recorded === undefined || micros === 0) return [];
  return spendWindowsOf(call.unusual).map((window) => ({ window, bucket: callBucketIn(window, recorded), micros: -micros }));
}

/**
 * Settling a live call: what it did not use goes back to its reservation's bucket; a charge beyond the reservation
 * (a switch that ran past its grant) is counted now, in the current bucket, because a past bucket must never grow.
 */
export function settlementSpend(call: LiveCall, chargedMicros: number, nowMs: number): SpendAdjustment[] {
  return chargedMicros <= call.reservedMicros ? releaseFrom(call, call.reservedMicros - chargedMicros) : chargeNow(nowMs, chargedMicros - call.reservedMicros, call.unusual);
}

/**
 * An extension: the call's whole reservation moves to the current bucket (reserved at the time it is granted), out
 * of the bucket it was in. Moving it keeps the rule simple (each live call sits in one bucket, so settling knows
 * where to give back) at the price of counting a long call's earlier slices again once they are more than an hour
 * old: conservative, and no stricter than the fixed hour was (which counted a call's whole cost in its first hour).
 */
export function extensionSpend(call: LiveCall, newReservedMicros: number, nowMs: number): SpendAdjustment[] {
  return [...chargeNow(nowMs, newReservedMicros, call.unusual), ...releaseFrom(call, call.reservedMicros)];
}

/** The ledger after the adjustments (for in-memory stores and folding). */
export function adjustedBuckets(ledger: AccountLedger, adjustments: readonly SpendAdjustment[]): AccountLedger['spendBuckets'] {
  const next = { hour: { ...ledger.spendBuckets.hour }, day: { ...ledger.spendBuckets.day }, unusual: { ...ledger.spendBuckets.unusual } };
  for (const { window, bucket, micros } of adjustments) next[window][bucket] = (next[window][bucket] ?? 0) + micros;
  return next;
}

/** Buckets the window no longer counts, not even for a writer whose clock is a bucket behind: dead weight on the item. */
export function deadSpendBuckets(ledger: AccountLedger, nowMs: number): { window: SpendWindowName; bucket: number }[] {
  return SPEND_WINDOW_NAMES.flatMap((window) => {
    const keep = oldestCountedBucket(window, nowMs) - 1;
    return Object.keys(bucketsOf(ledger, window))
      .map(Number)
      .filter((bucket) => bucket < keep)
      .map((bucket) => ({ window, bucket }));
  });
}

/** Legacy counters the window no longer counts. */
export function deadLegacySpend(ledger: AccountLedger, nowMs: number): { window: LegacySpendWindowName; index: number }[] {
  return LEGACY_SPEND_WINDOW_NAMES.flatMap((window) => {
    const keep = oldestCountedBucket(window, nowMs) - 1;
    return Object.keys(ledger.legacySpend[window])
      .map(Number)
      .filter((index) => legacyBucket(window, index) < keep)
      .map((index) => ({ window, index }));
  });
}
