/**
 * Account snapshots for the in-memory stores, kept as the account's item keeps them: `available = balance − open
 * reservations`, and the live-call count is the number of live calls (every write moves the two together).
 */
import type { Account } from '../../domain/accounts/account.js';
import { EMPTY_LEDGER, type AccountLedger, type LiveCall, type SettledCall } from '../../domain/calls/ledger.js';
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
  /** Added to the spend buckets of an hour and a day (epoch indexes). */
  readonly spend?: { readonly hour: number; readonly day: number; readonly micros: number };
}

/** The snapshot after one write; reservations stay `balance − available`, as on the item. */
export function changed(snapshot: AccountSnapshot, change: LedgerChange): AccountSnapshot {
  const { account, ledger } = snapshot;
  const balanceMicros = account.balanceMicros + (change.balanceMicros ?? 0);
  const availableMicros = ledger.availableMicros + (change.availableMicros ?? 0);
  const liveCalls = change.liveCalls ? change.liveCalls(ledger.liveCalls) : ledger.liveCalls;
  const add = (buckets: Readonly<Record<number, number>>, index: number, micros: number) => ({ ...buckets, [index]: (buckets[index] ?? 0) + micros });
  const { spend } = change;
  return {
    account: { ...account, balanceMicros },
    ledger: {
      ...ledger,
      availableMicros,
      reservedMicros: balanceMicros - availableMicros,
      liveCalls,
      liveCallCount: liveCalls.length,
      settled: change.settled ? { ...ledger.settled, [change.settled.callId]: change.settled.call } : ledger.settled,
      spendMicrosByHour: spend ? add(ledger.spendMicrosByHour, spend.hour, spend.micros) : ledger.spendMicrosByHour,
      spendMicrosByDay: spend ? add(ledger.spendMicrosByDay, spend.day, spend.micros) : ledger.spendMicrosByDay,
    },
  };
}

/** The live call as seen is still there, unchanged (what every per-call write is conditioned on). */
export function holdsLiveCall(ledger: AccountLedger, call: LiveCall): boolean {
  return ledger.liveCalls.some((live) => live.callId === call.callId && live.expiresAtMs === call.expiresAtMs && live.reservedMicros === call.reservedMicros);
}
