/**
 * Credit control for live calls (RFC 4006 as CGRateS, OpenSIPS call_control and Kazoo jonny5 apply it): how much
 * talk time a call is granted up front, how it is extended on interim updates, and what settling it charges.
 *
 * A call is granted its whole duration at once when that costs at most `fullGrantShare` of the available balance
 * (cheap calls on a healthy balance: no interim updates needed). Otherwise it gets a first slice of
 * `creditSliceSeconds`, and `interimSeconds` tells the switch when to ask for more, so that parallel calls share
 * the balance instead of the first one reserving all of it.
 */
import { chargeMicrosFor } from '../balance/charge.js';
import { toMicros } from '../shared/money.js';
import type { LiveCall } from './ledger.js';

export interface CreditSettings {
  /** The carrier's cap on one call's duration. */
  readonly maxCallDurationSeconds: number;
  /** The balance must pay for at least this much of a new call. */
  readonly minimumBillableSeconds: number;
  /** Talk time of a slice when the whole duration is not granted up front. */
  readonly creditSliceSeconds: number;
  /** Grant the whole duration up front when it costs at most this share (0..1) of the available balance. */
  readonly fullGrantShare: number;
  /** How long before the granted time runs out the switch should send its interim update. */
  readonly interimLeadSeconds: number;
  /** Ringing time and reporting lag allowed beyond the granted talk time before an unreported reservation expires. */
  readonly reservationGraceSeconds: number;
}

export interface Grant {
  readonly grantedSeconds: number;
  readonly reservedMicros: number;
  /** Seconds after this answer (after the call is answered, for a new call) to send the next interim update; null: no update needed. */
  readonly interimSeconds: number | null;
}

export function costMicros(seconds: number, ratePerMinute: number): number {
  return chargeMicrosFor(seconds, ratePerMinute);
}

/** Whole seconds `micros` pays for at the rate (unbounded for a free destination). */
export function secondsFor(micros: number, ratePerMinute: number): number {
  const ratePerMinuteMicros = toMicros(ratePerMinute);
  if (ratePerMinuteMicros === 0) return Number.POSITIVE_INFINITY;
  return Math.floor((Math.max(0, micros) * 60) / ratePerMinuteMicros);
}

/** When the switch should come back, for `remainingSeconds` of granted talk time: early enough to extend in time. */
export function interimAfter(remainingSeconds: number, settings: CreditSettings): number {
  return Math.max(1, Math.ceil(remainingSeconds / 2), remainingSeconds - settings.interimLeadSeconds);
}

/** The first grant of a new call whose tightest bound (cap, balance, spend limits, unusual-destination cost) is `fullSeconds`. */
export function firstGrant(fullSeconds: number, ratePerMinute: number, availableMicros: number, settings: CreditSettings): Grant {
  const fullCost = costMicros(fullSeconds, ratePerMinute);
  if (fullSeconds <= settings.creditSliceSeconds || fullCost <= settings.fullGrantShare * availableMicros) {
    return { grantedSeconds: fullSeconds, reservedMicros: fullCost, interimSeconds: null };
  }
  const slice = settings.creditSliceSeconds;
  return { grantedSeconds: slice, reservedMicros: costMicros(slice, ratePerMinute), interimSeconds: interimAfter(slice, settings) };
}

export interface ExtensionInput {
  readonly call: LiveCall;
  readonly ratePerMinute: number;
  readonly elapsedSeconds: number;
  /** Available balance, not counting this call's own reservation. */
  readonly availableMicros: number;
  /** What is left of the spend limits (limit - reserved - settled), null when there is no limit. */
  readonly spendRoomMicros: number | null;
  /** The most the whole call may cost (an unusual destination's cap), null when unbounded. */
  readonly maxCallCostMicros: number | null;
  readonly settings: CreditSettings;
}

export interface Extension {
  readonly grantedSeconds: number;
  readonly reservedMicros: number;
  /** Added to the reservation (0 when nothing more could be granted). */
  readonly extraMicros: number;
  readonly interimSeconds: number | null;
  /** What stopped the grant from reaching its target, for the evidence. */
  readonly boundBy: 'target' | 'carrierCap' | 'balance' | 'spendLimit' | 'unusualDestination';
}

/**
 * An interim update asks for more time: aim for another slice beyond the elapsed time (or the rest of the carrier's
 * cap when that is cheap enough), bounded by what is available, the spend limits and the call's own cost cap.
 * A grant never shrinks: the switch already holds the earlier one.
 */
export function extendGrant(input: ExtensionInput): Extension {
  const { call, settings } = input;
  const rate = input.ratePerMinute;
  const cap = settings.maxCallDurationSeconds;
  const restOfCapCost = costMicros(cap, rate) - call.reservedMicros;
  let target = Math.min(cap, Math.max(call.grantedSeconds, input.elapsedSeconds + settings.creditSliceSeconds));
  let boundBy: Extension['boundBy'] = target === cap ? 'carrierCap' : 'target';
  if (restOfCapCost <= settings.fullGrantShare * input.availableMicros) {
    target = cap;
    boundBy = 'carrierCap';
  }
  const wanted = Math.max(0, costMicros(target, rate) - call.reservedMicros);
  const limits: [Extension['boundBy'], number][] = [
    ['balance', Math.max(0, input.availableMicros)],
    ...(input.spendRoomMicros !== null ? [['spendLimit', Math.max(0, input.spendRoomMicros)] as [Extension['boundBy'], number]] : []),
    ...(input.maxCallCostMicros !== null ? [['unusualDestination', Math.max(0, input.maxCallCostMicros - call.reservedMicros)] as [Extension['boundBy'], number]] : []),
  ];
  let extraMicros = wanted;
  for (const [name, room] of limits) {
    if (room < extraMicros) {
      extraMicros = room;
      boundBy = name;
    }
  }
  const bounded = extraMicros === wanted ? target : Math.min(target, secondsFor(call.reservedMicros + extraMicros, rate));
  const grantedSeconds = Math.max(call.grantedSeconds, bounded);
  // Reserve exactly what the granted seconds cost, so that settling never finds the reservation short.
  const reservedMicros = Math.max(call.reservedMicros, costMicros(grantedSeconds, rate));
  // Come back before the grant runs out unless the cap is reached: a top-up may let a balance-bound call go on.
  const remaining = grantedSeconds - input.elapsedSeconds;
  const interimSeconds = grantedSeconds < cap && remaining > settings.interimLeadSeconds ? interimAfter(remaining, settings) : null;
  return { grantedSeconds, reservedMicros, extraMicros: reservedMicros - call.reservedMicros, interimSeconds, boundBy };
}
