/** Ports of the live-call use cases (interim updates, settlement, the to-end list); owned here, implemented in adapters. */
import type { AccountSnapshot, DecisionRecord } from '../policy/authorize-call.js';
import type { Destination } from '../policy/decision.js';
import type { LiveCall, SettledCall } from './ledger.js';
import type { SpendAdjustment, SpendCheck } from './spend-windows.js';

/** The report as claimed on the call: what the switch said, and when. */
export interface CompletionClaim {
  readonly durationSeconds: number;
  readonly endedAt: string;
  readonly completedAt: string;
}

/** A completion as stored on the call: claimed, then applied (with the charge) once the account is charged. */
export interface StoredCompletion extends CompletionClaim {
  readonly chargedMicros?: number;
  /** When the charge was applied to the account; absent while it is claimed but not applied. */
  readonly appliedAt?: string;
}

export interface Completion extends StoredCompletion {
  readonly chargedMicros: number;
}

export interface StoredCall {
  readonly record: DecisionRecord;
  readonly completion: StoredCompletion | undefined;
}

export type ClaimOutcome =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'claimed'; readonly record: DecisionRecord; readonly completion: StoredCompletion }
  | { readonly kind: 'exists'; readonly record: DecisionRecord; readonly completion: StoredCompletion }
  /** The call was not allowed: there is nothing to claim. */
  | { readonly kind: 'not-allowed'; readonly record: DecisionRecord };

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
  /** The spend bucket the whole reservation is counted in from now on (the current one: it is re-reserved now). */
  readonly spendBucket: number;
}

export interface ExtensionGuard {
  readonly expectedVersion: number;
  /** The sliding windows' checks, one per window with a limit (domain/calls/spend-windows.ts). */
  readonly spendChecks: readonly SpendCheck[];
  /** The reservation moved into the current buckets. */
  readonly spend: readonly SpendAdjustment[];
}

export interface CountryProfile {
  readonly completedCalls: number;
  readonly firstCompletedAt: string | undefined;
  /** Distinct UTC days with a completed call to the country (rows written before it was kept count their calls' days from now on). */
  readonly distinctDays: number;
}

export interface LiveCallStore {
  loadCall(callId: string): Promise<StoredCall | undefined>;
  /** The decision records of several calls (those found), by callId. */
  loadCalls(callIds: readonly string[]): Promise<ReadonlyMap<string, StoredCall>>;
  readAccount(accountId: string): Promise<AccountSnapshot | undefined>;

  /** Grows a live call's grant; refused if the call changed, the version moved, or the balance or spend limits cannot carry it. */
  extend(accountId: string, call: LiveCall, change: GrantChange, guard: ExtensionGuard): Promise<LedgerWrite>;
  /**
   * Ends a live call: releases its reservation, charges its real cost and leaves a settled-call mark, so a later
   * applier sees the charge was made; `spend` moves the spend buckets (spend-windows.ts settlementSpend). Refused if
   * the call changed or is gone.
   */
  settle(accountId: string, call: LiveCall, settled: SettledCall, spend: readonly SpendAdjustment[]): Promise<LedgerWrite>;
  /**
   * Ends a live call whose reservation expired unreported: releases it, charges nothing, and takes the reservation
   * out of the spend bucket it was counted in (`spend`). Refused if the call changed or is gone.
   */
  release(accountId: string, call: LiveCall, spend: readonly SpendAdjustment[]): Promise<LedgerWrite>;
  /**
   * Charges a call whose reservation had already been released (reported after it expired), leaving a
   * settled-call mark and counting the charge as spend now (`spend`); refused if the call is live again or was charged
   * already, or the account is gone.
   */
  chargeReleased(accountId: string, callId: string, settled: SettledCall, spend: readonly SpendAdjustment[]): Promise<LedgerWrite>;
  /** Marks the completion applied, with its charge; the account's settled-call mark is then dropped by a later write. */
  markApplied(accountId: string, callId: string, appliedAt: string, chargedMicros: number): Promise<void>;
  /**
   * Claims the call's settlement by recording the report on its (allowed) decision, reading the decision in the same
   * write; the first report wins, a later one gets the first completion back.
   */
  claimCompletion(callId: string, claim: CompletionClaim): Promise<ClaimOutcome>;
  /** Adds the completed call to the account's lifetime profile; returns the country's row after it. */
  recordProfile(accountId: string, destination: Destination, completion: Completion): Promise<CountryProfile>;
  /** The country has become usual for the account (completed calls over long enough). */
  addKnownCountry(accountId: string, country: string): Promise<void>;
  markToEnd(accountId: string, reason: string, at: string): Promise<void>;
  /** Accounts with a to-end marker, and the marker's time (to remove it only if nothing rewrote it). */
  toEndMarkers(): Promise<readonly { readonly accountId: string; readonly at: string }[]>;
  readAccounts(accountIds: readonly string[]): Promise<readonly AccountSnapshot[]>;
  clearToEndMarker(accountId: string, at: string): Promise<void>;
}
