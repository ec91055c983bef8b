/**
 * Settling a call the switch reports ended (`POST /v1/calls/{callId}/completed`), once:
 *  1. Read the call's decision; a denied call has nothing to settle.
 *  2. Claim the settlement by recording the completion on the call (the first report wins; its charge is per
 *     second at the authorized rate, nothing for a call never answered), while reading the account.
 *  3. Apply it to the account in one conditional write: remove the live call, release its reservation, charge the
 *     real cost. A concurrent interim update changed the call: read again and retry. The reservation had already
 *     expired and been released: charge the cost on its own, leaving a settled-call mark so it is charged once.
 *  4. Mark the completion applied on the call; only then may the account's settled-call mark be dropped.
 *  5. A repeated report answers the first settlement; if that report's process died before step 4 (its claim is a
 *     minute old and not applied), the repeat applies it: the live call, the settled-call mark or their absence
 *     (a reservation released by expiry) on the account tell it what is left to charge.
 *  6. A charge beyond the reservation (a switch that ran past its grant) can leave the live calls without cover:
 *     mark the account so its live calls are listed to end.
 * Only the claim on the call and the conditional writes on the account decide who charges, so no interleaving of
 * repeats, crashes and expiry charges twice.
 */
import { chargeMicrosFor } from '../balance/charge.js';
import type { AccountSnapshot, DecisionRecord } from '../policy/authorize-call.js';
import { knownCountry, type DetectionThresholds } from '../profiling/destination-detection.js';
import type { Clock } from '../shared/ports.js';
import { dayIndex, findLiveCall, hourIndex } from './ledger.js';
import type { Completion, LedgerCounters, LiveCallStore } from './ports.js';

export interface SettleCallRequest {
  readonly callId: string;
  readonly durationSeconds: number;
  readonly endedAt: string;
}

export type SettleOutcome =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-allowed'; readonly record: DecisionRecord }
  | {
      readonly kind: 'settled';
      readonly record: DecisionRecord & { readonly accountId: string; readonly destination: NonNullable<DecisionRecord['destination']> };
      readonly completion: Completion;
      readonly alreadyCompleted: boolean;
      /** The call had run past its grant, or its reservation had expired before the report. */
      readonly overrun: boolean;
      readonly becomesKnown: boolean;
    };

export interface SettleCallDependencies {
  readonly store: LiveCallStore;
  readonly clock: Clock;
  readonly detection: DetectionThresholds;
}

/** A claim older than this whose live call is still on the account was left by a process that died. */
const ABANDONED_CLAIM_MS = 60_000;

export function makeSettleCall(deps: SettleCallDependencies) {
  return async function settleCall(request: SettleCallRequest): Promise<SettleOutcome> {
    const stored = await deps.store.loadCall(request.callId);
    if (!stored) return { kind: 'not-found' };
    const { record } = stored;
    if (record.decision !== 'allow' || !record.destination || !record.accountId) return { kind: 'not-allowed', record };
    const allowed = { ...record, accountId: record.accountId, destination: record.destination };
    const accountId = record.accountId;
    const now = deps.clock.now();
    const repeat = (completion: Completion): SettleOutcome => ({ kind: 'settled', record: allowed, completion, alreadyCompleted: true, overrun: false, becomesKnown: false });

    if (stored.completion) {
      if (isAbandoned(stored.completion, now)) await applyAbandoned(deps.store, record, now);
      return repeat(stored.completion);
    }

    const completion: Completion = {
      durationSeconds: request.durationSeconds,
      endedAt: request.endedAt,
      chargedMicros: chargeMicrosFor(request.durationSeconds, record.destination.ratePerMinute),
      completedAt: now.toISOString(),
    };
    const [claim, snapshot, profile] = await Promise.all([
      deps.store.recordCompletion(request.callId, completion),
      deps.store.readAccount(accountId),
      deps.store.countryProfile(accountId, record.destination.country),
    ]);
    // Another report of the same call claimed it first: that one settles it.
    if (!claim.stored) return repeat(claim.existing);

    const firstCompletedMs = profile.firstCompletedAt ? Date.parse(profile.firstCompletedAt) : now.getTime();
    const becomesKnown = request.durationSeconds > 0 && knownCountry(profile.completedCalls + 1, firstCompletedMs, now.getTime(), deps.detection);
    const [applied] = await Promise.all([
      applySettlement(deps.store, record, completion, snapshot),
      deps.store.recordProfile(accountId, record.destination, completion, becomesKnown),
    ]);
    await deps.store.markApplied(accountId, request.callId, now.toISOString());
    if (applied.counters.availableMicros < 0 && applied.counters.liveCallCount > 0) {
      await deps.store.markToEnd(accountId, 'INSUFFICIENT_BALANCE', completion.completedAt);
    }
    const overrun = !applied.fromReservation || (record.maxDurationSeconds !== null && request.durationSeconds > record.maxDurationSeconds);
    return { kind: 'settled', record: allowed, completion, alreadyCompleted: false, overrun, becomesKnown };
  };
}

const APPLY_ATTEMPTS = 5;

/**
 * Applies a claimed completion to the account: from the live call's reservation when it is still there, or as a
 * charge on its own when the reservation was released meanwhile (expired). Used by settlement and by the release
 * of expired reservations, which settles a call whose completion was claimed but not applied.
 */
export async function applySettlement(
  store: LiveCallStore,
  record: DecisionRecord,
  completion: Completion,
  first: AccountSnapshot | undefined,
): Promise<{ readonly counters: LedgerCounters; readonly fromReservation: boolean }> {
  const accountId = record.accountId ?? '';
  const authorizedAtMs = Date.parse(record.decidedAt);
  let snapshot = first;
  for (let attempt = 1; attempt <= APPLY_ATTEMPTS; attempt += 1) {
    if (!snapshot) throw new Error(`account ${accountId} of call ${record.callId} no longer exists`);
    if (snapshot.ledger.settled[record.callId]) return { counters: { availableMicros: snapshot.ledger.availableMicros, liveCallCount: snapshot.ledger.liveCallCount }, fromReservation: false };
    const call = findLiveCall(snapshot.ledger, record.callId);
    const settled = { chargedMicros: completion.chargedMicros, durationSeconds: completion.durationSeconds, settledAtMs: Date.parse(completion.completedAt) };
    const write = call ? await store.settle(accountId, call, settled, authorizedAtMs) : await store.chargeReleased(accountId, record.callId, authorizedAtMs, settled);
    if (write.ok) return { counters: write.counters, fromReservation: call !== undefined };
    snapshot = write.snapshot ?? (await store.readAccount(accountId));
  }
  throw new Error(`call ${record.callId} could not be settled after ${APPLY_ATTEMPTS} attempts`);
}

/** A completion claimed a minute ago and still not applied: the process that claimed it died. */
export function isAbandoned(completion: Completion, now: Date): boolean {
  return completion.appliedAt === undefined && now.getTime() - Date.parse(completion.completedAt) > ABANDONED_CLAIM_MS;
}

/**
 * Applies a completion whose claimer died. The account is read before the call is read again: the claimer drops
 * its settled-call mark only after marking the call applied, so a mark missing from this read means either the
 * call is marked applied by now (nothing to do) or the charge was never made.
 */
export async function applyAbandoned(store: LiveCallStore, record: DecisionRecord, now: Date): Promise<void> {
  const accountId = record.accountId ?? '';
  const snapshot = await store.readAccount(accountId);
  const again = await store.loadCall(record.callId);
  if (!again?.completion || again.completion.appliedAt !== undefined) return;
  await applySettlement(store, record, again.completion, snapshot);
  await store.markApplied(accountId, record.callId, now.toISOString());
}

/** The spend buckets a call's cost belongs to: those of the hour and day it was authorized in. */
export function spendBucketsOf(authorizedAtMs: number): { readonly hour: number; readonly day: number } {
  return { hour: hourIndex(authorizedAtMs), day: dayIndex(authorizedAtMs) };
}
