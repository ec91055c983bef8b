/**
 * From what the replay recorded to the figures: per attack, whether and when Tollgate stopped it and what it cost;
 * false positives on ordinary accounts; cumulative fraud spend over time with and without Tollgate.
 *
 * Definitions:
 *  - an attack on one account is stopped when, from some attempt on, every later attempt is denied; "attempts before
 *    the stop" counts up to and including the first of those denials, and "stopped by" is its rule;
 *  - a parallel attack (every attempt at the same instant) has no order to its attempts: it is stopped when some of
 *    them were denied, and "stopped by" is the rule that denied most of them;
 *  - an attack over many accounts (the Wangiri wave, the shared range) is stopped from the first attempt denied by a
 *    detection (not by the calling customer's own policy: international off, a max rate, ...) after which no attempt
 *    was allowed; "stopped at account" is the position of its account among the attack's accounts in the order they
 *    first dialled;
 *  - an attack reported per day (the slow drip) shows per UTC day the calls allowed, what they were charged and the
 *    largest maxDurationSeconds granted; it counts as stopped only if its stop holds past a UTC midnight (a daily
 *    limit refusing the last calls of its last day is no stop);
 *  - dollars lost = the charged spend of the allowed fraud calls (what the completions charged);
 *  - without Tollgate = every attempt allowed and held for its intended length, priced at the deck rate, with no
 *    balance or limit to stop it (the switch would have put every call through);
 *  - an attack bounded by a prepaid balance meets its target when its allowed calls cost no more than the balance.
 */
import { DAY_MS } from './carrier.js';
import type { DenyReason } from '../../domain/policy/decision.js';
import type { AttackInfo, AuthFailureRecord, CallRecord, SimAccount } from './model.js';
import type { RateDeck } from '../../domain/rate-deck/rate-deck.js';
import { median, round } from '../stats.js';

export interface AttackOutcome {
  readonly id: string;
  readonly title: string;
  readonly kind: AttackInfo['kind'];
  readonly mode: AttackInfo['mode'];
  readonly sequentialCounterpart?: string;
  readonly description: string;
  readonly attempts: number;
  readonly allowed: number;
  readonly stopped: boolean;
  readonly attemptsBeforeStop: number | null;
  readonly minutesToStop: number | null;
  /** The rule that denied most attempts from the stop on (the one that kept the attack stopped). */
  readonly stoppedBy: string | null;
  /** The rule of the attempt at which the attack stopped getting through. */
  readonly stopRule: string | null;
  readonly lost: number;
  readonly withoutTollgate: number;
  readonly denials: Record<string, number>;
  /** Ranges restricted carrier-wide (the range watch) that denied some of its attempts. */
  readonly carrierRanges: readonly string[];
  /** Interim updates the switch sent for the allowed calls, and the calls an interim answer ended (by reason). */
  readonly interimUpdates: number;
  readonly endedByInterim: Record<string, number>;
  /** Parallel attacks: wall time of the authorize answers (this machine's; a switch waits this long for each). */
  readonly answerMs?: { readonly p50: number; readonly max: number };
  /** The victim's prepaid balance (attacks bounded by it). */
  readonly balance?: number;
  /** Auth failures reported (credential stuffing) and how many answers said the IP was banned. */
  readonly authFailures?: { readonly reported: number; readonly banAfter: number | null };
  /** Per UTC day (attacks over days): fraud calls allowed, the spend charged, the largest grant, the account's spendPerDay. */
  readonly perDay?: readonly { readonly day: number; readonly spent: number; readonly limit: number | null; readonly allowed: number; readonly largestGrantSeconds: number | null }[];
  /** Attacks over many accounts: how many accounts, and the position of the first account stopped (see above). */
  readonly accounts?: { readonly count: number; readonly stoppedAt: number | null; readonly allowedBeforeStop: number; readonly policyDeniedBeforeStop: number };
  /** Did the outcome meet the target: stopped with at most $5 lost, or (prepaid) no more lost than the balance. */
  readonly targetMet: boolean;
  readonly targetNote: string;
}

export interface FalsePositiveSummary {
  readonly ordinaryAccounts: number;
  readonly ordinaryCalls: number;
  readonly deniedCalls: number;
  readonly accountsAffected: number;
  readonly accountsAffectedPercent: number;
  readonly reasons: Record<string, number>;
  readonly flaggedForReview: number;
  /** The same after the learning days (the accounts' usual countries known). */
  readonly afterLearning: { readonly calls: number; readonly deniedCalls: number; readonly accountsAffected: number; readonly accountsAffectedPercent: number; readonly reasons: Record<string, number> };
  /** Denied ordinary calls of attacked accounts (collateral, not counted above). */
  readonly victimCollateral: { readonly calls: number; readonly denied: number; readonly reasons: Record<string, number> };
  /** The same per group of ordinary accounts: the carrier's business customers and the diaspora customers. */
  readonly byGroup: { readonly business: GroupFalsePositives; readonly diaspora: GroupFalsePositives };
}

export interface GroupFalsePositives {
  readonly accounts: number;
  readonly calls: number;
  readonly deniedCalls: number;
  readonly accountsAffected: number;
  /** Of the group's accounts. */
  readonly accountsAffectedPercent: number;
  readonly reasons: Record<string, number>;
  /** Allowed calls the grant cut short of their intended length (maxDurationSeconds, e.g. the unusual-destination cap). */
  readonly cutShort: number;
}

export interface SpendPoint {
  readonly at: number;
  readonly withTollgate: number;
  readonly withoutTollgate: number;
}

export function attackOutcomes(attacks: readonly AttackInfo[], calls: readonly CallRecord[], failures: readonly AuthFailureRecord[], accounts: readonly SimAccount[], deck: RateDeck): AttackOutcome[] {
  return attacks.map((attack) => {
    const attempts = calls.filter((call) => call.origin === attack.id);
    const allowed = attempts.filter((call) => call.decision === 'allow');
    const lost = round(allowed.reduce((sum, call) => sum + (call.charged ?? 0), 0), 2);
    const withoutTollgate = round(attempts.reduce((sum, call) => sum + intendedCost(call, deck), 0), 2);
    const denials: Record<string, number> = {};
    for (const call of attempts) if (call.decision === 'deny') denials[call.reason] = (denials[call.reason] ?? 0) + 1;

    let stopIndex = attempts.length;
    while (stopIndex > 0 && attempts[stopIndex - 1]?.decision === 'deny') stopIndex -= 1;
    const manyAccounts = attack.kind === 'many-accounts';
    // Many accounts: the customers' own policies deny some attempts (a domestic-only account calling back); the
    // attack is stopped by the first detection denial after which nothing got through.
    if (manyAccounts) while (stopIndex < attempts.length && CUSTOMER_POLICY_REASONS.has(attempts[stopIndex]?.reason as DenyReason)) stopIndex += 1;
    // An attack over days (the drip) is not stopped by denials that end with the day it ran out of (spendPerDay at the
    // end of the last day): only a stop that holds past a UTC midnight counts.
    const utcDay = (call: CallRecord | undefined) => Math.floor((call?.at ?? 0) / DAY_MS);
    if (attack.daily && stopIndex < attempts.length && utcDay(attempts[stopIndex]) === utcDay(attempts[attempts.length - 1])) stopIndex = attempts.length;
    const parallel = attack.mode === 'parallel';
    // Attempts sent together have no order: the whole attack is its "tail".
    if (parallel) stopIndex = allowed.length < attempts.length ? 0 : attempts.length;
    const stopCall = parallel ? undefined : attempts[stopIndex];
    const tail: Record<string, number> = {};
    for (const call of attempts.slice(stopIndex)) if (call.decision === 'deny') tail[call.reason] = (tail[call.reason] ?? 0) + 1;
    const dominant = Object.entries(tail).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
    const stopped = stopIndex < attempts.length;
    const accountOrder = [...new Set(attempts.map((call) => call.accountId))];
    const stoppedAtAccount = stopped && stopCall ? accountOrder.indexOf(stopCall.accountId) + 1 : null;
    const endedByInterim: Record<string, number> = {};
    for (const call of allowed) if (call.stopReason) endedByInterim[call.stopReason] = (endedByInterim[call.stopReason] ?? 0) + 1;
    const base = {
      id: attack.id,
      title: attack.title,
      kind: attack.kind,
      mode: attack.mode,
      ...(attack.sequentialCounterpart ? { sequentialCounterpart: attack.sequentialCounterpart } : {}),
      description: attack.description,
      attempts: attempts.length,
      allowed: allowed.length,
      stopped,
      attemptsBeforeStop: stopped && stopCall ? stopIndex + 1 : null,
      minutesToStop: stopped && (stopCall || parallel) ? round(((stopCall?.at ?? attack.startsAt) - (attempts[0]?.at ?? attack.startsAt)) / 60_000, 1) : null,
      stoppedBy: stopped ? dominant : null,
      stopRule: stopped && stopCall ? stopCall.reason : null,
      lost,
      withoutTollgate,
      denials,
      carrierRanges: [...new Set(attempts.flatMap((call) => (call.carrierRange ? [call.carrierRange] : [])))].sort(),
      interimUpdates: allowed.reduce((sum, call) => sum + (call.interimUpdates ?? 0), 0),
      endedByInterim,
      ...(parallel ? { answerMs: { p50: median(attempts.map((call) => call.answerMs)), max: Math.max(0, ...attempts.map((call) => call.answerMs)) } } : {}),
    };
    const attackFailures = failures.filter((failure) => failure.origin === attack.id);
    const withFailures =
      attackFailures.length > 0
        ? { authFailures: { reported: attackFailures.length, banAfter: indexOrNull(attackFailures.findIndex((failure) => failure.banned)) } }
        : {};
    const perAttack = {
      ...withFailures,
      ...(attack.daily ? { perDay: perDay(attempts, accounts.find((account) => account.accountId === attack.victim)?.policy.limits.spendPerDay ?? null) } : {}),
      ...(manyAccounts
        ? {
            accounts: {
              count: accountOrder.length,
              stoppedAt: stoppedAtAccount,
              allowedBeforeStop: attempts.slice(0, stopIndex).filter((call) => call.decision === 'allow').length,
              policyDeniedBeforeStop: attempts.slice(0, stopIndex).filter((call) => call.decision === 'deny').length,
            },
          }
        : {}),
    };
    if (attack.kind === 'capped-by-balance') {
      const balance = accounts.find((account) => account.accountId === attack.victim)?.balance ?? 0;
      const met = lost <= balance;
      return { ...base, ...perAttack, balance, targetMet: met, targetNote: `${dollars(lost)} lost of a ${dollars(balance)} balance${met ? '' : ` (over by ${dollars(lost - balance)})`}` };
    }
    const met = stopped && lost <= 5;
    const where = manyAccounts && stoppedAtAccount !== null ? ` at account ${stoppedAtAccount} of ${accountOrder.length}` : '';
    return { ...base, ...perAttack, targetMet: met, targetNote: stopped ? `stopped${where}; ${dollars(lost)} lost before the stop` : `not stopped; ${dollars(lost)} lost` };
  });
}

/**
 * Denials by the calling customer's own settings (not a detection): in an attack over many accounts they say what
 * each customer chose, not that the attack was seen.
 */
const CUSTOMER_POLICY_REASONS: ReadonlySet<DenyReason> = new Set<DenyReason>([
  'CREDENTIALS_DISABLED',
  'SOURCE_IP_NOT_ALLOWED',
  'DESTINATION_BLOCKED',
  'INTERNATIONAL_DISABLED',
  'RATE_ABOVE_MAX',
  'OUTSIDE_CALLING_HOURS',
]);

/** Per UTC day of the call's start: attempts allowed, what they were charged, the largest maxDurationSeconds granted. */
function perDay(attempts: readonly CallRecord[], limit: number | null): NonNullable<AttackOutcome['perDay']> {
  const days = new Map<number, { spent: number; allowed: number; largest: number | null }>();
  for (const call of attempts) {
    const day = Math.floor(call.at / DAY_MS);
    const entry = days.get(day) ?? { spent: 0, allowed: 0, largest: null };
    if (call.decision === 'allow') {
      entry.spent += call.charged ?? 0;
      entry.allowed += 1;
      entry.largest = Math.max(entry.largest ?? 0, call.maxDurationSeconds ?? 0);
    }
    days.set(day, entry);
  }
  return [...days.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([day, entry]) => ({ day, spent: round(entry.spent, 2), limit, allowed: entry.allowed, largestGrantSeconds: entry.largest }));
}

/** Each parallel attack with its sequential counterpart (when both ran), for the side-by-side figures. */
export function parallelPairs(outcomes: readonly AttackOutcome[]): { readonly parallel: AttackOutcome; readonly sequential: AttackOutcome }[] {
  return outcomes.flatMap((parallel) => {
    const sequential = parallel.mode === 'parallel' ? outcomes.find((outcome) => outcome.id === parallel.sequentialCounterpart) : undefined;
    return sequential ? [{ parallel, sequential }] : [];
  });
}

export function falsePositives(calls: readonly CallRecord[], accounts: readonly SimAccount[], flagged: readonly string[], learningEndsAt: number): FalsePositiveSummary {
  const ordinaryIds = new Set(accounts.filter((account) => account.role === 'ordinary').map((account) => account.accountId));
  const ordinaryCalls = calls.filter((call) => call.origin === 'ordinary' && ordinaryIds.has(call.accountId));
  const summarize = (subset: readonly CallRecord[]) => {
    const denied = subset.filter((call) => call.decision === 'deny');
    const reasons: Record<string, number> = {};
    for (const call of denied) reasons[call.reason] = (reasons[call.reason] ?? 0) + 1;
    const affected = new Set(denied.map((call) => call.accountId)).size;
    return { calls: subset.length, deniedCalls: denied.length, accountsAffected: affected, accountsAffectedPercent: round((100 * affected) / Math.max(1, ordinaryIds.size), 2), reasons };
  };
  const all = summarize(ordinaryCalls);
  const victimCalls = calls.filter((call) => call.origin === 'ordinary' && !ordinaryIds.has(call.accountId));
  const victimDenied = victimCalls.filter((call) => call.decision === 'deny');
  const victimReasons: Record<string, number> = {};
  for (const call of victimDenied) victimReasons[call.reason] = (victimReasons[call.reason] ?? 0) + 1;
  const group = (members: readonly SimAccount[]): GroupFalsePositives => {
    const ids = new Set(members.map((account) => account.accountId));
    const subset = ordinaryCalls.filter((call) => ids.has(call.accountId));
    const denied = subset.filter((call) => call.decision === 'deny');
    const reasons: Record<string, number> = {};
    for (const call of denied) reasons[call.reason] = (reasons[call.reason] ?? 0) + 1;
    const affected = new Set(denied.map((call) => call.accountId)).size;
    return {
      accounts: ids.size,
      calls: subset.length,
      deniedCalls: denied.length,
      accountsAffected: affected,
      accountsAffectedPercent: round((100 * affected) / Math.max(1, ids.size), 2),
      reasons,
      cutShort: subset.filter((call) => call.decision === 'allow' && (call.grantedSeconds ?? call.intendedSeconds) < call.intendedSeconds).length,
    };
  };
  const ordinaryAccounts = accounts.filter((account) => account.role === 'ordinary');
  return {
    byGroup: {
      business: group(ordinaryAccounts.filter((account) => account.profile !== 'diaspora')),
      diaspora: group(ordinaryAccounts.filter((account) => account.profile === 'diaspora')),
    },
    ordinaryAccounts: ordinaryIds.size,
    ordinaryCalls: all.calls,
    deniedCalls: all.deniedCalls,
    accountsAffected: all.accountsAffected,
    accountsAffectedPercent: all.accountsAffectedPercent,
    reasons: all.reasons,
    flaggedForReview: flagged.filter((accountId) => ordinaryIds.has(accountId)).length,
    afterLearning: summarize(ordinaryCalls.filter((call) => call.at >= learningEndsAt)),
    victimCollateral: { calls: victimCalls.length, denied: victimDenied.length, reasons: victimReasons },
  };
}

/** Cumulative fraud spend at each moment money moves: charges at completion with Tollgate, intended cost without. */
export function spendSeries(attacks: readonly AttackInfo[], calls: readonly CallRecord[], deck: RateDeck): SpendPoint[] {
  const ids = new Set(attacks.map((attack) => attack.id));
  const moves: { at: number; withTollgate: number; withoutTollgate: number }[] = [];
  for (const call of calls) {
    if (!ids.has(call.origin)) continue;
    moves.push({ at: call.at + call.intendedSeconds * 1000, withTollgate: 0, withoutTollgate: intendedCost(call, deck) });
    if (call.decision === 'allow' && call.charged) moves.push({ at: call.endedAt ?? call.at, withTollgate: call.charged, withoutTollgate: 0 });
  }
  moves.sort((a, b) => a.at - b.at);
  let withTollgate = 0;
  let withoutTollgate = 0;
  return moves.map((move) => {
    withTollgate += move.withTollgate;
    withoutTollgate += move.withoutTollgate;
    return { at: move.at, withTollgate: round(withTollgate, 2), withoutTollgate: round(withoutTollgate, 2) };
  });
}

/** What the attempt would have cost put through in full: its intended length at the deck rate, per second. */
function intendedCost(call: CallRecord, deck: RateDeck): number {
  const rate = call.ratePerMinute ?? deck.lookup(call.to.replace(/^\+/, ''))?.ratePerMinute ?? 0;
  return (call.intendedSeconds * rate) / 60;
}

function indexOrNull(index: number): number | null {
  return index < 0 ? null : index + 1;
}

function dollars(value: number): string {
  return `$${value.toFixed(2)}`;
}
