/** Ports of the live-call use cases (interim updates, settlement, the to-end list); owned here, implemented in adapters. */
import type { AccountSnapshot, DecisionRecord } from '../policy/authorize-call.js';
import type { Destination } from '../policy/decision.js';
import type { LiveCall, SettledCall } from './ledger.js';

export interface Completion {
  readonly durationSeconds: number;
  readonly endedAt: string;
  readonly chargedMicros: number;
  readonly completedAt: string;
  /** When the charge was applied to the account; absent while it is claimed but not applied. */
  readonly appliedAt?: string;
}

export interface StoredCall {
  readonly record: DecisionRecord;
  readonly completion: Completion | undefined;
}

/** What a write on the account leaves, read back from the write itself. */
export interface LedgerCounters {
  readonly availableMicros: number;
  readonly liveCallCount: number;
}

/** A conditional write on the account: done (its counters after it), or refused (the account as it is). */
export type LedgerWrite =
  | { readonly ok: true; readonly counters: LedgerCounters }
  | { readonly ok: false; readonly snapshot: AccountSnapshot | undefined };

export interface GrantChange {
  readonly reservedMicros: number;
  readonly grantedSeconds: number;
  readonly expiresAtMs: number;
}

export interface ExtensionGuard {
  readonly expectedVersion: number;
  readonly hourLimitMicros: number | null;
  readonly dayLimitMicros: number | null;
}

export interface CountryProfile {
  readonly completedCalls: number;
  readonly firstCompletedAt: string | undefined;
}

export interface LiveCallStore {
  loadCall(callId: string): Promise<StoredCall | undefined>;
  /** The decision records of several calls (those found), by callId. */
  loadCalls(callIds: readonly string[]): Promise<ReadonlyMap<string, StoredCall>>;
  readAccount(accountId: string): Promise<AccountSnapshot | undefined>;
  /** The account's lifetime profile row for a country (completed calls, first completion). */
  countryProfile(accountId: string, country: string): Promise<CountryProfile>;
  /** Grows a live call's grant; refused if the call changed, the version moved, or the balance or spend limits cannot carry it. */
  extend(accountId: string, call: LiveCall, change: GrantChange, guard: ExtensionGuard, authorizedAtMs: number): Promise<LedgerWrite>;
  /**
   * Ends a live call: releases its reservation, charges its real cost and leaves a settled-call mark, so a later
   * applier sees the charge was made. Refused if the call changed or is gone.
   */
  settle(accountId: string, call: LiveCall, settled: SettledCall, authorizedAtMs: number): Promise<LedgerWrite>;
  /** Ends a live call whose reservation expired unreported: releases it, charges nothing. Refused if the call changed or is gone. */
  release(accountId: string, call: LiveCall): Promise<LedgerWrite>;
  /**
   * Charges a call whose reservation had already been released (reported after it expired), leaving a
   * settled-call mark; refused if the call is live again or was charged already.
   */
  chargeReleased(accountId: string, callId: string, authorizedAtMs: number, settled: SettledCall): Promise<LedgerWrite>;
  /** Marks the completion applied; the account's settled-call mark is then dropped by a later write. */
  markApplied(accountId: string, callId: string, appliedAt: string): Promise<void>;
  /** Records the completion on the call; returns the first one when the call was completed before. */
  recordCompletion(callId: string, completion: Completion): Promise<{ readonly stored: true } | { readonly stored: false; readonly existing: Completion }>;
  /** Lifetime profile and, when the country has become usual, the account's known countries. */
  recordProfile(accountId: string, destination: Destination, completion: Completion, becomesKnown: boolean): Promise<void>;
  markToEnd(accountId: string, reason: string, at: string): Promise<void>;
  /** Accounts with a to-end marker, and the marker's time (to remove it only if nothing rewrote it). */
  toEndMarkers(): Promise<readonly { readonly accountId: string; readonly at: string }[]>;
  readAccounts(accountIds: readonly string[]): Promise<readonly AccountSnapshot[]>;
  clearToEndMarker(accountId: string, at: string): Promise<void>;
}
