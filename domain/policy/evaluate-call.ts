/**
 * The decision engine: one pure function from (request, account, reference data, usage) to a decision.
 *
 * It is the ordered list of rules RULE_STEPS names (./decision.ts, also in the README); the first that denies
 * decides. Each rule below is a small function of the call under evaluation that returns its denial or undefined:
 *  1. the source IP is not banned;               2. the account exists;
 *  3. the account is active (not suspended, not under review);
 *  4. the authentication method is allowed (digest needs credentials on; IP auth needs a listed source);
 *  5. the dialled string is a possible number;   6. the rate deck has a route for it;
 *  7. the account has not blocked the destination;
 *  8. automatic restriction has not blocked it, and this attempt does not cross a burst threshold
 *     (domain/profiling/destination-detection.ts): the crossing attempt is itself denied and restricts the destination;
 *  9. it is not on the carrier's high-risk list (unless the account allows that prefix);
 * 10. international calling is on, or the country is whitelisted or domestic;
 * 11. the rate is within the account's maximum, or the country is whitelisted;
 * 12. the call is inside the account's calling windows and the carrier's (domain/policy/calling-hours.ts);
 * 13. velocity: calls per minute;  14. concurrent calls;  15. spend in the sliding last 60 minutes and 24 hours;
 * 16. the available balance (balance minus the reservations of calls in progress) pays for the minimum billable
 *     time;
 * 17. the call is allowed with a grant (domain/calls/credit-control.ts): the whole duration its bounds allow, or a
 *     first slice of it to be extended on interim updates (a spend limit that leaves less than the minimum billable
 *     time denies here, as step 15).
 *
 * Cheap identity and source checks come first so that a denied attacker learns nothing about routes or prices;
 * the whitelist overrides only the international and max-rate rules, never explicit blocks or the high-risk list.
 * Burst detection runs before the high-risk, international and rate rules so that a compromised PBX hammering
 * forbidden destinations is flagged for review, not just refused call by call. Calling windows come after it for the
 * same reason (a night-time attempt to an unusual destination still counts towards a burst: IRSF runs at night),
 * and after the destination rules, which say more about a call than its hour; before the limits, so that an
 * attempt outside the windows takes nothing.
 */
import type { Account } from '../accounts/account.js';
import { effectiveCallingHours } from '../accounts/carrier-policy.js';
import { costMicros, firstGrant, secondsFor, type CreditSettings } from '../calls/credit-control.js';
import { windowStartMs } from '../calls/spend-windows.js';
import { normalizeDialledString, splitTechPrefix } from '../numbers/normalize-number.js';
import type { RateDeck } from '../rate-deck/rate-deck.js';
import { fromMicros, toMicros } from '../shared/money.js';
import type { AuthorizationRequest } from './authorization-request.js';
import {
  GRANT_BOUNDS,
  RULE_STEPS,
  stepOf,
  type CallDecision,
  type Destination,
  type EngineDenyReason,
  type EngineReason,
  type EvidenceByReason,
  type GrantBound,
  type RuleEvidence,
  type RuleName,
  type SipResponseTable,
} from './decision.js';
import { isoInZone, isWithinCallingHours, localTimeIn, nextOpening } from './calling-hours.js';
import { findMatchingEntry } from './ip-allowlist.js';
import type { PrefixSet } from './prefix-set.js';
import {
  assessDestination,
  lowerCost,
  unusualCallCostCap,
  resolveThresholds,
  type DestinationActivity,
  type DetectionThresholds,
} from '../profiling/destination-detection.js';
import { matchesRange } from '../profiling/range-watch.js';

export type AccountKey =
  | { readonly by: 'accountId'; readonly value: string }
  | { readonly by: 'techPrefix'; readonly value: string }
  | { readonly by: 'sipUsername'; readonly value: string };

export interface ResolvedCallTarget {
  /** How the account is identified: account id, then tech prefix (field or dialled `NNNN*`), then SIP username. */
  readonly accountKey: AccountKey | undefined;
  /** The dialled string without its tech prefix. */
  readonly dialled: string;
}

export function resolveCallTarget(request: AuthorizationRequest): ResolvedCallTarget {
  const { techPrefix: dialledTechPrefix, rest } = splitTechPrefix(request.to);
  const techPrefix = request.techPrefix ?? dialledTechPrefix;
  let accountKey: AccountKey | undefined;
  if (request.accountId) accountKey = { by: 'accountId', value: request.accountId };
  else if (techPrefix) accountKey = { by: 'techPrefix', value: techPrefix };
  else if (request.sipUsername) accountKey = { by: 'sipUsername', value: request.sipUsername };
  return { accountKey, dialled: rest };
}

export interface ActiveBan {
  readonly ip: string;
  readonly bannedUntil: string;
  readonly failures: number;
}

/** What the account has used in the current windows; zero when the account has no traffic yet. */
export interface AccountUsage {
  /** Allowed calls in the last minute (sliding estimate), this attempt included. */
  readonly callsLastMinute: number;
  /** Calls in progress (unexpired reservations). */
  readonly concurrentCalls: number;
  /**
   * Reserved plus settled spend in the sliding last 60 minutes / last 24 hours (domain/calls/spend-windows.ts: may
   * count up to one bucket more, 5 minutes / 1 hour, never less).
   */
  readonly spendLastHour: number;
  readonly spendToday: number;
  /**
   * Reserved plus settled spend on calls to premium-rate destinations unusual for the account in the sliding last
   * 7 days (the `unusual` window: 1-day buckets, may count up to one day more); absent: none (a record of what the
   * engine saw before it existed).
   */
  readonly unusualSpendLastWeek?: number;
  /** Open reservations of the calls in progress; available balance = balance - reserved. */
  readonly reservedMicros: number;
}

export const NO_USAGE: AccountUsage = { callsLastMinute: 0, concurrentCalls: 0, spendLastHour: 0, spendToday: 0, reservedMicros: 0 };

export interface DecisionSettings extends CreditSettings {
  readonly sipResponses: SipResponseTable;
  /** The carrier's detection defaults; each account's policy.autoRestriction overrides them. */
  readonly detection: DetectionThresholds;
}

export const NO_ACTIVITY: DestinationActivity = { current: {}, previous: {} };

export interface EvaluationInput {
  readonly request: AuthorizationRequest;
  readonly target: ResolvedCallTarget;
  readonly account: Account | undefined;
  readonly activeBan: ActiveBan | undefined;
  readonly rateDeck: RateDeck;
  readonly highRiskPrefixes: PrefixSet;
  /** Ranges the range watch restricted carrier-wide, for the accounts to which they are unusual; absent: none. */
  readonly restrictedRanges?: readonly string[];
  readonly usage: AccountUsage;
  /** Attempts to unusual countries in the detection windows, this attempt included. */
  readonly activity: DestinationActivity;
  readonly now: Date;
  readonly settings: DecisionSettings;
}

/** What the engine decides: every reason but SERVICE_DEGRADED, each with its evidence. */
export type EngineDecision = CallDecision<RuleEvidence<EngineReason>>;

/** The reasons a rule may decide with: those of its step; the grant may also find a spend limit leaves too little. */
type ReasonOf<N extends RuleName> = Extract<(typeof RULE_STEPS)[number], { readonly name: N }>['reasons'][number] | (N extends 'grant' ? 'SPEND_LIMIT' : never);

/** One rule: its denial, or undefined to let the next rule decide. The last one, the grant, always decides. */
type Rule<N extends RuleName = RuleName> = (call: CallUnderEvaluation) => CallDecision<RuleEvidence<ReasonOf<N>>> | undefined;

export function evaluateCall(input: EvaluationInput): EngineDecision {
  const call = new CallUnderEvaluation(input);
  for (const rule of RULES_IN_ORDER) {
    const decision = rule(call);
    if (decision) return decision;
  }
  throw new Error('no rule decided: RULE_STEPS must end with the grant');
}

/**
 * A call being decided: the input, and the facts the rules establish as they pass, for the rules after them: the
 * account (step 2), the dialled number (5), the destination (6), what an unusual destination may cost (8). A
 * denial carries the account and the destination as far as they were established.
 */
class CallUnderEvaluation {
  #account: Account | undefined = undefined;
  #number: DialledNumber | undefined = undefined;
  #destination: Destination | undefined = undefined;
  #unusualCallMaxCost: number | null | undefined = undefined;

  constructor(readonly input: EvaluationInput) {}

  get account(): Account {
    return this.#account ?? outOfOrder('the account');
  }

  set account(account: Account) {
    this.#account = account;
  }

  get number(): DialledNumber {
    return this.#number ?? outOfOrder('the dialled number');
  }

  set number(number: DialledNumber) {
    this.#number = number;
  }

  get destination(): Destination {
    return this.#destination ?? outOfOrder('the destination');
  }

  set destination(destination: Destination) {
    this.#destination = destination;
  }

  /** The most one call to this destination may cost when it is unusual for the account; null: no bound. */
  get unusualCallMaxCost(): number | null {
    return this.#unusualCallMaxCost === undefined ? outOfOrder('the burst assessment') : this.#unusualCallMaxCost;
  }

  set unusualCallMaxCost(cost: number | null) {
    this.#unusualCallMaxCost = cost;
  }

  get accountIdSoFar(): string | null {
    return this.#account?.accountId ?? null;
  }

  get destinationSoFar(): Destination | null {
    return this.#destination ?? null;
  }
}

interface DialledNumber {
  readonly digits: string;
  readonly e164: string;
}

function outOfOrder(fact: string): never {
  throw new Error(`${fact} was read before the rule that establishes it: the rules run out of RULE_STEPS order`);
}

// 1–4: who is calling, and from where. Cheap, and a denied attacker learns nothing about routes or prices.

function sourceNotBanned(call: CallUnderEvaluation) {
  const ban = call.input.activeBan;
  if (!ban) return undefined;
  return deny(call, 'SOURCE_IP_BANNED', `source ${ban.ip} is banned until ${ban.bannedUntil}`, { sourceIp: ban.ip, bannedUntil: ban.bannedUntil, failures: ban.failures });
}

function accountFound(call: CallUnderEvaluation) {
  const { account, target } = call.input;
  if (!account) {
    return deny(call, 'ACCOUNT_NOT_FOUND', 'no account matches the request', { identifiedBy: target.accountKey?.by ?? 'nothing', value: target.accountKey?.value ?? null });
  }
  call.account = account;
  return undefined;
}

function accountActive(call: CallUnderEvaluation) {
  const { account } = call;
  if (account.status === 'active') return undefined;
  const detail = `account status is ${account.status}`;
  return account.status === 'suspended'
    ? deny(call, 'ACCOUNT_SUSPENDED', detail, { status: account.status })
    : deny(call, 'ACCOUNT_UNDER_REVIEW', detail, { status: account.status });
}

function authMethodAllowed(call: CallUnderEvaluation) {
  const { request } = call.input;
  const { policy } = call.account;
  if (request.authMethod === 'digest') {
    if (policy.credentialsEnabled) return undefined;
    return deny(call, 'CREDENTIALS_DISABLED', 'SIP credentials are disabled; this account authenticates by IP only', { authMethod: request.authMethod, credentialsEnabled: false });
  }
  if (findMatchingEntry(request.sourceIp, policy.allowedIps)) return undefined;
  return deny(call, 'SOURCE_IP_NOT_ALLOWED', `source ${request.sourceIp} is not in the account's allowed IPs`, { sourceIp: request.sourceIp, allowedIps: policy.allowedIps });
}

// 5–6: where the call goes, and at what rate.

function possibleNumber(call: CallUnderEvaluation) {
  const { dialled } = call.input.target;
  const { homeCountry } = call.account;
  const normalized = normalizeDialledString(dialled, { homeCountry });
  if (!normalized.ok) return deny(call, 'INVALID_NUMBER', normalized.problem, { dialled, homeCountry });
  call.number = normalized;
  return undefined;
}

function routeFound(call: CallUnderEvaluation) {
  const { rateDeck } = call.input;
  const { digits, e164 } = call.number;
  const route = rateDeck.lookup(digits);
  if (!route) return deny(call, 'NO_ROUTE', `no rate deck entry matches ${e164}`, { e164, rateDeckVersion: rateDeck.version });
  call.destination = { e164, country: route.country, prefix: route.prefix, description: route.description, ratePerMinute: route.ratePerMinute };
  return undefined;
}

// 7–11: may the account call there. The whitelist overrides only the international and maximum-rate rules.

function notBlocked(call: CallUnderEvaluation) {
  const { policy } = call.account;
  const { country } = call.destination;
  const blockedBy = policy.blockedCountries.includes(country) ? country : longestStartingPrefix(call.number.digits, policy.blockedPrefixes);
  if (!blockedBy) return undefined;
  return deny(call, 'DESTINATION_BLOCKED', `the account blocks ${blockedBy}`, { blockedBy });
}

/**
 * Restricted automatically before, or restricted by this attempt: the one that crosses a burst threshold
 * (domain/profiling/destination-detection.ts). It runs before the high-risk, international and rate rules so that a
 * compromised PBX hammering forbidden destinations is flagged for review, not just refused call by call.
 */
function notRestricted(call: CallUnderEvaluation) {
  const { account } = call;
  const { input } = call;
  const { country } = call.destination;
  const restrictedBy = account.restrictedDestinations.includes(country) ? country : longestStartingPrefix(call.number.digits, account.restrictedDestinations);
  if (restrictedBy) {
    return deny(call, 'DESTINATION_RESTRICTED', `${restrictedBy} is restricted for this account pending review`, { restrictedBy, newlyRestricted: false });
  }
  const { policy } = account;
  const thresholds = resolveThresholds(input.settings.detection, policy.autoRestriction);
  const assessment = assessDestination({
    country,
    ratePerMinute: call.destination.ratePerMinute,
    homeCountry: account.homeCountry,
    whitelist: policy.whitelistCountries,
    knownCountries: account.knownCountries,
    confirmedCountries: account.confirmedCountries ?? [],
    activity: input.activity,
    thresholds,
    nowMs: input.now.getTime(),
    unusualSpent: input.usage.unusualSpendLastWeek ?? 0,
    minimumCallCost: fromMicros(costMicros(input.settings.minimumBillableSeconds, call.destination.ratePerMinute)),
  });
  if (!assessment.restrict) {
    // A range the range watch restricted, for an account to which it is unusual. After the burst check, and counted
    // as an attempt like the refusals after it: a PBX dialling the ranges the carrier stopped is itself a burst.
    const carrierRange = longestRange(input.restrictedRanges ?? [], call.number.digits);
    if (carrierRange && assessment.unusual) {
      return deny(call, 'DESTINATION_RESTRICTED', `${carrierRange} is restricted carrier-wide: many accounts dialled it unusually; a reviewer lifts it`, {
        restrictedBy: carrierRange,
        newlyRestricted: false,
        scope: 'carrier',
      });
    }
    call.unusualCallMaxCost = assessment.unusual ? lowerCost(unusualCallCostCap(thresholds, call.destination.ratePerMinute), assessment.unusualSpendLeft) : null;
    return undefined;
  }
  const burst =
    assessment.trigger === 'destination-burst'
      ? `${assessment.attemptsToDestination} attempts to unusual destination ${country} within ${thresholds.windowMinutes} min`
      : assessment.trigger === 'new-destination-spray'
        ? `${assessment.unusualAttempts} attempts to unusual destinations (${assessment.unusualCountries.join(', ')}) within ${thresholds.windowMinutes} min`
        : `${assessment.unusualSpent ?? 0} spent on calls to unusual premium-rate destinations within 7 days (budget ${thresholds.unusualPremiumSpendPerWeek ?? 0})`;
  return deny(call, 'DESTINATION_RESTRICTED', `${burst}: ${country} restricted pending review`, {
    restrictedBy: country,
    newlyRestricted: true,
    trigger: assessment.trigger,
    attemptsToDestination: assessment.attemptsToDestination,
    unusualAttempts: assessment.unusualAttempts,
    unusualCountries: assessment.unusualCountries,
    windowMinutes: thresholds.windowMinutes,
    thresholds: {
      newDestinationAttempts: thresholds.newDestinationAttempts,
      newDestinationTotalAttempts: thresholds.newDestinationTotalAttempts,
      ...(thresholds.unusualPremiumSpendPerWeek !== null ? { unusualPremiumSpendPerWeek: thresholds.unusualPremiumSpendPerWeek } : {}),
    },
    ...(assessment.unusualSpent !== undefined ? { unusualSpent: assessment.unusualSpent } : {}),
  });
}


/** The most specific restricted range the dialled digits fall in: the exact number first, then the longest prefix. */
function longestRange(ranges: readonly string[], digits: string): string | undefined {
  return ranges.filter((range) => matchesRange(range, digits)).sort((a, b) => Number(b.startsWith('+')) - Number(a.startsWith('+')) || b.length - a.length)[0];
}

function notHighRisk(call: CallUnderEvaluation) {
  const { policy } = call.account;
  const { digits } = call.number;
  const highRiskPrefix = call.input.highRiskPrefixes.match(digits);
  if (!highRiskPrefix || longestStartingPrefix(digits, policy.allowedHighRiskPrefixes)) return undefined;
  return deny(call, 'HIGH_RISK_DESTINATION', `${highRiskPrefix} is on the carrier's high-risk list`, { highRiskPrefix, allowedHighRiskPrefixes: policy.allowedHighRiskPrefixes });
}

function internationalAllowed(call: CallUnderEvaluation) {
  const { homeCountry, policy } = call.account;
  const { country } = call.destination;
  if (country === homeCountry || policy.internationalEnabled || policy.whitelistCountries.includes(country)) return undefined;
  return deny(call, 'INTERNATIONAL_DISABLED', `international calling is off and ${country} is not whitelisted`, { homeCountry, country, whitelistCountries: policy.whitelistCountries });
}

function rateWithinMaximum(call: CallUnderEvaluation) {
  const { policy, carrierPolicy } = call.account;
  const { ratePerMinute, country } = call.destination;
  const whitelisted = policy.whitelistCountries.includes(country);
  // The carrier's ceiling holds for every destination: the whitelist, which a stolen customer token can write,
  // lifts only the customer's own maximum.
  const carrierCeiling = carrierPolicy?.maxRatePerMinute ?? null;
  if (carrierCeiling !== null && ratePerMinute > carrierCeiling) {
    return deny(call, 'RATE_ABOVE_MAX', `rate ${ratePerMinute}/min is above the carrier's maximum ${carrierCeiling}/min for this account`, {
      ratePerMinute,
      maxRatePerMinute: carrierCeiling,
      whitelisted,
      setBy: 'carrier',
    });
  }
  const { maxRatePerMinute } = policy;
  if (maxRatePerMinute === null || ratePerMinute <= maxRatePerMinute || whitelisted) return undefined;
  return deny(call, 'RATE_ABOVE_MAX', `rate ${ratePerMinute}/min is above the account's maximum ${maxRatePerMinute}/min`, { ratePerMinute, maxRatePerMinute, whitelisted: false, setBy: 'customer' });
}

// 12: may the account call at this hour.

/**
 * Inside the customer's windows and the carrier's, when they apply: `appliesTo: international` exempts calls to the
 * home country. The evidence reads the account's wall clock in the zone of the set that refuses.
 */
function withinCallingHours(call: CallUnderEvaluation) {
  const { account } = call;
  if (!account.policy.callingHours && !account.carrierPolicy?.callingHours) return undefined;
  const international = call.destination.country !== account.homeCountry;
  const applicable = effectiveCallingHours(account).filter(({ hours }) => hours.appliesTo === 'all' || international);
  if (applicable.length === 0) return undefined;
  const nowMs = call.input.now.getTime();
  const outside = applicable.find(({ hours }) => !isWithinCallingHours(hours, nowMs));
  if (!outside) return undefined;
  const { timezone, appliesTo } = outside.hours;
  const local = localTimeIn(timezone, nowMs);
  const next = nextOpening(
    applicable.map(({ hours }) => hours),
    nowMs,
  );
  const nextWindow = next === undefined ? null : { local: isoInZone(timezone, next), utc: new Date(next).toISOString() };
  return deny(call, 'OUTSIDE_CALLING_HOURS', `${local.weekday} ${local.iso} (${timezone}) is outside the ${outside.setBy}'s calling windows`, {
    setBy: outside.setBy,
    timezone,
    appliesTo,
    localTime: local.iso,
    weekday: local.weekday,
    nextWindow,
  });
}

// 13–16: can the account afford it now. These are also the conditions of the write that takes the call
// (domain/policy/call-commitment.ts), so they hold for simultaneous calls.

function velocityWithinLimit(call: CallUnderEvaluation) {
  const { callsPerMinute } = call.account.policy.limits;
  const { callsLastMinute } = call.input.usage;
  if (callsPerMinute === null || callsLastMinute <= callsPerMinute) return undefined;
  return deny(call, 'VELOCITY_LIMIT', `${callsLastMinute} calls in the last minute exceeds ${callsPerMinute}`, { callsLastMinute, callsPerMinute });
}

function concurrencyWithinLimit(call: CallUnderEvaluation) {
  const limit = call.account.policy.limits.concurrentCalls;
  const { concurrentCalls } = call.input.usage;
  if (limit === null || concurrentCalls < limit) return undefined;
  return deny(call, 'CONCURRENCY_LIMIT', `${concurrentCalls} calls in progress reaches the limit ${limit}`, { concurrentCalls, limit });
}

function spendWithinLimits(call: CallUnderEvaluation) {
  const { spendPerHour, spendPerDay } = call.account.policy.limits;
  const { spendLastHour, spendToday } = call.input.usage;
  if (spendPerHour !== null && spendLastHour >= spendPerHour) {
    return deny(call, 'SPEND_LIMIT', `spend in the last 60 minutes ${spendLastHour} reached the limit ${spendPerHour}`, spendEvidence(call, 'hour', spendLastHour, spendPerHour));
  }
  if (spendPerDay !== null && spendToday >= spendPerDay) {
    return deny(call, 'SPEND_LIMIT', `spend in the last 24 hours ${spendToday} reached the limit ${spendPerDay}`, spendEvidence(call, 'day', spendToday, spendPerDay));
  }
  return undefined;
}

/** The evidence of a spend limit: the sliding window, what it counts since `since` (its oldest bucket's start), the limit. */
function spendEvidence(call: CallUnderEvaluation, window: 'hour' | 'day', spent: number, limit: number) {
  return { window, spent, limit, since: new Date(windowStartMs(window, call.input.now.getTime())).toISOString() };
}

function balanceCovers(call: CallUnderEvaluation) {
  const { balanceMicros } = call.account;
  const { ratePerMinute } = call.destination;
  const { usage, settings } = call.input;
  const availableMicros = balanceMicros - usage.reservedMicros;
  const minimumCostMicros = Math.ceil((toMicros(ratePerMinute) * settings.minimumBillableSeconds) / 60);
  if (availableMicros > 0 && availableMicros >= minimumCostMicros) return undefined;
  return deny(call, 'INSUFFICIENT_BALANCE', `available balance ${fromMicros(availableMicros)} does not cover ${settings.minimumBillableSeconds}s at ${ratePerMinute}/min`, {
    balance: fromMicros(balanceMicros),
    reserved: fromMicros(usage.reservedMicros),
    available: fromMicros(availableMicros),
    minimumCost: fromMicros(minimumCostMicros),
  });
}

// 17: allow, with a grant.

/**
 * The duration is the tightest of: the carrier's cap, what the available balance buys, what is left of the spend
 * limits, and, for a destination unusual for the account, what `unusualCallMaxCost` buys. The last two bound the
 * loss of the calls a burst gets through before it is stopped, and of a slow drip under the burst thresholds.
 * Parallel calls share the balance: an expensive call gets a first slice and extends it on interim updates.
 */
function grant(call: CallUnderEvaluation) {
  const { account, destination } = call;
  const { usage, settings } = call.input;
  const { limits } = account.policy;
  const rate = destination.ratePerMinute;
  const availableMicros = account.balanceMicros - usage.reservedMicros;
  const unusualCallMaxCost = call.unusualCallMaxCost;
  const { boundBy, seconds, bounds } = tightestBound({
    carrierCap: settings.maxCallDurationSeconds,
    balance: secondsFor(availableMicros, rate),
    spendPerHour: limits.spendPerHour === null ? undefined : secondsFor(toMicros(limits.spendPerHour - usage.spendLastHour), rate),
    spendPerDay: limits.spendPerDay === null ? undefined : secondsFor(toMicros(limits.spendPerDay - usage.spendToday), rate),
    unusualDestination: unusualCallMaxCost === null ? undefined : secondsFor(toMicros(unusualCallMaxCost), rate),
  });
  if (seconds < settings.minimumBillableSeconds) {
    const detail = `what is left of the ${boundBy} limit pays for ${seconds}s only`;
    if (boundBy === 'spendPerHour' && limits.spendPerHour !== null) return deny(call, 'SPEND_LIMIT', detail, spendEvidence(call, 'hour', usage.spendLastHour, limits.spendPerHour));
    if (boundBy === 'spendPerDay' && limits.spendPerDay !== null) return deny(call, 'SPEND_LIMIT', detail, spendEvidence(call, 'day', usage.spendToday, limits.spendPerDay));
  }
  const granted = firstGrant(seconds, rate, availableMicros, settings);
  const sip = settings.sipResponses.ALLOWED;
  return {
    decision: 'allow',
    reason: 'ALLOWED',
    sipCode: sip.code,
    sipReason: sip.reason,
    accountId: account.accountId,
    destination,
    maxDurationSeconds: granted.grantedSeconds,
    interimSeconds: granted.interimSeconds,
    rule: {
      rule: 'ALLOWED',
      step: stepOf('ALLOWED'),
      detail: `allowed for up to ${granted.grantedSeconds}s`,
      evidence: {
        balance: fromMicros(account.balanceMicros),
        reserved: fromMicros(usage.reservedMicros),
        available: fromMicros(availableMicros),
        ratePerMinute: rate,
        boundBy,
        bounds,
        reservation: fromMicros(granted.reservedMicros),
        sliced: granted.interimSeconds !== null,
      },
    },
  } satisfies CallDecision<RuleEvidence<'ALLOWED'>>;
}

/** The tightest bound (the first listed in GRANT_BOUNDS on a tie), and every bound that is finite, for the evidence. */
function tightestBound(candidates: Readonly<Record<GrantBound, number | undefined>>) {
  let boundBy: GrantBound = 'carrierCap';
  let seconds = candidates.carrierCap ?? Number.POSITIVE_INFINITY;
  const bounds: Partial<Record<GrantBound, number>> = {};
  for (const bound of GRANT_BOUNDS) {
    const candidate = candidates[bound];
    if (candidate === undefined) continue;
    if (candidate < seconds) {
      boundBy = bound;
      seconds = candidate;
    }
    if (Number.isFinite(candidate)) bounds[bound] = candidate;
  }
  return { boundBy, seconds, bounds };
}

/** The rules by name; `satisfies` keeps them in step with RULE_STEPS: a rule missing, extra or misnamed fails to compile. */
const RULES = {
  sourceNotBanned,
  accountFound,
  accountActive,
  authMethodAllowed,
  possibleNumber,
  routeFound,
  notBlocked,
  notRestricted,
  notHighRisk,
  internationalAllowed,
  rateWithinMaximum,
  withinCallingHours,
  velocityWithinLimit,
  concurrencyWithinLimit,
  spendWithinLimits,
  balanceCovers,
  grant,
} satisfies { readonly [N in RuleName]: Rule<N> };

const RULES_IN_ORDER: readonly Rule[] = RULE_STEPS.map((step) => RULES[step.name]);

/** The longest entry of `prefixes` that `digits` starts with; lists here are per-account and short. */
function longestStartingPrefix(digits: string, prefixes: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const prefix of prefixes) {
    if (digits.startsWith(prefix) && (!best || prefix.length > best.length)) best = prefix;
  }
  return best;
}

/** A denial by `reason`, with the account and the destination as far as the rules before it established them. */
function deny<R extends EngineDenyReason>(call: CallUnderEvaluation, reason: R, detail: string, evidence: EvidenceByReason[R]): CallDecision<RuleEvidence<R>> {
  const sip = call.input.settings.sipResponses[reason];
  return {
    decision: 'deny',
    reason,
    sipCode: sip.code,
    sipReason: sip.reason,
    accountId: call.accountIdSoFar,
    destination: call.destinationSoFar,
    maxDurationSeconds: null,
    interimSeconds: null,
    rule: { rule: reason, step: stepOf(reason), detail, evidence },
  };
}
