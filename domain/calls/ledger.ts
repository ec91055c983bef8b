/**
 * The live side of an account: the calls in progress with what each has reserved, and the counters its limits
 * are checked against. It is held on the account's own item, so that taking a slot, a reservation and a count is
 * one conditional write on one item (see functions/adapters/dynamodb/ledger-attributes.ts for the layout).
 *
 * Money follows RFC 4006 credit control: an allowed call reserves what its granted duration may cost;
 * available = balance - open reservations; spend limits count reserved plus settled spend in sliding windows (spend-windows.ts); settling a call charges
 * its real cost once and releases the rest; a reservation nobody settles is released once it has expired.
 */
import { slidingCount } from '../profiling/destination-detection.js';

/**
 * A call in progress as the account holds it: only what its money and its slot need. Where it goes and at what
 * rate are on its decision record (kept off the account's item, which is rewritten on every call of the account).
 */
export interface LiveCall {
  readonly callId: string;
  /** What the call may still cost at most: its granted seconds at its rate. */
  readonly reservedMicros: number;
  /** Talk time granted so far, counted from the answer. */
  readonly grantedSeconds: number;
  /** After this instant the reservation is released even if the call was never reported. */
  readonly expiresAtMs: number;
  /**
   * The hour window's (5-minute) spend bucket its reservation is counted in (spend-windows.ts); what it does not use
   * is given back there. Absent on a call recorded before the buckets.
   */
  readonly spendBucket?: number;
  /**
   * The destination was unusual for the account and premium-rate when the call was authorized: its spend counts in
   * the `unusual` window too (the carrier's unusualPremiumSpendPerWeek), and what it does not use is given back there as well.
   */
  readonly unusual?: true;
}

/** A settled call, kept briefly so that a settlement retried after a crash is recognised and charges nothing twice. */
export interface SettledCall {
  readonly chargedMicros: number;
  readonly durationSeconds: number;
  readonly settledAtMs: number;
}

export interface UnusualAttempts {
  readonly total: number;
  readonly byCountry: Readonly<Record<string, number>>;
}

export interface AccountLedger {
  /** Balance minus open reservations. */
  readonly availableMicros: number;
  readonly reservedMicros: number;
  /** Entries counted on the item, expired ones included until something releases them. */
  readonly liveCallCount: number;
  readonly liveCalls: readonly LiveCall[];
  readonly settled: Readonly<Record<string, SettledCall>>;
  /** Allowed calls per minute index (epoch minutes). */
  readonly allowedCallsByMinute: Readonly<Record<number, number>>;
  /**
   * Reserved plus settled spend by bucket of the sliding windows (spend-windows.ts): 5-minute buckets for the hour
   * window, 1-hour buckets for the day window (epoch bucket index).
   */
  readonly spendBuckets: {
    readonly hour: Readonly<Record<number, number>>;
    readonly day: Readonly<Record<number, number>>;
    /** 1-day buckets of the spend on calls to destinations unusual for the account, for 7 days (absent: none). */
    readonly unusual?: Readonly<Record<number, number>>;
  };
  /** Spend per fixed epoch hour / UTC day, as written before the sliding windows; read conservatively until it ages out. */
  readonly legacySpend: { readonly hour: Readonly<Record<number, number>>; readonly day: Readonly<Record<number, number>> };
  /** Attempts to destinations unusual for the account, per detection window index. */
  readonly unusualByWindow: Readonly<Record<number, UnusualAttempts>>;
  /**
   * When the whole item was read (a copy kept by a process is folded with what its own writes return, the rest is as
   * of this read): the spend check guards the buckets that may have grown since. Unknown: all of them are guarded.
   */
  readonly readAtMs?: number;
}

export const EMPTY_LEDGER: AccountLedger = {
  availableMicros: 0,
  reservedMicros: 0,
  liveCallCount: 0,
  liveCalls: [],
  settled: {},
  allowedCallsByMinute: {},
  spendBuckets: { hour: {}, day: {}, unusual: {} },
  legacySpend: { hour: {}, day: {} },
  unusualByWindow: {},
};

export const minuteIndex = (epochMs: number) => Math.floor(epochMs / 60_000);

export function isExpired(call: LiveCall, nowMs: number): boolean {
  return call.expiresAtMs <= nowMs;
}

export function activeCalls(ledger: AccountLedger, nowMs: number): LiveCall[] {
  return ledger.liveCalls.filter((call) => !isExpired(call, nowMs));
}

export function expiredCalls(ledger: AccountLedger, nowMs: number): LiveCall[] {
  return ledger.liveCalls.filter((call) => isExpired(call, nowMs));
}

/** Reservations still held, expired ones counted as released (they are, on the next write that sees them). */
export function openReservationsMicros(ledger: AccountLedger, nowMs: number): number {
  return ledger.reservedMicros - expiredCalls(ledger, nowMs).reduce((sum, call) => sum + call.reservedMicros, 0);
}

/** Allowed calls in the last minute as a sliding estimate, counting one more call when `including` is set. */
export function callsLastMinute(ledger: AccountLedger, nowMs: number, including: number): number {
  const minute = minuteIndex(nowMs);
  const current = (ledger.allowedCallsByMinute[minute] ?? 0) + including;
  return Math.ceil(slidingCount(current, ledger.allowedCallsByMinute[minute - 1] ?? 0, nowMs, 1));
}


export function findLiveCall(ledger: AccountLedger, callId: string): LiveCall | undefined {
  return ledger.liveCalls.find((call) => call.callId === callId);
}

/**
 * How many allowed calls the current minute may already hold for one more to stay within `limit` calls a minute
 * (the sliding estimate the velocity rule uses): the bound a conditional write checks.
 */
export function callsAllowedBefore(limit: number, previousMinuteCalls: number, nowMs: number): number {
  const exceeds = (before: number) => Math.ceil(slidingCount(before + 1, previousMinuteCalls, nowMs, 1)) > limit;
  let before = Math.max(0, limit - previousMinuteCalls - 1);
  while (!exceeds(before)) before += 1;
  return before;
}
