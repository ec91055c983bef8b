/**
 * Settling a call the switch reports ended (`POST /v1/calls/{callId}/completed`), once:
 *  1. Claim the settlement by recording the completion on the call's decision, in the same write that reads it
 *     (the first report wins; a denied or unknown call has nothing to settle).
 *  2. Apply it to the account in one conditional write: remove the live call, release its reservation, charge the
 *     real cost (per second at the authorized rate; nothing for a call never answered), leave a settled-call mark.
 *     The live call is expected as authorized; if an interim update changed it, or its reservation expired and was
 *     released, the refusal returns the account and the charge is applied to what is there. In parallel, the
 *     destination profile.
 *  3. Mark the completion applied on the call; only then may the account's settled-call mark be dropped.
 *  4. A repeated report answers the first settlement; if that report's process died before step 3 (its claim is a
 *     minute old and not applied), the repeat applies it: the live call, the settled-call mark or their absence
 *     (a reservation released by expiry) on the account tell it what is left to charge.
 *  5. A charge beyond the reservation (a switch that ran past its grant) can leave the live calls without cover:
 *     mark the account so its live calls are listed to end.
 * Only the claim on the call and the conditional writes on the account decide who charges, so no interleaving of
 * repeats, crashes and expiry charges twice.
 */
import { chargeMicrosFor } from '../balance/charge.js';
import type { AccountSnapshot, DecisionRecord } from '../policy/authorize-call.js';
import { isPremiumRate, knownCountry, type DetectionThresholds } from '../profiling/destination-detection.js';
import type { Clock } from '../shared/ports.js';
import { costMicros } from './credit-control.js';
import { findLiveCall, type LiveCall } from './ledger.js';
import { chargeNow, settlementSpend, spendBucket } from './spend-windows.js';
import type { Completion, LedgerCounters, LiveCallStore, StoredCompletion } from './ports.js';

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
  /** The grace authorize added to a call's expiry (to expect its live call as authorized). */
  readonly reservationGraceSeconds: number;
}

/** A claim older than this whose charge is not applied was left by a process that died. */
const ABANDONED_CLAIM_MS = 60_000;

export function makeSettleCall(deps: SettleCallDependencies) {
  return async function settleCall(request: SettleCallRequest): Promise<SettleOutcome> {
    const now = deps.clock.now();
    const claim = await deps.store.claimCompletion(request.callId, { durationSeconds: request.durationSeconds, endedAt: request.endedAt, completedAt: now.toISOString() });
    if (claim.kind === 'not-found') return { kind: 'not-found' };
    const { record } = claim;
    if (claim.kind === 'not-allowed' || !record.destination || !record.accountId) return { kind: 'not-allowed', record };
    const allowed = { ...record, accountId: record.accountId, destination: record.destination };
    const accountId = record.accountId;

    if (claim.kind === 'exists') {
      if (isAbandoned(claim.completion, now)) await applyAbandoned(deps.store, record, now);
      return { kind: 'settled', record: allowed, completion: completionOf(record, claim.completion), alreadyCompleted: true, overrun: false, becomesKnown: false };
    }

    const completion = completionOf(record, claim.completion);
    const [applied, profile] = await Promise.all([
      applySettlement(deps.store, record, completion, { expected: expectedLiveCall(record, deps.reservationGraceSeconds, deps.detection) }, now.getTime()),
      deps.store.recordProfile(accountId, record.destination, completion),
    ]);
    const history = {
      completedCalls: profile.completedCalls,
      firstCompletedAtMs: profile.firstCompletedAt ? Date.parse(profile.firstCompletedAt) : now.getTime(),
      distinctDays: profile.distinctDays,
    };
    const becomesKnown = request.durationSeconds > 0 && knownCountry(history, record.destination.ratePerMinute, now.getTime(), deps.detection);
    await Promise.all([
      deps.store.markApplied(accountId, request.callId, now.toISOString(), completion.chargedMicros),
      becomesKnown ? deps.store.addKnownCountry(accountId, record.destination.country) : Promise.resolve(),
      applied.counters.availableMicros < 0 && applied.counters.liveCallCount > 0
        ? deps.store.markToEnd(accountId, 'INSUFFICIENT_BALANCE', completion.completedAt)
        : Promise.resolve(),
    ]);
    const overrun = !applied.fromReservation || (record.maxDurationSeconds !== null && request.durationSeconds > record.maxDurationSeconds);
    return { kind: 'settled', record: allowed, completion, alreadyCompleted: false, overrun, becomesKnown };
  };
}

/** The completion with its charge: per second at the rate authorized for the call (a claim stores only the report). */
export function completionOf(record: DecisionRecord, stored: StoredCompletion): Completion {
  return { ...stored, chargedMicros: stored.chargedMicros ?? chargeMicrosFor(stored.durationSeconds, record.destination?.ratePerMinute ?? 0) };
}

/**
 * The live call as authorize wrote it: the grant, its cost and its expiry follow from the decision record; whether
 * it counts in the unusual-spend window from what the engine saw (the store's condition checks the guess: detection
 * switched off for the account writes no such mark, and the settlement then starts from the account as read).
 */
export function expectedLiveCall(record: DecisionRecord, reservationGraceSeconds: number, detection: Pick<DetectionThresholds, 'knownMaxRatePerMinute'>): LiveCall | undefined {
  if (record.maxDurationSeconds === null || !record.destination) return undefined;
  return {
    callId: record.callId,
    reservedMicros: costMicros(record.maxDurationSeconds, record.destination.ratePerMinute),
    grantedSeconds: record.maxDurationSeconds,
    expiresAtMs: Date.parse(record.decidedAt) + (record.maxDurationSeconds + reservationGraceSeconds) * 1000,
    spendBucket: spendBucket('hour', Date.parse(record.decidedAt)),
    ...(record.seen?.destinationUsual === false && isPremiumRate(detection, record.destination.ratePerMinute) ? { unusual: true as const } : {}),
  };
}

/** A claim a minute old whose charge is not applied: the process that claimed it died. */
export function isAbandoned(completion: StoredCompletion, now: Date): boolean {
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
  const completion = completionOf(record, again.completion);
  const applied = await applySettlement(store, record, completion, { snapshot }, now.getTime());
  await Promise.all([
    store.markApplied(accountId, record.callId, now.toISOString(), completion.chargedMicros),
    // As the first report would have: a charge that leaves less than nothing available ends the account's live calls.
    applied.counters.availableMicros < 0 && applied.counters.liveCallCount > 0 ? store.markToEnd(accountId, 'INSUFFICIENT_BALANCE', now.toISOString()) : Promise.resolve(),
  ]);
}

const APPLY_ATTEMPTS = 5;

/**
 * Applies a claimed completion to the account: from the live call's reservation when it is still there, or as a
 * charge on its own when the reservation was released meanwhile (expired). Starts from the live call as expected
 * (no read) or from a snapshot; every refusal returns the account as it is to try again on.
 */
export async function applySettlement(
  store: LiveCallStore,
  record: DecisionRecord,
  completion: Completion,
  start: { readonly expected?: LiveCall | undefined; readonly snapshot?: AccountSnapshot | undefined },
  nowMs: number,
): Promise<{ readonly counters: LedgerCounters; readonly fromReservation: boolean }> {
  const accountId = record.accountId ?? '';
  const settled = { chargedMicros: completion.chargedMicros, durationSeconds: completion.durationSeconds, settledAtMs: Date.parse(completion.completedAt) };
  // What the call did not use goes back to the spend bucket its reservation is in; a charge made after its
  // reservation was released (and given back) is counted as spend now, once (spend-windows.ts).
  const settle = (call: LiveCall) => store.settle(accountId, call, settled, settlementSpend(call, settled.chargedMicros, nowMs));
  if (start.expected) {
    const write = await settle(start.expected);
    if (write.ok) return { counters: write.counters, fromReservation: true };
    return applySettlement(store, record, completion, { snapshot: write.snapshot ?? (await store.readAccount(accountId)) }, nowMs);
  }
  let snapshot = start.snapshot;
  for (let attempt = 1; attempt <= APPLY_ATTEMPTS; attempt += 1) {
    if (!snapshot) throw new Error(`account ${accountId} of call ${record.callId} no longer exists`);
    if (snapshot.ledger.settled[record.callId]) {
      return { counters: { availableMicros: snapshot.ledger.availableMicros, liveCallCount: snapshot.ledger.liveCallCount }, fromReservation: false };
    }
    const call = findLiveCall(snapshot.ledger, record.callId);
    const write = call ? await settle(call) : await store.chargeReleased(accountId, record.callId, settled, chargeNow(nowMs, settled.chargedMicros));
    if (write.ok) return { counters: write.counters, fromReservation: call !== undefined };
    snapshot = write.snapshot ?? (await store.readAccount(accountId));
  }
  throw new Error(`call ${record.callId} could not be settled after ${APPLY_ATTEMPTS} attempts`);
}
