/**
 * Settling a call the switch reports ended (`POST /v1/calls/{callId}/completed`), once:
 *  1. Read the call's decision; a denied call has nothing to settle, a completed one answers its first settlement.
 *  2. Read the account; its live call holds the reservation.
 *  3. Settle on the account in one conditional write: release the reservation, charge the real cost (per second at
 *     the authorized rate; a call never answered reports 0 and costs nothing), and remember the call as settled.
 *     - A concurrent interim update changed the call: read again and retry.
 *     - The call is already settled (a retried report after a crash between steps 3 and 4): take that charge.
 *     - The reservation had expired and been released: charge the real cost on its own, once.
 *  4. Record the completion on the call (the first report wins), then the destination profile, then forget the
 *     settled-call memory. A crash anywhere leaves a state the retried report completes without charging twice.
 *  5. A charge beyond the reservation (a switch that ran past its grant) can leave the live calls without cover:
 *     mark the account so its live calls are listed to end.
 */
import { chargeMicrosFor } from '../balance/charge.js';
import type { DecisionRecord } from '../policy/authorize-call.js';
import { knownCountry, type DetectionThresholds } from '../profiling/destination-detection.js';
import type { Clock } from '../shared/ports.js';
import { dayIndex, findLiveCall, hourIndex, type SettledCall } from './ledger.js';
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

const SETTLE_ATTEMPTS = 4;

export function makeSettleCall(deps: SettleCallDependencies) {
  return async function settleCall(request: SettleCallRequest): Promise<SettleOutcome> {
    const stored = await deps.store.loadCall(request.callId);
    if (!stored) return { kind: 'not-found' };
    const { record } = stored;
    if (record.decision !== 'allow' || !record.destination || !record.accountId) return { kind: 'not-allowed', record };
    const allowed = { ...record, accountId: record.accountId, destination: record.destination };
    if (stored.completion) return { kind: 'settled', record: allowed, completion: stored.completion, alreadyCompleted: true, overrun: false, becomesKnown: false };

    const now = deps.clock.now();
    const accountId = record.accountId;
    const chargedMicros = chargeMicrosFor(request.durationSeconds, record.destination.ratePerMinute);
    const settled: SettledCall = { chargedMicros, durationSeconds: request.durationSeconds, settledAtMs: now.getTime() };
    const [first, profile] = await Promise.all([deps.store.readAccount(accountId), deps.store.countryProfile(accountId, record.destination.country)]);

    let snapshot = first;
    let after: LedgerCounters | undefined;
    let charged: number | undefined;
    let overrun = record.maxDurationSeconds !== null && request.durationSeconds > record.maxDurationSeconds;
    for (let attempt = 1; attempt <= SETTLE_ATTEMPTS && charged === undefined; attempt += 1) {
      if (!snapshot) throw new Error(`account ${accountId} of call ${request.callId} no longer exists`);
      const earlier = snapshot.ledger.settled[request.callId];
      if (earlier) {
        charged = earlier.chargedMicros;
        break;
      }
      const call = findLiveCall(snapshot.ledger, request.callId);
      const authorizedAtMs = Date.parse(record.decidedAt);
      const write = call
        ? await deps.store.settle(accountId, call, settled, authorizedAtMs)
        : await deps.store.chargeReleased(accountId, request.callId, authorizedAtMs, settled);
      if (!call) overrun = true;
      if (write.ok) {
        charged = chargedMicros;
        after = write.counters;
      } else {
        snapshot = write.snapshot ?? (await deps.store.readAccount(accountId));
      }
    }
    if (charged === undefined) throw new Error(`call ${request.callId} could not be settled after ${SETTLE_ATTEMPTS} attempts`);

    const completion: Completion = { durationSeconds: request.durationSeconds, endedAt: request.endedAt, chargedMicros: charged, completedAt: now.toISOString() };
    const recorded = await deps.store.recordCompletion(request.callId, completion);
    if (!recorded.stored) return { kind: 'settled', record: allowed, completion: recorded.existing, alreadyCompleted: true, overrun: false, becomesKnown: false };

    const firstCompletedMs = profile.firstCompletedAt ? Date.parse(profile.firstCompletedAt) : now.getTime();
    const becomesKnown = request.durationSeconds > 0 && knownCountry(profile.completedCalls + 1, firstCompletedMs, now.getTime(), deps.detection);
    await Promise.all([
      deps.store.recordProfile(accountId, record.destination, completion, becomesKnown),
      deps.store.forgetSettled(accountId, request.callId),
      after && after.availableMicros < 0 && after.liveCallCount > 0
        ? deps.store.markToEnd(accountId, 'INSUFFICIENT_BALANCE', completion.completedAt)
        : Promise.resolve(),
    ]);
    return { kind: 'settled', record: allowed, completion, alreadyCompleted: false, overrun, becomesKnown };
  };
}

/** The spend buckets a call's cost belongs to: those of the hour and day it was authorized in. */
export function spendBucketsOf(authorizedAtMs: number): { readonly hour: number; readonly day: number } {
  return { hour: hourIndex(authorizedAtMs), day: dayIndex(authorizedAtMs) };
}
