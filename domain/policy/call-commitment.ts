/**
 * What recording a decision must take from the account, atomically: the conditions the write checks and the
 * counters it moves. The adapter turns it into one conditional UpdateItem on the account's item; if any condition
 * fails nothing is taken, and the failure is a fresh reading of the account to decide again on (a failed
 * condition is a deny or a retry, never an error).
 *
 * The conditions are the limits themselves, not the cached view the decision was made on, so however many calls
 * arrive together no more pass than would pass one at a time:
 *  - the account's version is the one decided on (a suspension, policy change or new restriction since then);
 *  - an allowed call: not already live; live calls below the concurrency limit; the reservation within the
 *    available balance; allowed calls this minute below what the velocity limit leaves; the current spend
 *    bucket plus the reservation within what the sliding hour / day windows' other buckets leave of the spend
 *    limits, and those of the other buckets that may have grown since the read no larger than read
 *    (domain/calls/spend-windows.ts explains why that is the sliding rule);
 *  - an attempt to an unusual destination: the window's counts below what the burst thresholds leave.
 */
import type { Account } from '../accounts/account.js';
import { costMicros, type CreditSettings } from '../calls/credit-control.js';
import { callsAllowedBefore, minuteIndex, type AccountLedger, type LiveCall } from '../calls/ledger.js';
import {
  chargeNow,
  deadLegacySpend,
  deadSpendBuckets,
  spendBucket,
  spendCheck,
  spendLimitsFor,
  type LegacySpendWindowName,
  type SpendAdjustment,
  type SpendCheck,
  type SpendWindowName,
} from '../calls/spend-windows.js';
import { attemptsAllowedBefore, isPremiumRate, resolveThresholds, windowIndex, type DetectionThresholds } from '../profiling/destination-detection.js';
import { stepOf, type CallDecision } from './decision.js';

export interface LiveCallCommitment {
  readonly call: LiveCall;
  readonly concurrencyLimit: number | null;
  /**
   * What must be available for this grant: its reservation, or, for a whole duration granted up front because it
   * is a small share of the balance, the balance that makes it so; simultaneous calls cannot all take that share.
   */
  readonly requiredAvailableMicros: number;
}

export interface VelocityCommitment {
  readonly minute: number;
  /** The call passes when the minute's count before it is below this (null: no limit, count only). */
  readonly allowedBefore: number | null;
  /** The previous minute's count the allowance was computed from; a larger one fails the write. */
  readonly previousSeen: number;
}

export interface SpendCommitment {
  /** One per window with a limit: what the write checks. */
  readonly checks: readonly SpendCheck[];
  /** The reservation, added to the current bucket of each window (given back by the same amounts on an undo). */
  readonly adjustments: readonly SpendAdjustment[];
}

export interface UnusualAttemptCommitment {
  readonly window: number;
  readonly country: string;
  /** The attempt passes when the window's count for the country / for all unusual countries is below these. */
  readonly countryAllowedBefore: number;
  readonly totalAllowedBefore: number;
  /** Previous-window counts the allowances were computed from; larger ones fail the write. */
  readonly previousCountrySeen: number;
  readonly previousTotalSeen: number;
}

/** Counters and records the write may drop because no decision reads them any more. */
export interface LedgerCleanup {
  readonly minutes: readonly number[];
  /** Spend buckets no window counts any more. */
  readonly spendBuckets: readonly { readonly window: SpendWindowName; readonly bucket: number }[];
  /** Legacy fixed hour / day counters no window counts any more (by their hour / day index). */
  readonly legacySpend: readonly { readonly window: LegacySpendWindowName; readonly index: number }[];
  readonly unusual: readonly { readonly window: number; readonly countries: readonly string[] }[];
  readonly settledCallIds: readonly string[];
}

export interface CallCommitment {
  readonly accountId: string;
  readonly expectedVersion: number;
  readonly liveCall?: LiveCallCommitment;
  readonly velocity?: VelocityCommitment;
  readonly spend?: SpendCommitment;
  readonly unusual?: UnusualAttemptCommitment;
  readonly cleanup: LedgerCleanup;
}

/** Settled-call records older than this are dropped: a settlement retried later than that is not expected. */
const SETTLED_MEMORY_MS = 3_600_000;

export interface CommitmentInput {
  readonly decision: CallDecision;
  readonly callId: string;
  readonly account: Account;
  readonly ledger: AccountLedger;
  /** The destination country when it is unusual for the account and detection is on (this attempt counts). */
  readonly unusualCountry: string | undefined;
  readonly now: Date;
  readonly detection: DetectionThresholds;
  readonly credit: CreditSettings;
}

/** The commitment for a decision, or undefined when the decision takes nothing (most denials). */
export function commitmentFor(input: CommitmentInput): CallCommitment | undefined {
  const { decision, account, ledger } = input;
  const nowMs = input.now.getTime();
  const counted = input.unusualCountry !== undefined && countsAsAttempt(decision);
  if (decision.decision !== 'allow' && !counted) return undefined;

  const unusual = counted && input.unusualCountry ? unusualCommitment(input.unusualCountry, account, ledger, nowMs, input.detection) : undefined;
  const base = { accountId: account.accountId, expectedVersion: account.version, cleanup: cleanupOf(ledger, nowMs, input.detection.windowMinutes) };
  if (decision.decision !== 'allow' || !decision.destination || decision.maxDurationSeconds === null) {
    return { ...base, ...(unusual ? { unusual } : {}) };
  }

  const { limits } = account.policy;
  const destination = decision.destination;
  const minute = minuteIndex(nowMs);
  const previousMinuteCalls = ledger.allowedCallsByMinute[minute - 1] ?? 0;
  // A call to an unusual premium-rate destination counts in the week's unusual-premium budget (destination-detection.ts).
  const thresholds = resolveThresholds(input.detection, account.policy.autoRestriction);
  const toUnusual = input.unusualCountry !== undefined && isPremiumRate(thresholds, destination.ratePerMinute);
  const call: LiveCall = {
    callId: input.callId,
    reservedMicros: costMicros(decision.maxDurationSeconds, destination.ratePerMinute),
    grantedSeconds: decision.maxDurationSeconds,
    expiresAtMs: nowMs + (decision.maxDurationSeconds + input.credit.reservationGraceSeconds) * 1000,
    spendBucket: spendBucket('hour', nowMs),
    ...(toUnusual ? { unusual: true as const } : {}),
  };
  // Unusual premium-rate calls share the carrier's weekly budget: simultaneous ones cannot each take what is left.
  const spendLimits = spendLimitsFor(limits, toUnusual ? thresholds.unusualPremiumSpendPerWeek : null);
  return {
    ...base,
    liveCall: { call, concurrencyLimit: limits.concurrentCalls, requiredAvailableMicros: requiredAvailable(call, decision, input.credit) },
    velocity: {
      minute,
      allowedBefore: limits.callsPerMinute === null ? null : callsAllowedBefore(limits.callsPerMinute, previousMinuteCalls, nowMs),
      previousSeen: previousMinuteCalls,
    },
    spend: {
      checks: spendLimits.map(([window, limit]) => spendCheck(ledger, window, nowMs, limit, call.reservedMicros)),
      adjustments: chargeNow(nowMs, call.reservedMicros, call.unusual),
    },
    ...(unusual ? { unusual } : {}),
  };
}

/** A whole duration longer than a slice is granted only while it is at most `fullGrantShare` of what is available. */
function requiredAvailable(call: LiveCall, decision: CallDecision, credit: CreditSettings): number {
  const wholeDuration = decision.interimSeconds === null && call.grantedSeconds > credit.creditSliceSeconds;
  if (!wholeDuration || credit.fullGrantShare <= 0) return call.reservedMicros;
  return Math.max(call.reservedMicros, Math.ceil(call.reservedMicros / credit.fullGrantShare));
}

const BURST_DETECTION_STEP = stepOf('DESTINATION_RESTRICTED');

/**
 * Attempts to an unusual destination count once they reach burst detection (step 8): allowed ones and those a
 * later rule refuses alike, so a PBX hammering forbidden destinations is still flagged. An attempt refused
 * before step 8, or the one that crosses the threshold (it restricts instead), is not counted.
 */
export function countsAsAttempt(decision: CallDecision): boolean {
  if (decision.rule.step > BURST_DETECTION_STEP) return true;
  // Refused because the range watch restricted the range carrier-wide: checked after the burst thresholds, so it
  // counts like the refusals after step 8 (the attempt that would cross a threshold restricts instead).
  const { rule } = decision;
  return rule.rule === 'DESTINATION_RESTRICTED' && 'scope' in rule.evidence && rule.evidence.scope === 'carrier';
}

function unusualCommitment(country: string, account: Account, ledger: AccountLedger, nowMs: number, detection: DetectionThresholds): UnusualAttemptCommitment {
  const thresholds = resolveThresholds(detection, account.policy.autoRestriction);
  const window = windowIndex(nowMs, thresholds.windowMinutes);
  const previous = ledger.unusualByWindow[window - 1];
  const previousCountrySeen = previous?.byCountry[country] ?? 0;
  const previousTotalSeen = previous?.total ?? 0;
  return {
    window,
    country,
    countryAllowedBefore: attemptsAllowedBefore(thresholds.newDestinationAttempts, previousCountrySeen, nowMs, thresholds.windowMinutes),
    totalAllowedBefore: attemptsAllowedBefore(thresholds.newDestinationTotalAttempts, previousTotalSeen, nowMs, thresholds.windowMinutes),
    previousCountrySeen,
    previousTotalSeen,
  };
}

/** Keeps the current and previous minute and detection window, and the spend buckets a window counts; older counters are dead weight. */
function cleanupOf(ledger: AccountLedger, nowMs: number, windowMinutes: number): LedgerCleanup {
  const older = (indexes: Iterable<string>, current: number) => [...indexes].map(Number).filter((index) => index < current - 1);
  const window = windowIndex(nowMs, windowMinutes);
  return {
    minutes: older(Object.keys(ledger.allowedCallsByMinute), minuteIndex(nowMs)),
    spendBuckets: deadSpendBuckets(ledger, nowMs),
    legacySpend: deadLegacySpend(ledger, nowMs),
    unusual: older(Object.keys(ledger.unusualByWindow), window).map((index) => ({
      window: index,
      countries: Object.keys(ledger.unusualByWindow[index]?.byCountry ?? {}),
    })),
    settledCallIds: Object.entries(ledger.settled)
      .filter(([, settled]) => nowMs - settled.settledAtMs > SETTLED_MEMORY_MS)
      .map(([callId]) => callId),
  };
}
