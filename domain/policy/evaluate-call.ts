/**
 * The decision engine: one pure function from (request, account, reference data, usage) to a decision.
 *
 * Rules run in one fixed order and the first that denies decides (RULE_STEPS in ./decision.ts, also in the README):
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
 * 12. velocity: calls per minute;  13. concurrent calls;  14. spend per hour and per day;
 * 15. the available balance (balance minus the reservations of calls in progress) pays for the minimum billable
 *     time; then the call is allowed with a grant (domain/calls/credit-control.ts): the whole duration its bounds
 *     allow, or a first slice of it to be extended on interim updates.
 *
 * Cheap identity and source checks come first so that a denied attacker learns nothing about routes or prices;
 * the whitelist overrides only the international and max-rate rules, never explicit blocks or the high-risk list.
 * Burst detection runs before the high-risk, international and rate rules so that a compromised PBX hammering
 * forbidden destinations is flagged for review, not just refused call by call.
 */
import type { Account } from '../accounts/account.js';
import { firstGrant, secondsFor, type CreditSettings } from '../calls/credit-control.js';
import { normalizeDialledString, splitTechPrefix } from '../numbers/normalize-number.js';
import type { RateDeck } from '../rate-deck/rate-deck.js';
import { fromMicros, toMicros } from '../shared/money.js';
import type { AuthorizationRequest } from './authorization-request.js';
import {
  GRANT_BOUNDS,
  stepOf,
  type CallDecision,
  type Destination,
  type EngineDenyReason,
  type EngineReason,
  type EvidenceByReason,
  type GrantBound,
  type RuleEvidence,
  type SipResponseTable,
} from './decision.js';
import { findMatchingEntry } from './ip-allowlist.js';
import type { PrefixSet } from './prefix-set.js';
import {
  assessDestination,
  resolveThresholds,
  type DestinationActivity,
  type DetectionThresholds,
} from '../profiling/destination-detection.js';

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
  /** Reserved plus settled spend of the calls authorized this hour / this UTC day. */
  readonly spendLastHour: number;
  readonly spendToday: number;
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
  readonly usage: AccountUsage;
  /** Attempts to unusual countries in the detection windows, this attempt included. */
  readonly activity: DestinationActivity;
  readonly now: Date;
  readonly settings: DecisionSettings;
}

/** What the engine decides: every reason but SERVICE_DEGRADED, each with its evidence. */
export type EngineDecision = CallDecision<RuleEvidence<EngineReason>>;

export function evaluateCall(input: EvaluationInput): EngineDecision {
  const { request, target, account, activeBan, settings } = input;
  const decide = decisionBuilder(settings.sipResponses);

  if (activeBan) {
    return decide.deny('SOURCE_IP_BANNED', null, null, `source ${activeBan.ip} is banned until ${activeBan.bannedUntil}`, {
      sourceIp: activeBan.ip,
      bannedUntil: activeBan.bannedUntil,
      failures: activeBan.failures,
    });
  }
  if (!account) {
    return decide.deny('ACCOUNT_NOT_FOUND', null, null, 'no account matches the request', {
      identifiedBy: target.accountKey?.by ?? 'nothing',
      value: target.accountKey?.value ?? null,
    });
  }
  const accountId = account.accountId;
  if (account.status !== 'active') {
    const detail = `account status is ${account.status}`;
    return account.status === 'suspended'
      ? decide.deny('ACCOUNT_SUSPENDED', accountId, null, detail, { status: account.status })
      : decide.deny('ACCOUNT_UNDER_REVIEW', accountId, null, detail, { status: account.status });
  }

  const { policy } = account;
  if (request.authMethod === 'digest' && !policy.credentialsEnabled) {
    return decide.deny('CREDENTIALS_DISABLED', accountId, null, 'SIP credentials are disabled; this account authenticates by IP only', {
      authMethod: request.authMethod,
      credentialsEnabled: false,
    });
  }
  if (request.authMethod === 'ip') {
    const matched = findMatchingEntry(request.sourceIp, policy.allowedIps);
    if (!matched) {
      return decide.deny('SOURCE_IP_NOT_ALLOWED', accountId, null, `source ${request.sourceIp} is not in the account's allowed IPs`, {
        sourceIp: request.sourceIp,
        allowedIps: policy.allowedIps,
      });
    }
  }

  const normalized = normalizeDialledString(target.dialled, { homeCountry: account.homeCountry });
  if (!normalized.ok) {
    return decide.deny('INVALID_NUMBER', accountId, null, normalized.problem, {
      dialled: target.dialled,
      homeCountry: account.homeCountry,
    });
  }
  const route = input.rateDeck.lookup(normalized.digits);
  if (!route) {
    return decide.deny('NO_ROUTE', accountId, null, `no rate deck entry matches ${normalized.e164}`, {
      e164: normalized.e164,
      rateDeckVersion: input.rateDeck.version,
    });
  }
  const destination: Destination = {
    e164: normalized.e164,
    country: route.country,
    prefix: route.prefix,
    description: route.description,
    ratePerMinute: route.ratePerMinute,
  };

  const blockedBy = policy.blockedCountries.includes(destination.country)
    ? destination.country
    : longestStartingPrefix(normalized.digits, policy.blockedPrefixes);
  if (blockedBy) {
    return decide.deny('DESTINATION_BLOCKED', accountId, destination, `the account blocks ${blockedBy}`, { blockedBy });
  }
  const restrictedBy = account.restrictedDestinations.includes(destination.country)
    ? destination.country
    : longestStartingPrefix(normalized.digits, account.restrictedDestinations);
  if (restrictedBy) {
    return decide.deny('DESTINATION_RESTRICTED', accountId, destination, `${restrictedBy} is restricted for this account pending review`, {
      restrictedBy,
      newlyRestricted: false,
    });
  }
  const thresholds = resolveThresholds(settings.detection, policy.autoRestriction);
  const assessment = assessDestination({
    country: destination.country,
    homeCountry: account.homeCountry,
    whitelist: policy.whitelistCountries,
    knownCountries: account.knownCountries,
    activity: input.activity,
    thresholds,
    nowMs: input.now.getTime(),
  });
  if (assessment.restrict) {
    const detail =
      assessment.trigger === 'destination-burst'
        ? `${assessment.attemptsToDestination} attempts to unusual destination ${destination.country} within ${thresholds.windowMinutes} min`
        : `${assessment.unusualAttempts} attempts to unusual destinations (${assessment.unusualCountries.join(', ')}) within ${thresholds.windowMinutes} min`;
    return decide.deny('DESTINATION_RESTRICTED', accountId, destination, `${detail}: ${destination.country} restricted pending review`, {
      restrictedBy: destination.country,
      newlyRestricted: true,
      trigger: assessment.trigger,
      attemptsToDestination: assessment.attemptsToDestination,
      unusualAttempts: assessment.unusualAttempts,
      unusualCountries: assessment.unusualCountries,
      windowMinutes: thresholds.windowMinutes,
      thresholds: { newDestinationAttempts: thresholds.newDestinationAttempts, newDestinationTotalAttempts: thresholds.newDestinationTotalAttempts },
    });
  }

  const highRiskPrefix = input.highRiskPrefixes.match(normalized.digits);
  if (highRiskPrefix && !longestStartingPrefix(normalized.digits, policy.allowedHighRiskPrefixes)) {
    return decide.deny('HIGH_RISK_DESTINATION', accountId, destination, `${highRiskPrefix} is on the carrier's high-risk list`, {
      highRiskPrefix,
      allowedHighRiskPrefixes: policy.allowedHighRiskPrefixes,
    });
  }

  const whitelisted = policy.whitelistCountries.includes(destination.country);
  const international = destination.country !== account.homeCountry;
  if (international && !policy.internationalEnabled && !whitelisted) {
    return decide.deny('INTERNATIONAL_DISABLED', accountId, destination, `international calling is off and ${destination.country} is not whitelisted`, {
      homeCountry: account.homeCountry,
      country: destination.country,
      whitelistCountries: policy.whitelistCountries,
    });
  }
  if (policy.maxRatePerMinute !== null && destination.ratePerMinute > policy.maxRatePerMinute && !whitelisted) {
    return decide.deny('RATE_ABOVE_MAX', accountId, destination, `rate ${destination.ratePerMinute}/min is above the account's maximum ${policy.maxRatePerMinute}/min`, {
      ratePerMinute: destination.ratePerMinute,
      maxRatePerMinute: policy.maxRatePerMinute,
      whitelisted,
    });
  }

  const { limits } = policy;
  const { usage } = input;
  if (limits.callsPerMinute !== null && usage.callsLastMinute > limits.callsPerMinute) {
    return decide.deny('VELOCITY_LIMIT', accountId, destination, `${usage.callsLastMinute} calls in the last minute exceeds ${limits.callsPerMinute}`, {
      callsLastMinute: usage.callsLastMinute,
      callsPerMinute: limits.callsPerMinute,
    });
  }
  if (limits.concurrentCalls !== null && usage.concurrentCalls >= limits.concurrentCalls) {
    return decide.deny('CONCURRENCY_LIMIT', accountId, destination, `${usage.concurrentCalls} calls in progress reaches the limit ${limits.concurrentCalls}`, {
      concurrentCalls: usage.concurrentCalls,
      limit: limits.concurrentCalls,
    });
  }
  const spendLimitHit: EvidenceByReason['SPEND_LIMIT'] | undefined =
    limits.spendPerHour !== null && usage.spendLastHour >= limits.spendPerHour
      ? { window: 'hour', spent: usage.spendLastHour, limit: limits.spendPerHour }
      : limits.spendPerDay !== null && usage.spendToday >= limits.spendPerDay
        ? { window: 'day', spent: usage.spendToday, limit: limits.spendPerDay }
        : undefined;
  if (spendLimitHit) {
    return decide.deny('SPEND_LIMIT', accountId, destination, `spend this ${spendLimitHit.window} ${spendLimitHit.spent} reached the limit ${spendLimitHit.limit}`, spendLimitHit);
  }

  const ratePerMinuteMicros = toMicros(destination.ratePerMinute);
  const availableMicros = account.balanceMicros - usage.reservedMicros;
  const minimumCostMicros = Math.ceil((ratePerMinuteMicros * settings.minimumBillableSeconds) / 60);
  if (availableMicros <= 0 || availableMicros < minimumCostMicros) {
    return decide.deny('INSUFFICIENT_BALANCE', accountId, destination, `available balance ${fromMicros(availableMicros)} does not cover ${settings.minimumBillableSeconds}s at ${destination.ratePerMinute}/min`, {
      balance: fromMicros(account.balanceMicros),
      reserved: fromMicros(usage.reservedMicros),
      available: fromMicros(availableMicros),
      minimumCost: fromMicros(minimumCostMicros),
    });
  }

  // The duration is the tightest of: the carrier's cap, what the available balance buys, what is left of the spend
  // limits, and, for a destination unusual for the account, what `unusualCallMaxCost` buys. The last two bound the
  // loss of the calls a burst gets through before it is stopped, and of a slow drip under the burst thresholds.
  const secondsOf = (micros: number) => secondsFor(micros, destination.ratePerMinute);
  const bounds: Partial<Record<GrantBound, number>> & { carrierCap: number } = {
    carrierCap: settings.maxCallDurationSeconds,
    balance: secondsOf(availableMicros),
    ...(limits.spendPerHour !== null ? { spendPerHour: secondsOf(toMicros(limits.spendPerHour - usage.spendLastHour)) } : {}),
    ...(limits.spendPerDay !== null ? { spendPerDay: secondsOf(toMicros(limits.spendPerDay - usage.spendToday)) } : {}),
    ...(assessment.unusual && thresholds.unusualCallMaxCost !== null ? { unusualDestination: secondsOf(toMicros(thresholds.unusualCallMaxCost)) } : {}),
  };
  let boundBy: GrantBound = 'carrierCap';
  let fullSeconds = bounds.carrierCap;
  for (const bound of GRANT_BOUNDS) {
    const seconds = bounds[bound];
    if (seconds !== undefined && seconds < fullSeconds) {
      boundBy = bound;
      fullSeconds = seconds;
    }
  }
  if (boundBy === 'spendPerHour' && limits.spendPerHour !== null && fullSeconds < settings.minimumBillableSeconds) {
    return decide.deny('SPEND_LIMIT', accountId, destination, `what is left of the ${boundBy} limit pays for ${fullSeconds}s only`, {
      window: 'hour',
      spent: usage.spendLastHour,
      limit: limits.spendPerHour,
    });
  }
  if (boundBy === 'spendPerDay' && limits.spendPerDay !== null && fullSeconds < settings.minimumBillableSeconds) {
    return decide.deny('SPEND_LIMIT', accountId, destination, `what is left of the ${boundBy} limit pays for ${fullSeconds}s only`, {
      window: 'day',
      spent: usage.spendToday,
      limit: limits.spendPerDay,
    });
  }
  // Parallel calls share the balance: an expensive call gets a first slice and extends it on interim updates.
  const grant = firstGrant(fullSeconds, destination.ratePerMinute, availableMicros, settings);
  return decide.allow(accountId, destination, grant.grantedSeconds, grant.interimSeconds, {
    balance: fromMicros(account.balanceMicros),
    reserved: fromMicros(usage.reservedMicros),
    available: fromMicros(availableMicros),
    ratePerMinute: destination.ratePerMinute,
    boundBy,
    bounds: finiteBounds(bounds),
    reservation: fromMicros(grant.reservedMicros),
    sliced: grant.interimSeconds !== null,
  });
}

/** The longest entry of `prefixes` that `digits` starts with; lists here are per-account and short. */
function longestStartingPrefix(digits: string, prefixes: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const prefix of prefixes) {
    if (digits.startsWith(prefix) && (!best || prefix.length > best.length)) best = prefix;
  }
  return best;
}

function finiteBounds(bounds: Partial<Record<GrantBound, number>>): Partial<Record<GrantBound, number>> {
  const finite: Partial<Record<GrantBound, number>> = {};
  for (const bound of GRANT_BOUNDS) {
    const seconds = bounds[bound];
    if (seconds !== undefined && Number.isFinite(seconds)) finite[bound] = seconds;
  }
  return finite;
}

function decisionBuilder(sipResponses: SipResponseTable) {
  return {
    deny<R extends EngineDenyReason>(
      reason: R,
      accountId: string | null,
      destination: Destination | null,
      detail: string,
      evidence: EvidenceByReason[R],
    ): CallDecision<RuleEvidence<R>> {
      const sip = sipResponses[reason];
      return {
        decision: 'deny',
        reason,
        sipCode: sip.code,
        sipReason: sip.reason,
        accountId,
        destination,
        maxDurationSeconds: null,
        interimSeconds: null,
        rule: { rule: reason, step: stepOf(reason), detail, evidence },
      };
    },
    allow(accountId: string, destination: Destination, maxDurationSeconds: number, interimSeconds: number | null, evidence: EvidenceByReason['ALLOWED']): CallDecision<RuleEvidence<'ALLOWED'>> {
      const sip = sipResponses.ALLOWED;
      return {
        decision: 'allow',
        reason: 'ALLOWED',
        sipCode: sip.code,
        sipReason: sip.reason,
        accountId,
        destination,
        maxDurationSeconds,
        interimSeconds,
        rule: { rule: 'ALLOWED', step: stepOf('ALLOWED'), detail: `allowed for up to ${maxDurationSeconds}s`, evidence },
      };
    },
  };
}
