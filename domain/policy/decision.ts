/**
 * What the switch gets back for a call attempt: a decision, the stable reason code, the SIP response to send on
 * denial, the destination as Tollgate understood it, and the evidence of the rule that decided.
 */
export const DENY_REASONS = [
  'SOURCE_IP_BANNED',
  'ACCOUNT_NOT_FOUND',
  'ACCOUNT_SUSPENDED',
  'ACCOUNT_UNDER_REVIEW',
  'CREDENTIALS_DISABLED',
  'SOURCE_IP_NOT_ALLOWED',
  'INVALID_NUMBER',
  'NO_ROUTE',
  'DESTINATION_BLOCKED',
  'DESTINATION_RESTRICTED',
  'HIGH_RISK_DESTINATION',
  'INTERNATIONAL_DISABLED',
  'RATE_ABOVE_MAX',
  'VELOCITY_LIMIT',
  'CONCURRENCY_LIMIT',
  'SPEND_LIMIT',
  'INSUFFICIENT_BALANCE',
  'SERVICE_DEGRADED',
] as const;
export type DenyReason = (typeof DENY_REASONS)[number];
export type DecisionReason = DenyReason | 'ALLOWED';

export interface SipResponse {
  readonly code: number;
  readonly reason: string;
}

const FORBIDDEN: SipResponse = { code: 403, reason: 'Forbidden' };
const BUSY: SipResponse = { code: 486, reason: 'Busy Here' };
const PAYMENT: SipResponse = { code: 402, reason: 'Payment Required' };

/**
 * DESIGN.md's default mapping. 503 is deliberately absent: proxies read it as "try the next route".
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
  /** Position of the rule in the evaluation order (1-based); see EVALUATION_ORDER. */
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
