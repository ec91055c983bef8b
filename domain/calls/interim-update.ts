/**
 * An interim update from the switch (`POST /v1/calls/{callId}/interim`): RFC 4006's CCR-Update.
 *  1. Read the call's decision and its account; only an allowed call still live can be updated.
 *  2. Stop it if it must end now (live-call-control.ts: suspended account, destination blocked or restricted,
 *     balance exhausted); the switch sends BYE both ways.
 *  3. Otherwise extend its grant (credit-control.ts): more talk time reserved, bounded by the available balance,
 *     the spend limits and an unusual destination's cost cap, in one conditional write; refused because something
 *     moved meanwhile: decide again on the account as it is.
 *  4. Answer `continue` with the new total `maxDurationSeconds` (the switch moves its dialog timeout) and when to
 *     come back, or with the grant unchanged when nothing more can be reserved: the call ends when it runs out.
 */
import type { Account } from '../accounts/account.js';
import type { AccountSnapshot } from '../policy/authorize-call.js';
import type { Destination } from '../policy/decision.js';
import { isUsualDestination, resolveThresholds, unusualCallCostCap, usualFactsOf, type DetectionThresholds } from '../profiling/destination-detection.js';
import type { Clock } from '../shared/ports.js';
import { toMicros } from '../shared/money.js';
import { extendGrant, interimAfter, type CreditSettings, type Extension } from './credit-control.js';
import { findLiveCall, isExpired, type LiveCall } from './ledger.js';
import { extensionSpend, moveOf, spendBucket, spendCheck, spendLimitsFor, spendRoomForCall, type SpendWindowName } from './spend-windows.js';
import { reasonToEnd, type StopReason } from './live-call-control.js';
import type { LiveCallStore } from './ports.js';

export interface InterimRequest {
  readonly callId: string;
  readonly answered: boolean;
  /** Seconds since the call was answered (0 while it rings). */
  readonly elapsedSeconds: number;
}

export type InterimOutcome =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-allowed'; readonly reason: string }
  | { readonly kind: 'completed' }
  | { readonly kind: 'stop'; readonly accountId: string; readonly reason: StopReason | 'RESERVATION_EXPIRED' }
  | {
      readonly kind: 'continue';
      readonly accountId: string;
      readonly maxDurationSeconds: number;
      readonly interimSeconds: number | null;
      readonly reservedMicros: number;
      readonly extended: boolean;
      readonly boundBy: Extension['boundBy'] | 'not-answered' | 'contention';
    };

export interface InterimUpdateDependencies {
  readonly store: LiveCallStore;
  readonly clock: Clock;
  readonly credit: CreditSettings;
  readonly detection: DetectionThresholds;
}

const EXTEND_ATTEMPTS = 3;

export function makeInterimUpdate(deps: InterimUpdateDependencies) {
  return async function interimUpdate(request: InterimRequest): Promise<InterimOutcome> {
    const stored = await deps.store.loadCall(request.callId);
    if (!stored) return { kind: 'not-found' };
    const { record } = stored;
    if (record.decision !== 'allow' || !record.accountId) return { kind: 'not-allowed', reason: record.reason };
    if (stored.completion) return { kind: 'completed' };
    const accountId = record.accountId;
    const destination = record.destination;
    if (!destination) return { kind: 'not-allowed', reason: record.reason };
    const now = deps.clock.now();
    const nowMs = now.getTime();

    let snapshot: AccountSnapshot | undefined = await deps.store.readAccount(accountId);
    for (let attempt = 1; ; attempt += 1) {
      if (!snapshot) return { kind: 'stop', accountId, reason: 'ACCOUNT_SUSPENDED' };
      const call = findLiveCall(snapshot.ledger, request.callId);
      if (!call) return snapshot.ledger.settled[request.callId] ? { kind: 'completed' } : { kind: 'stop', accountId, reason: 'RESERVATION_EXPIRED' };
      if (isExpired(call, nowMs)) return { kind: 'stop', accountId, reason: 'RESERVATION_EXPIRED' };
      const stopReason = reasonToEnd(snapshot.account, snapshot.ledger, destination);
      if (stopReason) return { kind: 'stop', accountId, reason: stopReason };

      const unchanged = (boundBy: 'not-answered' | 'contention' | Extension['boundBy']) => ({
        kind: 'continue' as const,
        accountId,
        maxDurationSeconds: call.grantedSeconds,
        interimSeconds: call.grantedSeconds - request.elapsedSeconds > deps.credit.interimLeadSeconds ? interimAfter(call.grantedSeconds - request.elapsedSeconds, deps.credit) : null,
        reservedMicros: call.reservedMicros,
        extended: false,
        boundBy,
      });
      // Ringing calls keep their grant; an account under review keeps its calls but gets no more credit.
      if (!request.answered) return unchanged('not-answered');
      if (attempt > EXTEND_ATTEMPTS) return unchanged('contention');
      const extension = snapshot.account.status === 'active' ? extendGrant(extensionInput(snapshot, call, destination, nowMs, request.elapsedSeconds, deps)) : undefined;
      if (!extension || extension.extraMicros === 0) return unchanged(extension?.boundBy ?? 'balance');

      // The reservation now also covers the time still to talk, plus the grace for reporting it.
      const answeredAtMs = nowMs - request.elapsedSeconds * 1000;
      const expiresAtMs = Math.max(call.expiresAtMs, answeredAtMs + (extension.grantedSeconds + deps.credit.reservationGraceSeconds) * 1000);
      const { ledger } = snapshot;
      // The whole reservation is re-reserved now, in the current spend bucket (spend-windows.ts extensionSpend), and
      // checked by the sliding rule as a new reservation would be.
      const write = await deps.store.extend(
        accountId,
        call,
        { reservedMicros: extension.reservedMicros, grantedSeconds: extension.grantedSeconds, expiresAtMs, spendBucket: spendBucket('hour', nowMs) },
        {
          expectedVersion: snapshot.account.version,
          spendChecks: spendLimits(snapshot.account, call, deps.detection).map(([window, limit]) => spendCheck(ledger, window, nowMs, limit, extension.reservedMicros, moveOf(call))),
          spend: extensionSpend(call, extension.reservedMicros, nowMs),
        },
      );
      if (write.ok) {
        return {
          kind: 'continue',
          accountId,
          maxDurationSeconds: extension.grantedSeconds,
          interimSeconds: extension.interimSeconds,
          reservedMicros: extension.reservedMicros,
          extended: true,
          boundBy: extension.boundBy,
        };
      }
      snapshot = write.snapshot ?? (await deps.store.readAccount(accountId));
    }
  };
}

/**
 * The spend limits the call's extension must stay within, by window, in micros: the account's, and for a call
 * authorized to an unusual premium-rate destination, the carrier's weekly unusualPremiumSpendPerWeek.
 */
function spendLimits(account: Account, call: LiveCall, detection: DetectionThresholds): [SpendWindowName, number][] {
  const unusualBudget = call.unusual ? resolveThresholds(detection, account.policy.autoRestriction).unusualPremiumSpendPerWeek : null;
  return spendLimitsFor(account.policy.limits, unusualBudget);
}

function extensionInput(snapshot: AccountSnapshot, call: LiveCall, destination: Destination, nowMs: number, elapsedSeconds: number, deps: InterimUpdateDependencies) {
  const { account, ledger } = snapshot;
  const rooms = spendLimits(account, call, deps.detection).map(([window, limit]) => spendRoomForCall(ledger, window, nowMs, limit, call));
  return {
    call,
    ratePerMinute: destination.ratePerMinute,
    elapsedSeconds,
    availableMicros: ledger.availableMicros,
    spendRoomMicros: rooms.length ? Math.min(...rooms) : null,
    maxCallCostMicros: unusualCallCap(account, destination, deps.detection),
    settings: deps.credit,
  };
}

/** A call to a destination still unusual for the account stays within the unusual-destination cost cap (as evaluate-call bounds it). */
function unusualCallCap(account: Account, destination: Pick<Destination, 'country' | 'ratePerMinute'>, detection: DetectionThresholds): number | null {
  const thresholds = resolveThresholds(detection, account.policy.autoRestriction);
  const cap = unusualCallCostCap(thresholds, destination.ratePerMinute);
  if (cap === null) return null;
  const usual = isUsualDestination(destination.country, destination.ratePerMinute, usualFactsOf(account), thresholds.knownMaxRatePerMinute);
  return usual ? null : toMicros(cap);
}
