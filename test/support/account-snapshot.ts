/**
 * Account snapshots for the in-memory stores, kept as the account's item keeps them: `available = balance − open
 * reservations`, and the live-call count is the number of live calls (every write moves the two together).
 */
import type { Account } from '../../domain/accounts/account.js';
import { EMPTY_LEDGER, type AccountLedger, type LiveCall, type SettledCall } from '../../domain/calls/ledger.js';
import { adjustedBuckets, type SpendAdjustment } from '../../domain/calls/spend-windows.js';
import type { AccountSnapshot } from '../../domain/policy/authorize-call.js';

type LedgerParts = Partial<Omit<AccountLedger, 'availableMicros' | 'reservedMicros' | 'liveCallCount'>>;

/** An account holding `parts.liveCalls` (none by default), its available balance derived from them. */
export function accountSnapshot(account: Account, parts: LedgerParts = {}): AccountSnapshot {
  const liveCalls = parts.liveCalls ?? [];
  const reservedMicros = liveCalls.reduce((sum, call) => sum + call.reservedMicros, 0);
  return {
    account,
    ledger: { ...EMPTY_LEDGER, ...parts, liveCalls, liveCallCount: liveCalls.length, reservedMicros, availableMicros: account.balanceMicros - reservedMicros },
  };
}

export interface LedgerChange {
  /** Added to the balance (a charge is negative). */
  readonly balanceMicros?: number;
  /** Added to the available balance. */
  readonly availableMicros?: number;
  readonly liveCalls?: (calls: readonly LiveCall[]) => readonly LiveCall[];
  /** A settled-call mark to leave. */
  readonly settled?: { readonly callId: string; readonly call: SettledCall };
  /** Added to the spend buckets of the sliding windows. */
  readonly spend?: readonly SpendAdjustment[];
}

/** The snapshot after one write; reservations stay `balance − available`, as on the item. */
export function changed(snapshot: AccountSnapshot, change: LedgerChange): AccountSnapshot {
  const { account, ledger } = snapshot;
  const balanceMicros = account.balanceMicros + (change.balanceMicros ?? 0);
  const availableMicros = ledger.availableMicros + (change.availableMicros ?? 0);
  const liveCalls = change.liveCalls ? change.liveCalls(ledger.liveCalls) : ledger.liveCalls;
  return {
    account: { ...account, balanceMicros },
    ledger: {
      ...ledger,
      availableMicros,
      reservedMicros: balanceMicros - availableMicros,
      liveCalls,
      liveCallCount: liveCalls.length,
      settled: change.settled ? { ...ledger.settled, [change.settled.callId]: change.settled.call } : ledger.settled,
      spendBuckets: change.spend ? adjustedBuckets(ledger, change.spend) : ledger.spendBuckets,
    },
  };
}

/** The live call as seen is still there, unchanged (what every per-call write is conditioned on). */
export function holdsLiveCall(ledger: AccountLedger, call: LiveCall): boolean {
  return ledger.liveCalls.some(
    (live) => live.callId === call.callId && live.expiresAtMs === call.expiresAtMs && live.reservedMicros === call.reservedMicros && live.spendBucket === call.spendBucket && live.unusual === call.unusual,
  );
}
