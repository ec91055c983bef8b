/**
 * What the switch gets back for a call attempt: a decision, the stable reason code, the SIP response to send on
 * denial, the destination as Tollgate understood it, and the evidence of the rule that decided.
 */

/**
 * The rules in the order they run; the first that denies decides (README, "How a call is decided"). Step n is the
 * n-th entry, and a step may deny with more than one reason. This table is the one source of the deny reasons and
 * of each reason's step (`stepOf`).
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

/** The rule that decided, and the facts it looked at, so a customer or an analyst can see why. */
export interface RuleEvidence {
  readonly rule: DecisionReason;
  /** Position of the rule in the evaluation order (1-based; 0 outside it): `stepOf(rule)`, see RULE_STEPS. */
  readonly step: number;
  readonly detail: string;
  readonly evidence: Readonly<Record<string, unknown>>;
}

export interface CallDecision {
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
  readonly rule: RuleEvidence;
}
