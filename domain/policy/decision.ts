/**
 * What the switch gets back for a call attempt: a decision, the stable reason code, the SIP response to send on
 * denial, the destination as Tollgate understood it, and the evidence of the rule that decided.
 */
import type { Weekday } from './calling-hours.js';

/**
 * The rules in the order they run; the first that denies decides (README, "How a call is decided"). Step n is the
 * n-th entry, and a step may deny with more than one reason. This table is the one source of the deny reasons, of
 * each reason's step (`stepOf`) and of the order the engine runs its rules in: each name is one of the rule
 * functions of domain/policy/evaluate-call.ts, run in this order.
 */
export const RULE_STEPS = [
  { name: 'sourceNotBanned', reasons: ['SOURCE_IP_BANNED'] },
  { name: 'accountFound', reasons: ['ACCOUNT_NOT_FOUND'] },
  { name: 'accountActive', reasons: ['ACCOUNT_SUSPENDED', 'ACCOUNT_UNDER_REVIEW'] },
  { name: 'authMethodAllowed', reasons: ['CREDENTIALS_DISABLED', 'SOURCE_IP_NOT_ALLOWED'] },
  { name: 'possibleNumber', reasons: ['INVALID_NUMBER'] },
  { name: 'routeFound', reasons: ['NO_ROUTE'] },
  { name: 'notBlocked', reasons: ['DESTINATION_BLOCKED'] },
  { name: 'notRestricted', reasons: ['DESTINATION_RESTRICTED'] },
  { name: 'notHighRisk', reasons: ['HIGH_RISK_DESTINATION'] },
  { name: 'internationalAllowed', reasons: ['INTERNATIONAL_DISABLED'] },
  { name: 'rateWithinMaximum', reasons: ['RATE_ABOVE_MAX'] },
  { name: 'withinCallingHours', reasons: ['OUTSIDE_CALLING_HOURS'] },
  { name: 'velocityWithinLimit', reasons: ['VELOCITY_LIMIT'] },
  { name: 'concurrencyWithinLimit', reasons: ['CONCURRENCY_LIMIT'] },
  { name: 'spendWithinLimits', reasons: ['SPEND_LIMIT'] },
  { name: 'balanceCovers', reasons: ['INSUFFICIENT_BALANCE'] },
  { name: 'grant', reasons: ['ALLOWED'] },
] as const;

/** Decided outside the order, when the database cannot be reached (domain/policy/degraded-decision.ts): step 0. */
const OUTSIDE_THE_ORDER = ['SERVICE_DEGRADED'] as const;

export type RuleName = (typeof RULE_STEPS)[number]['name'];
export type DecisionReason = (typeof RULE_STEPS)[number]['reasons'][number] | (typeof OUTSIDE_THE_ORDER)[number];
export type DenyReason = Exclude<DecisionReason, 'ALLOWED'>;

export const DECISION_REASONS: readonly DecisionReason[] = [...RULE_STEPS.flatMap((step) => step.reasons), ...OUTSIDE_THE_ORDER];
export const DENY_REASONS: readonly DenyReason[] = DECISION_REASONS.filter((reason): reason is DenyReason => reason !== 'ALLOWED');

const STEP_OF_REASON = new Map<DecisionReason, number>();
RULE_STEPS.forEach((step, index) => {
  for (const reason of step.reasons) STEP_OF_REASON.set(reason, index + 1);
});

/** The 1-based step of the rule that decides with `reason`; 0 for a decision made outside the order. */
export function stepOf(reason: DecisionReason): number {
  return STEP_OF_REASON.get(reason) ?? 0;
}

export interface SipResponse {
  readonly code: number;
  readonly reason: string;
}

const FORBIDDEN: SipResponse = { code: 403, reason: 'Forbidden' };
const BUSY: SipResponse = { code: 486, reason: 'Busy Here' };
const PAYMENT: SipResponse = { code: 402, reason: 'Payment Required' };

/**
 * The default SIP response of each reason (the README's table in "How a call is decided"). 503 is deliberately
 * absent: proxies read it as "try the next route".
 * A carrier overrides entries through configuration (see functions/shared/config.ts).
 */
export const DEFAULT_SIP_RESPONSES: Readonly<Record<DecisionReason, SipResponse>> = {
  ALLOWED: { code: 200, reason: 'OK' },
  SOURCE_IP_BANNED: FORBIDDEN,
  ACCOUNT_NOT_FOUND: FORBIDDEN,
  ACCOUNT_SUSPENDED: FORBIDDEN,
  ACCOUNT_UNDER_REVIEW: FORBIDDEN,
  CREDENTIALS_DISABLED: FORBIDDEN,
  SOURCE_IP_NOT_ALLOWED: FORBIDDEN,
  INVALID_NUMBER: { code: 484, reason: 'Address Incomplete' },
  NO_ROUTE: { code: 404, reason: 'Not Found' },
  DESTINATION_BLOCKED: FORBIDDEN,
  DESTINATION_RESTRICTED: FORBIDDEN,
  HIGH_RISK_DESTINATION: FORBIDDEN,
  INTERNATIONAL_DISABLED: FORBIDDEN,
  RATE_ABOVE_MAX: FORBIDDEN,
  OUTSIDE_CALLING_HOURS: FORBIDDEN,
  VELOCITY_LIMIT: BUSY,
  CONCURRENCY_LIMIT: BUSY,
  SPEND_LIMIT: PAYMENT,
  INSUFFICIENT_BALANCE: PAYMENT,
  SERVICE_DEGRADED: { code: 603, reason: 'Decline' },
};

export type SipResponseTable = Readonly<Record<DecisionReason, SipResponse>>;

export interface Destination {
  readonly e164: string;
  readonly country: string;
  readonly prefix: string;
  readonly description: string;
  readonly ratePerMinute: number;
}

/** The reasons the pure engine (evaluate-call.ts) decides with: every one but SERVICE_DEGRADED. */
export type EngineReason = Exclude<DecisionReason, 'SERVICE_DEGRADED'>;
export type EngineDenyReason = Exclude<EngineReason, 'ALLOWED'>;

/** An automatic restriction already in place, or on the account's list (`restrictedBy` is a country or a prefix). */
export type AlreadyRestricted = {
  readonly restrictedBy: string;
  readonly newlyRestricted: false;
  /** `carrier`: a range the range watch restricted for every account to which it is unusual; absent: the account's own. */
  readonly scope?: 'carrier';
};

/**
 * The attempt that crossed a burst threshold (domain/profiling/destination-detection.ts) and restricts its
 * destination. `newlyRestricted` is false when the restriction could not be written in the same round (contention).
 */
export type BurstRestriction = {
  readonly restrictedBy: string;
  readonly newlyRestricted: boolean;
  /** `unusual-spend`: the account's calls to unusual destinations used up the carrier's `unusualPremiumSpendPerWeek`. */
  readonly trigger: 'destination-burst' | 'new-destination-spray' | 'unusual-spend';
  /** Sliding-window estimates, rounded to hundredths. */
  readonly attemptsToDestination: number;
  readonly unusualAttempts: number;
  readonly unusualCountries: readonly string[];
  readonly windowMinutes: number;
  readonly thresholds: { readonly newDestinationAttempts: number; readonly newDestinationTotalAttempts: number; readonly unusualPremiumSpendPerWeek?: number };
  /** Reserved plus settled spend on unusual destinations in the last 7 days, as seen (trigger `unusual-spend`). */
  readonly unusualSpent?: number;
};

/**
 * What bounds an allowed call's duration (evaluate-call.ts, the grant), in the order the evidence lists them: the
 * tightest decides, the first listed on a tie.
 */
export const GRANT_BOUNDS = ['carrierCap', 'balance', 'spendPerHour', 'spendPerDay', 'unusualDestination'] as const;
export type GrantBound = (typeof GRANT_BOUNDS)[number];

/** Amounts in currency units (not micros), as the switch and the customer read them. */
export type GrantEvidence = {
  readonly balance: number;
  readonly reserved: number;
  readonly available: number;
  readonly ratePerMinute: number;
  readonly boundBy: GrantBound;
  /** Seconds each bound allows; unbounded ones (a free destination) are left out. */
  readonly bounds: Readonly<Partial<Record<GrantBound, number>>>;
  readonly reservation: number;
  readonly sliced: boolean;
};

export type DegradedCause = 'unavailable' | 'unverified-credential';

/** Added to the evidence of the engine's denial when it was made without the database, on what the process held. */
export type DegradedNote = { readonly degraded: true; readonly cause: DegradedCause; readonly decidedOn: string };

/**
 * The evidence each reason carries: the facts its rule looked at, so a customer or an analyst can see why. The
 * shapes are part of the contract: switches, the access log and the fraud desk read them.
 */
export interface EvidenceByReason {
  SOURCE_IP_BANNED: { readonly sourceIp: string; readonly bannedUntil: string; readonly failures: number };
  ACCOUNT_NOT_FOUND: { readonly identifiedBy: 'accountId' | 'techPrefix' | 'sipUsername' | 'nothing'; readonly value: string | null };
  ACCOUNT_SUSPENDED: { readonly status: 'suspended' };
  ACCOUNT_UNDER_REVIEW: { readonly status: 'under_review' };
  CREDENTIALS_DISABLED: { readonly authMethod: 'digest'; readonly credentialsEnabled: false };
  SOURCE_IP_NOT_ALLOWED: { readonly sourceIp: string; readonly allowedIps: readonly string[] };
  INVALID_NUMBER: { readonly dialled: string; readonly homeCountry: string };
  NO_ROUTE: { readonly e164: string; readonly rateDeckVersion: string };
  DESTINATION_BLOCKED: { readonly blockedBy: string };
  DESTINATION_RESTRICTED: AlreadyRestricted | BurstRestriction;
  HIGH_RISK_DESTINATION: { readonly highRiskPrefix: string; readonly allowedHighRiskPrefixes: readonly string[] };
  INTERNATIONAL_DISABLED: { readonly homeCountry: string; readonly country: string; readonly whitelistCountries: readonly string[] };
  /** A whitelisted country is never refused for its rate: `whitelisted` is always false here. */
  /**
   * `setBy: 'customer'`: the account's own maximum, which a whitelisted country is never refused for (`whitelisted` is
   * false). `setBy: 'carrier'`: the carrier's ceiling, which holds for whitelisted countries too.
   */
  RATE_ABOVE_MAX: { readonly ratePerMinute: number; readonly maxRatePerMinute: number; readonly whitelisted: boolean; readonly setBy: 'customer' | 'carrier' };
  /**
   * The first set of calling windows the call is outside of (the customer's, then the carrier's), the account's wall
   * clock in that set's zone, and when every window set that applies to the call is next open (null: not within 8 days).
   */
  OUTSIDE_CALLING_HOURS: {
    readonly setBy: 'customer' | 'carrier';
    readonly timezone: string;
    readonly appliesTo: 'international' | 'all';
    readonly localTime: string;
    readonly weekday: Weekday;
    readonly nextWindow: { readonly local: string; readonly utc: string } | null;
  };
  VELOCITY_LIMIT: { readonly callsLastMinute: number; readonly callsPerMinute: number };
  /** The limit reached, or too many simultaneous attempts on the account (authorize-call.ts, after lost races). */
  CONCURRENCY_LIMIT: { readonly concurrentCalls: number; readonly limit: number } | { readonly contention: true };
  /**
   * `window`: the sliding 60 minutes (`hour`) or 24 hours (`day`); `spent`: reserved plus settled spend counted in it,
   * since `since` (the start of its oldest bucket: up to 5 minutes / 1 hour more than the span); `limit` the
   * account's spendPerHour / spendPerDay. Records written before the sliding windows have no `since`.
   */
  SPEND_LIMIT: { readonly window: 'hour' | 'day'; readonly spent: number; readonly limit: number; readonly since?: string };
  INSUFFICIENT_BALANCE: { readonly balance: number; readonly reserved: number; readonly available: number; readonly minimumCost: number };
  ALLOWED: GrantEvidence;
  /** Refused because of the outage (fail mode deny, no reference data, an unverified credential), or let through (fail mode allow). */
  SERVICE_DEGRADED:
    | { readonly failMode: 'deny' | 'allow'; readonly cause: DegradedCause; readonly wouldAllow?: true }
    | (DegradedNote & { readonly failMode: 'allow'; readonly failOpenMaxSeconds: number; readonly balanceCheckedOn: string });
}

/** The rule that decided, and the facts it looked at; `rule` tells the shape of `evidence`. */
export type RuleEvidence<R extends DecisionReason = DecisionReason> = {
  [P in R]: {
    readonly rule: P;
    /** Position of the rule in the evaluation order (1-based; 0 outside it): `stepOf(rule)`, see RULE_STEPS. */
    readonly step: number;
    readonly detail: string;
    readonly evidence: EvidenceByReason[P];
  };
}[R];

/** An engine's denial made while degraded (domain/policy/degraded-decision.ts): its evidence and the note. */
export type NotedRuleEvidence<R extends EngineDenyReason = EngineDenyReason> = {
  [P in R]: { readonly rule: P; readonly step: number; readonly detail: string; readonly evidence: EvidenceByReason[P] & DegradedNote };
}[R];

/** Every rule a decision made by this version can carry. */
export type DecidedRule = RuleEvidence | NotedRuleEvidence;

/**
 * A rule read back from a decision record written by an earlier version whose evidence had another shape: kept as
 * stored, for the access log and for answering a retried callId with the decision it was given.
 */
export interface EarlierRuleEvidence {
  readonly rule: DecisionReason;
  readonly step: number;
  readonly detail: string;
  readonly evidence: Readonly<Record<string, unknown>>;
}

/** The rule of a stored decision: typed when its evidence has this version's shape, as stored otherwise. */
export type RecordedRule = DecidedRule | EarlierRuleEvidence;

export interface CallDecision<Rule extends RecordedRule = DecidedRule> {
  readonly decision: 'allow' | 'deny';
  readonly reason: DecisionReason;
  readonly sipCode: number;
  readonly sipReason: string;
  readonly accountId: string | null;
  readonly destination: Destination | null;
  /** Talk time granted from the answer; the switch ends the call when it runs out unless an interim update extends it. */
  readonly maxDurationSeconds: number | null;
  /** Send an interim update this many seconds after the answer; null when the whole duration is granted up front. */
  readonly interimSeconds: number | null;
  readonly rule: Rule;
}
