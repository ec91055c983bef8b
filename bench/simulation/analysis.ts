/**
 * From what the replay recorded to the figures: per attack, whether and when Tollgate stopped it and what it cost;
 * false positives on ordinary accounts; cumulative fraud spend over time with and without Tollgate.
 *
 * Definitions:
 *  - an attack on one account is stopped when, from some attempt on, every later attempt is denied; "attempts before
 *    the stop" counts up to and including the first of those denials, and "stopped by" is its rule;
 *  - a parallel attack (every attempt at the same instant) has no order to its attempts: it is stopped when some of
 *    them were denied, and "stopped by" is the rule that denied most of them;
 *  - a wave over many accounts (Wangiri) is stopped only if no callback was allowed;
 *  - dollars lost = the charged spend of the allowed fraud calls (what the completions charged);
 *  - without Tollgate = every attempt allowed and held for its intended length, priced at the deck rate, with no
 *    balance or limit to stop it (the switch would have put every call through);
 *  - an attack bounded by a prepaid balance meets its target when its allowed calls cost no more than the balance.
 */
import { DAY_MS } from './carrier.js';
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
  /** Interim updates the switch sent for the allowed calls, and the calls an interim answer ended (by reason). */
  readonly interimUpdates: number;
  readonly endedByInterim: Record<string, number>;
  /** Parallel attacks: wall time of the authorize answers (this machine's; a switch waits this long for each). */
  readonly answerMs?: { readonly p50: number; readonly max: number };
  /** The victim's prepaid balance (attacks bounded by it). */
  readonly balance?: number;
  /** Auth failures reported (credential stuffing) and how many answers said the IP was banned. */
  readonly authFailures?: { readonly reported: number; readonly banAfter: number | null };
  /** Per UTC day: the fraud spend charged and the account's spendPerDay (capped attacks). */
  readonly perDay?: readonly { readonly day: number; readonly spent: number; readonly limit: number | null; readonly allowed: number }[];
  /** Did the outcome meet the target: stopped with at most $5 lost, (slow drip) every day within spendPerDay, or (prepaid) no more lost than the balance. */
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
    const parallel = attack.mode === 'parallel';
    // Attempts sent together have no order: the whole attack is its "tail".
    if (parallel) stopIndex = allowed.length < attempts.length ? 0 : attempts.length;
    const stopCall = parallel ? undefined : attempts[stopIndex];
    const tail: Record<string, number> = {};
    for (const call of attempts.slice(stopIndex)) if (call.decision === 'deny') tail[call.reason] = (tail[call.reason] ?? 0) + 1;
    const dominant = Object.entries(tail).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
    const stopped = attack.kind === 'many-accounts' ? allowed.length === 0 : stopIndex < attempts.length && attack.kind !== 'capped-by-daily-spend';
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
      attemptsBeforeStop: stopped && stopCall ? (attack.kind === 'many-accounts' ? 1 : stopIndex + 1) : null,
      minutesToStop: stopped && (stopCall || parallel) ? round(((stopCall?.at ?? attack.startsAt) - (attempts[0]?.at ?? attack.startsAt)) / 60_000, 1) : null,
      stoppedBy: stopped ? dominant : null,
      stopRule: stopped && stopCall ? stopCall.reason : null,
      lost,
      withoutTollgate,
      denials,
      interimUpdates: allowed.reduce((sum, call) => sum + (call.interimUpdates ?? 0), 0),
      endedByInterim,
      ...(parallel ? { answerMs: { p50: median(attempts.map((call) => call.answerMs)), max: Math.max(0, ...attempts.map((call) => call.answerMs)) } } : {}),
    };
    const attackFailures = failures.filter((failure) => failure.origin === attack.id);
    const withFailures =
      attackFailures.length > 0
        ? { authFailures: { reported: attackFailures.length, banAfter: indexOrNull(attackFailures.findIndex((failure) => failure.banned)) } }
        : {};
    if (attack.kind === 'capped-by-daily-spend') {
      const limit = accounts.find((account) => account.accountId === attack.victim)?.policy.limits.spendPerDay ?? null;
      const days = new Map<number, { spent: number; allowed: number }>();
      for (const call of allowed) {
        const day = Math.floor((call.endedAt ?? call.at) / DAY_MS);
        const entry = days.get(day) ?? { spent: 0, allowed: 0 };
        entry.spent += call.charged ?? 0;
        entry.allowed += 1;
        days.set(day, entry);
      }
      const perDay = [...days.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([day, entry]) => ({ day, spent: round(entry.spent, 2), limit, allowed: entry.allowed }));
      const worst = perDay.reduce((max, entry) => Math.max(max, entry.spent), 0);
      const met = limit !== null && worst <= limit;
      return {
        ...base,
        ...withFailures,
        perDay,
        targetMet: met,
        targetNote: `worst day ${dollars(worst)} against spendPerDay ${limit === null ? 'none' : dollars(limit)}${met ? '' : ` (over by ${dollars(worst - (limit ?? 0))})`}`,
      };
    }
    if (attack.kind === 'capped-by-balance') {
      const balance = accounts.find((account) => account.accountId === attack.victim)?.balance ?? 0;
      const met = lost <= balance;
      return { ...base, ...withFailures, balance, targetMet: met, targetNote: `${dollars(lost)} lost of a ${dollars(balance)} balance${met ? '' : ` (over by ${dollars(lost - balance)})`}` };
    }
    const met = stopped && lost <= 5;
    return { ...base, ...withFailures, targetMet: met, targetNote: stopped ? `${dollars(lost)} lost before the stop` : `not stopped; ${dollars(lost)} lost` };
  });
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
  return {
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
