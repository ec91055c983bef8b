/**
 * What-if: the stored decisions of a span replayed through the engine (evaluateCall) with a proposed policy or
 * proposed detection thresholds. Pure: the history, the account and the reference data come in, the comparison goes
 * out; nothing is written.
 *
 *  1. The decisions are replayed oldest first. Those that do not depend on the account's policy (a banned source,
 *     a suspended account or one under review, a decision made while degraded) are kept as they were.
 *  2. Each other call is evaluated on the account as it is now (identity, home country, known countries) with the
 *     proposed policy, the status active, and the state at the time as far as the record tells it:
 *     - counters (calls in the last minute, calls in progress, spend this hour / day, open reservations) and the
 *       balance: what the engine saw (`seen` on the record), corrected by the difference the replay makes (calls it
 *       allows or denies unlike the history take or free their share); a record without `seen` (written before it
 *       existed) uses counters rebuilt from the replayed calls of the span alone and the balance of the nearest
 *       record that showed one;
 *     - attempts to unusual destinations: rebuilt from the span's attempts, as the replay counts them;
 *     - automatic restrictions: those the history shows (restricted before the span), lifted where the history
 *       shows a call to them passing (a reviewer's lift), plus those the replay itself triggers;
 *     - the rate deck and the high-risk list: the current ones.
 *  3. A replayed call that is allowed takes its share of the counters for its real duration when it was completed,
 *     else for the duration the replay grants; its cost is the charge when it was completed, else the reservation.
 */
import type { Account } from '../accounts/account.js';
import { costMicros } from '../calls/credit-control.js';
import { callsLastMinute, EMPTY_LEDGER, minuteIndex } from '../calls/ledger.js';
import { slidingSpendMicros, spendBucket, spendWindowsOf, type SpendWindowName } from '../calls/spend-windows.js';
import type { StoredCall } from '../calls/ports.js';
import { normalizeDialledString } from '../numbers/normalize-number.js';
import { isPremiumRate, isUsualCountry, resolveThresholds, windowIndex, type DestinationActivity } from '../profiling/destination-detection.js';
import type { RateDeck } from '../rate-deck/rate-deck.js';
import { fromMicros, toMicros } from '../shared/money.js';
import type { DecisionRecord } from './authorize-call.js';
import type { DecisionReason } from './decision.js';
import { countsAsAttempt } from './call-commitment.js';
import { evaluateCall, resolveCallTarget, type AccountUsage, type DecisionSettings, type EngineDecision } from './evaluate-call.js';
import type { PrefixSet } from './prefix-set.js';

/** The reasons decided before or without the account's policy: a replay keeps them as they were. */
const KEPT_REASONS: ReadonlySet<DecisionReason> = new Set(['SOURCE_IP_BANNED', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_SUSPENDED', 'ACCOUNT_UNDER_REVIEW', 'SERVICE_DEGRADED']);
/** Calls listed per kind in an answer; the counts and sums cover them all. */
export const LISTED_CALLS_MAX = 1_000;

export interface ReplayInput {
  /** The account as it is now, with the policy to replay (the effective one: the carrier's controls applied). */
  readonly account: Account;
  /** The span's decisions with their completions, oldest first. */
  readonly calls: readonly StoredCall[];
  readonly rateDeck: RateDeck;
  readonly highRiskPrefixes: PrefixSet;
  /** The carrier's settings, with the detection thresholds to replay. */
  readonly settings: DecisionSettings;
}

export interface Outcome {
  readonly decision: 'allow' | 'deny';
  readonly reason: DecisionReason;
}

export interface ChangedCall {
  readonly callId: string;
  readonly decidedAt: string;
  readonly destination: string;
  readonly country: string | null;
  readonly before: Outcome;
  readonly after: Outcome;
  /** What the call cost (`charged`: it completed) or could cost (`granted`: its reservation); null for a call that never ran. */
  readonly cost: { readonly amount: number; readonly basis: 'charged' | 'granted' } | null;
}

export interface ReplayResult {
  readonly evaluated: number;
  /** Decisions kept as they were: they do not depend on the policy. */
  readonly kept: number;
  readonly changed: number;
  readonly newlyDenied: readonly ChangedCall[];
  readonly newlyAllowed: readonly ChangedCall[];
  readonly newlyDeniedCount: number;
  readonly newlyAllowedCount: number;
  /** Decisions per reason, as made and as replayed. */
  readonly byReason: { readonly before: Readonly<Record<string, number>>; readonly after: Readonly<Record<string, number>> };
  /** The cost of the calls newly denied: charged when they completed, else the reservation granted. */
  readonly spendAvoided: number;
  readonly spendAvoidedBasis: { readonly charged: number; readonly granted: number };
  /** Records without what the engine saw (written before `seen` existed): their counters were rebuilt from the span. */
  readonly rebuiltCounters: number;
}

/** One allowed call's share of the counters, from its authorization to its end. */
interface Share {
  readonly startMs: number;
  readonly endMs: number;
  readonly reservedMicros: number;
  /** What it finally cost, once it ends: the charge when known, else the reservation stays counted. */
  readonly finalMicros: number;
  /** To a destination unusual for the account: counted in the unusual-spend window too. */
  readonly unusual: boolean;
}

/**
 * The counters a set of allowed calls builds, as the account's item would hold them: minute counts and the sliding
 * spend windows' buckets (domain/calls/spend-windows.ts), a call's spend in the bucket of its start.
 */
class Counters {
  private readonly minutes: Record<number, number> = {};
  private readonly spend: Record<SpendWindowName, Record<number, number>> = { hour: {}, day: {}, unusual: {} };
  private live: Share[] = [];
  private chargedMicros = 0;

  add(share: Share): void {
    this.minutes[minuteIndex(share.startMs)] = (this.minutes[minuteIndex(share.startMs)] ?? 0) + 1;
    this.addSpend(share.startMs, share.reservedMicros, share.unusual);
    this.live.push(share);
  }

  /** The usage at `nowMs`, this attempt included in the calls of the last minute (as the engine counts it). */
  usageAt(nowMs: number): AccountUsage & { readonly chargedMicros: number } {
    const ended = this.live.filter((share) => share.endMs <= nowMs);
    if (ended.length > 0) {
      this.live = this.live.filter((share) => share.endMs > nowMs);
      for (const share of ended) {
        this.addSpend(share.startMs, share.finalMicros - share.reservedMicros, share.unusual);
        this.chargedMicros += share.finalMicros;
      }
    }
    return {
      callsLastMinute: callsLastMinute({ ...EMPTY_LEDGER, allowedCallsByMinute: this.minutes }, nowMs, 1),
      concurrentCalls: this.live.length,
      spendLastHour: fromMicros(slidingSpendMicros({ ...EMPTY_LEDGER, spendBuckets: this.spend }, 'hour', nowMs)),
      spendToday: fromMicros(slidingSpendMicros({ ...EMPTY_LEDGER, spendBuckets: this.spend }, 'day', nowMs)),
      unusualSpendLastWeek: fromMicros(slidingSpendMicros({ ...EMPTY_LEDGER, spendBuckets: this.spend }, 'unusual', nowMs)),
      reservedMicros: this.live.reduce((sum, share) => sum + share.reservedMicros, 0),
      chargedMicros: this.chargedMicros,
    };
  }

  private addSpend(atMs: number, micros: number, unusual: boolean): void {
    for (const window of spendWindowsOf(unusual)) {
      const bucket = spendBucket(window, atMs);
      this.spend[window][bucket] = (this.spend[window][bucket] ?? 0) + micros;
    }
  }
}

/** Attempts to unusual countries per detection window, as the replay counts them. */
class UnusualAttempts {
  private readonly windows = new Map<number, { total: number; byCountry: Record<string, number> }>();

  constructor(private readonly windowMinutes: number) {}

  activity(nowMs: number, country: string | undefined): DestinationActivity {
    const window = windowIndex(nowMs, this.windowMinutes);
    const current = this.windows.get(window);
    const previous = this.windows.get(window - 1);
    return {
      current: country ? { ...current?.byCountry, [country]: (current?.byCountry[country] ?? 0) + 1 } : { ...current?.byCountry },
      previous: { ...previous?.byCountry },
      currentTotal: (current?.total ?? 0) + (country ? 1 : 0),
      previousTotal: previous?.total ?? 0,
    };
  }

  count(nowMs: number, country: string): void {
    const window = windowIndex(nowMs, this.windowMinutes);
    const counts = this.windows.get(window) ?? { total: 0, byCountry: {} };
    counts.total += 1;
    counts.byCountry[country] = (counts.byCountry[country] ?? 0) + 1;
    this.windows.set(window, counts);
  }
}

export function replayDecisions(input: ReplayInput): ReplayResult {
  const { account, settings, rateDeck, highRiskPrefixes } = input;
  const original = new Counters();
  const replayed = new Counters();
  const unusual = new UnusualAttempts(settings.detection.windowMinutes);
  // Restrictions in force in the replay, and where each came from (the history, or the replay's own detection).
  const restricted = new Map<string, 'history' | 'replay'>();
  const restrictedInSpan = new Set<string>();
  const before: Record<string, number> = {};
  const after: Record<string, number> = {};
  const newlyDenied: ChangedCall[] = [];
  const newlyAllowed: ChangedCall[] = [];
  let newlyDeniedCount = 0;
  let newlyAllowedCount = 0;
  let changed = 0;
  let kept = 0;
  let rebuiltCounters = 0;
  let charged = 0;
  let granted = 0;
  let lastBalanceMicros: number | undefined;

  for (const { record, completion } of input.calls) {
    const nowMs = Date.parse(record.decidedAt);
    const now = new Date(nowMs);
    before[record.reason] = (before[record.reason] ?? 0) + 1;
    const seenBalance = record.seen?.balanceMicros ?? balanceInEvidence(record);
    if (seenBalance !== undefined) lastBalanceMicros = seenBalance;
    const originalUsage = original.usageAt(nowMs);
    const replayUsage = replayed.usageAt(nowMs);
    const share = (decision: { maxDurationSeconds: number | null; destination: { ratePerMinute: number } | null }, unusual: boolean) =>
      shareOf(nowMs, decision, record, completion, settings, unusual);
    const recordedUnusual = record.seen?.destinationUsual === false && record.destination !== null && isPremiumRate(settings.detection, record.destination.ratePerMinute);

    if (KEPT_REASONS.has(record.reason)) {
      kept += 1;
      after[record.reason] = (after[record.reason] ?? 0) + 1;
      if (record.decision === 'allow') {
        original.add(share(record, recordedUnusual));
        replayed.add(share(record, recordedUnusual));
      }
      continue;
    }

    // Restrictions as the history shows them (see the module's notes).
    const historyRestriction = record.rule.rule === 'DESTINATION_RESTRICTED' ? record.rule.evidence : undefined;
    if (historyRestriction && 'restrictedBy' in historyRestriction) {
      const by = String(historyRestriction.restrictedBy);
      if (historyRestriction.newlyRestricted) restrictedInSpan.add(by);
      else if (!restrictedInSpan.has(by) && !restricted.has(by)) restricted.set(by, 'history');
    }
    if (record.decision === 'allow' && record.destination) {
      for (const [destination, origin] of restricted) {
        const covers = destination === record.destination.country || record.destination.e164.startsWith(`+${destination}`);
        if (covers && (origin === 'history' || restrictedInSpan.has(destination))) restricted.delete(destination);
      }
    }

    const request = { ...record.request, callId: record.callId, from: record.request.from ?? '' };
    const target = resolveCallTarget(request);
    const knownCountries = knownAtTheTime(account.knownCountries, record);
    if (!record.seen) rebuiltCounters += 1;
    const usage = record.seen ? corrected(record.seen.usage, originalUsage, replayUsage) : withoutCharged(replayUsage);
    const balanceMicros = (lastBalanceMicros ?? account.balanceMicros) + originalUsage.chargedMicros - replayUsage.chargedMicros;
    const replayAccount: Account = { ...account, status: 'active', balanceMicros, restrictedDestinations: [...restricted.keys()], knownCountries };
    const unusualCountry = unusualCountryOf(target.dialled, replayAccount, rateDeck, settings);
    const decision: EngineDecision = evaluateCall({
      request,
      target,
      account: replayAccount,
      activeBan: undefined,
      rateDeck,
      highRiskPrefixes,
      usage,
      activity: unusual.activity(nowMs, unusualCountry),
      now,
      settings,
    });
    after[decision.reason] = (after[decision.reason] ?? 0) + 1;

    if (record.decision === 'allow') original.add(share(record, recordedUnusual));
    if (decision.decision === 'allow') replayed.add(share(decision, unusualCountry !== undefined && decision.destination !== null && isPremiumRate(settings.detection, decision.destination.ratePerMinute)));
    if (unusualCountry && countsAsAttempt(decision)) unusual.count(nowMs, unusualCountry);
    if (decision.rule.rule === 'DESTINATION_RESTRICTED' && decision.rule.evidence.newlyRestricted) restricted.set(decision.rule.evidence.restrictedBy, 'replay');

    if (decision.decision === record.decision && decision.reason === record.reason) continue;
    changed += 1;
    const call = changedCall(record, completion, { decision: decision.decision, reason: decision.reason });
    if (record.decision === 'allow' && decision.decision === 'deny') {
      newlyDeniedCount += 1;
      if (call.cost?.basis === 'charged') charged += toMicros(call.cost.amount);
      else if (call.cost) granted += toMicros(call.cost.amount);
      if (newlyDenied.length < LISTED_CALLS_MAX) newlyDenied.push(call);
    } else if (record.decision === 'deny' && decision.decision === 'allow') {
      newlyAllowedCount += 1;
      if (newlyAllowed.length < LISTED_CALLS_MAX) newlyAllowed.push({ ...call, cost: null });
    }
  }

  return {
    evaluated: input.calls.length,
    kept,
    changed,
    newlyDenied,
    newlyAllowed,
    newlyDeniedCount,
    newlyAllowedCount,
    byReason: { before, after },
    spendAvoided: fromMicros(charged + granted),
    spendAvoidedBasis: { charged: fromMicros(charged), granted: fromMicros(granted) },
    rebuiltCounters,
  };
}

/** The counters the engine saw, moved by what the replay does differently from the history since the span began. */
function corrected(seen: AccountUsage, original: AccountUsage, replayed: AccountUsage): AccountUsage {
  const moved = (field: Exclude<keyof AccountUsage, 'unusualSpendLastWeek'>) => Math.max(0, seen[field] - original[field] + replayed[field]);
  const movedMoney = (seenValue: number, originalValue: number, replayedValue: number) => Math.max(0, Math.round((seenValue - originalValue + replayedValue) * 1e6) / 1e6);
  return {
    callsLastMinute: Math.max(1, moved('callsLastMinute')),
    concurrentCalls: moved('concurrentCalls'),
    spendLastHour: movedMoney(seen.spendLastHour, original.spendLastHour, replayed.spendLastHour),
    spendToday: movedMoney(seen.spendToday, original.spendToday, replayed.spendToday),
    // A record from before the unusual window saw none: the replay's own count stands in for it.
    unusualSpendLastWeek:
      seen.unusualSpendLastWeek === undefined ? (replayed.unusualSpendLastWeek ?? 0) : movedMoney(seen.unusualSpendLastWeek, original.unusualSpendLastWeek ?? 0, replayed.unusualSpendLastWeek ?? 0),
    reservedMicros: moved('reservedMicros'),
  };
}

function withoutCharged(usage: AccountUsage & { readonly chargedMicros: number }): AccountUsage {
  const { chargedMicros: _charged, ...rest } = usage;
  return rest;
}

/** The balance a record's evidence shows (an allowed call's, a balance denial's), in micros. */
function balanceInEvidence(record: DecisionRecord): number | undefined {
  const evidence = record.rule.evidence as Record<string, unknown>;
  return (record.reason === 'ALLOWED' || record.reason === 'INSUFFICIENT_BALANCE') && typeof evidence.balance === 'number' ? toMicros(evidence.balance) : undefined;
}

/** The account's known countries now, corrected for the destination by what the record saw (when it says). */
function knownAtTheTime(knownNow: readonly string[], record: DecisionRecord): readonly string[] {
  const country = record.destination?.country;
  const known = record.seen?.destinationKnown;
  if (!country || known === undefined || knownNow.includes(country) === known) return knownNow;
  return known ? [...knownNow, country] : knownNow.filter((entry) => entry !== country);
}

/** The destination country when the attempt counts for burst detection (as the authorize path works it out). */
function unusualCountryOf(dialled: string, account: Account, rateDeck: RateDeck, settings: DecisionSettings): string | undefined {
  if (!resolveThresholds(settings.detection, account.policy.autoRestriction).enabled) return undefined;
  const normalized = normalizeDialledString(dialled, { homeCountry: account.homeCountry });
  if (!normalized.ok) return undefined;
  const country = rateDeck.lookup(normalized.digits)?.country;
  if (!country) return undefined;
  return isUsualCountry(country, { homeCountry: account.homeCountry, whitelist: account.policy.whitelistCountries, knownCountries: account.knownCountries }) ? undefined : country;
}

/**
 * An allowed call's share of the counters: reserved for its granted duration at its rate; ended at its completion
 * report (its charge then replaces the reservation) or, never reported, when its granted duration and the grace
 * have passed (the reservation stays counted, as the ledger keeps it).
 */
function shareOf(
  nowMs: number,
  decision: { readonly maxDurationSeconds: number | null; readonly destination: { readonly ratePerMinute: number } | null },
  record: DecisionRecord,
  completion: StoredCall['completion'],
  settings: DecisionSettings,
  unusual: boolean,
): Share {
  const seconds = decision.maxDurationSeconds ?? 0;
  const reservedMicros = decision.destination ? costMicros(seconds, decision.destination.ratePerMinute) : 0;
  const completedAtMs = completion ? Date.parse(completion.completedAt) : Number.NaN;
  if (completion && Number.isFinite(completedAtMs)) {
    const chargedMicros = completion.chargedMicros ?? (record.destination ? costMicros(completion.durationSeconds, record.destination.ratePerMinute) : 0);
    return { startMs: nowMs, endMs: Math.max(nowMs, completedAtMs), reservedMicros, finalMicros: chargedMicros, unusual };
  }
  return { startMs: nowMs, endMs: nowMs + (seconds + settings.reservationGraceSeconds) * 1000, reservedMicros, finalMicros: reservedMicros, unusual };
}

function changedCall(record: DecisionRecord, completion: StoredCall['completion'], after: Outcome): ChangedCall {
  let cost: ChangedCall['cost'] = null;
  if (record.decision === 'allow' && record.destination) {
    const chargedMicros = completion ? (completion.chargedMicros ?? costMicros(completion.durationSeconds, record.destination.ratePerMinute)) : undefined;
    cost =
      chargedMicros !== undefined
        ? { amount: fromMicros(chargedMicros), basis: 'charged' }
        : { amount: fromMicros(costMicros(record.maxDurationSeconds ?? 0, record.destination.ratePerMinute)), basis: 'granted' };
  }
  return {
    callId: record.callId,
    decidedAt: record.decidedAt,
    destination: record.destination?.e164 ?? record.request.to,
    country: record.destination?.country ?? null,
    before: { decision: record.decision, reason: record.reason },
    after,
    cost,
  };
}
