/**
 * The decision record as the authorize path stores it (`CALL#<callId>` / `DECISION`: `record`, and `completion`
 * once the call is settled), parsed on read by every adapter that reads it. Loose: fields added later are kept for
 * the access log, while the ones listed here must be readable. Records written before credit control have no
 * `interimSeconds` (read as null: the whole duration was granted).
 *
 * The rule's evidence is read with the schema of its reason and comes back typed (DecidedRule). Evidence in a shape
 * this version no longer writes (an earlier version's record) is kept exactly as stored (EarlierRuleEvidence): the
 * record stays readable, and a retried callId is answered with what was answered the first time.
 */
import * as z from 'zod';
import type { StoredCall, StoredCompletion } from '../../../domain/calls/ports.js';
import type { DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { callingWindowSchema, WEEKDAYS } from '../../../domain/policy/calling-hours.js';
import type { UnblockChange } from '../../../domain/policy/unblock-hints.js';
import {
  DECISION_REASONS,
  GRANT_BOUNDS,
  type DecisionReason,
  type EvidenceByReason,
  type RecordedRule,
  type RuleEvidence,
} from '../../../domain/policy/decision.js';
import { parseStored } from './stored-record.js';

const decisionReason = z.enum(DECISION_REASONS);

// Each schema lists its fields in the order the engine writes them (zod returns them in schema order), and keeps
// fields it does not list (the note of a decision made while degraded, a field added later).
const countries = z.array(z.string());
const degradedCause = z.enum(['unavailable', 'unverified-credential']);
const alreadyRestricted = z.looseObject({ restrictedBy: z.string(), newlyRestricted: z.literal(false), scope: z.literal('carrier').optional() });
const burstRestriction = z.looseObject({
  restrictedBy: z.string(),
  newlyRestricted: z.boolean(),
  trigger: z.enum(['destination-burst', 'new-destination-spray', 'unusual-spend']),
  attemptsToDestination: z.number(),
  unusualAttempts: z.number(),
  unusualCountries: countries,
  windowMinutes: z.number(),
  thresholds: z.looseObject({ newDestinationAttempts: z.number(), newDestinationTotalAttempts: z.number(), unusualPremiumSpendPerWeek: z.number().optional() }),
  unusualSpent: z.number().optional(),
});

const EVIDENCE_SCHEMAS: { readonly [R in DecisionReason]: z.ZodType<EvidenceByReason[R]> } = {
  SOURCE_IP_BANNED: z.looseObject({ sourceIp: z.string(), bannedUntil: z.string(), failures: z.number() }),
  ACCOUNT_NOT_FOUND: z.looseObject({ identifiedBy: z.enum(['accountId', 'techPrefix', 'sipUsername', 'nothing']), value: z.string().nullable() }),
  ACCOUNT_SUSPENDED: z.looseObject({ status: z.literal('suspended') }),
  ACCOUNT_UNDER_REVIEW: z.looseObject({ status: z.literal('under_review') }),
  CREDENTIALS_DISABLED: z.looseObject({ authMethod: z.literal('digest'), credentialsEnabled: z.literal(false) }),
  SOURCE_IP_NOT_ALLOWED: z.looseObject({ sourceIp: z.string(), allowedIps: z.array(z.string()) }),
  INVALID_NUMBER: z.looseObject({ dialled: z.string(), homeCountry: z.string() }),
  NO_ROUTE: z.looseObject({ e164: z.string(), rateDeckVersion: z.string() }),
  DESTINATION_BLOCKED: z.looseObject({ blockedBy: z.string() }),
  // The burst first: an already-restricted schema would also take a burst whose restriction lost its round.
  DESTINATION_RESTRICTED: z.union([burstRestriction, alreadyRestricted]),
  HIGH_RISK_DESTINATION: z.looseObject({ highRiskPrefix: z.string(), allowedHighRiskPrefixes: z.array(z.string()) }),
  INTERNATIONAL_DISABLED: z.looseObject({ homeCountry: z.string(), country: z.string(), whitelistCountries: countries }),
  RATE_ABOVE_MAX: z.looseObject({ ratePerMinute: z.number(), maxRatePerMinute: z.number(), whitelisted: z.boolean(), setBy: z.enum(['customer', 'carrier']).default('customer') }),
  OUTSIDE_CALLING_HOURS: z.looseObject({
    setBy: z.enum(['customer', 'carrier']),
    timezone: z.string(),
    appliesTo: z.enum(['international', 'all']),
    localTime: z.string(),
    weekday: z.enum(WEEKDAYS),
    nextWindow: z.object({ local: z.string(), utc: z.string() }).nullable(),
  }),
  VELOCITY_LIMIT: z.looseObject({ callsLastMinute: z.number(), callsPerMinute: z.number() }),
  CONCURRENCY_LIMIT: z.union([z.looseObject({ concurrentCalls: z.number(), limit: z.number() }), z.looseObject({ contention: z.literal(true) })]),
  SPEND_LIMIT: z.looseObject({ window: z.enum(['hour', 'day']), spent: z.number(), limit: z.number(), since: z.string().optional() }),
  INSUFFICIENT_BALANCE: z.looseObject({ balance: z.number(), reserved: z.number(), available: z.number(), minimumCost: z.number() }),
  ALLOWED: z.looseObject({
    balance: z.number(),
    reserved: z.number(),
    available: z.number(),
    ratePerMinute: z.number(),
    boundBy: z.enum(GRANT_BOUNDS),
    bounds: z.partialRecord(z.enum(GRANT_BOUNDS), z.number()),
    reservation: z.number(),
    sliced: z.boolean(),
  }),
  SERVICE_DEGRADED: z.union([
    z.looseObject({
      degraded: z.literal(true),
      cause: degradedCause,
      decidedOn: z.string(),
      failMode: z.literal('allow'),
      failOpenMaxSeconds: z.number(),
      balanceCheckedOn: z.string(),
    }),
    z.looseObject({ failMode: z.enum(['deny', 'allow']), cause: degradedCause, wouldAllow: z.literal(true).optional() }),
  ]),
};

const recordedRuleSchema: z.ZodType<RecordedRule> = z
  .object({ rule: decisionReason, step: z.number().int(), detail: z.string(), evidence: z.record(z.string(), z.unknown()) })
  .transform((stored) => typedRule(stored.rule, stored.step, stored.detail, stored.evidence) ?? stored);

/** The rule with its evidence read by its reason's schema; undefined when the evidence has another shape. */
function typedRule<R extends DecisionReason>(rule: R, step: number, detail: string, evidence: unknown): RuleEvidence<R> | undefined {
  const parsed = EVIDENCE_SCHEMAS[rule].safeParse(evidence);
  return parsed.success ? { rule, step, detail, evidence: parsed.data } : undefined;
}

const carrierOrCustomerPath = z.string().regex(/^(carrierPolicy\.)?[A-Za-z]+(\.[A-Za-z]+)*$/);
const actor = z.enum(['customer', 'admin', 'reviewer']);
const unblockChangeSchema: z.ZodType<UnblockChange> = z.union([
  z.object({ path: carrierOrCustomerPath, value: z.union([z.number(), z.boolean(), z.string()]), by: actor }),
  z.object({ path: carrierOrCustomerPath, add: z.union([z.string(), callingWindowSchema]), by: actor }),
  z.object({ path: carrierOrCustomerPath, remove: z.string(), by: actor }),
  z.object({ action: z.literal('credit'), amount: z.number(), by: z.literal('admin') }),
  z.object({ action: z.literal('review'), review: z.enum(['reactivate', 'clear-review', 'unblock-destination', 'lift-range-restriction']), destination: z.string().optional(), by: z.literal('reviewer') }),
]);

export const storedDecisionSchema: z.ZodType<DecisionRecord> = z.looseObject({
  decisionId: z.string().min(1),
  callId: z.string().min(1),
  decidedAt: z.iso.datetime(),
  request: z.looseObject({
    to: z.string(),
    from: z.string(),
    sourceIp: z.string(),
    authMethod: z.enum(['ip', 'digest']),
    accountId: z.string().optional(),
    techPrefix: z.string().optional(),
    sipUsername: z.string().optional(),
  }),
  decision: z.enum(['allow', 'deny']),
  reason: decisionReason,
  sipCode: z.number().int(),
  sipReason: z.string(),
  accountId: z.string().nullable(),
  destination: z.object({ e164: z.string(), country: z.string(), prefix: z.string(), description: z.string(), ratePerMinute: z.number() }).nullable(),
  maxDurationSeconds: z.number().nullable(),
  interimSeconds: z.number().nullable().default(null),
  rule: recordedRuleSchema,
  unblock: z.array(unblockChangeSchema).optional(),
  seen: z
    .object({
      balanceMicros: z.number(),
      usage: z.object({ callsLastMinute: z.number(), concurrentCalls: z.number(), spendLastHour: z.number(), spendToday: z.number(), unusualSpendLastWeek: z.number().optional(), reservedMicros: z.number() }),
      destinationKnown: z.boolean().optional(),
      destinationUsual: z.boolean().optional(),
    })
    .optional(),
});

const completionSchema: z.ZodType<StoredCompletion> = z.object({
  durationSeconds: z.number().int().min(0),
  endedAt: z.string(),
  completedAt: z.iso.datetime(),
  // Set when the charge is applied to the account (a claim carries only the report).
  chargedMicros: z.number().int().optional(),
  appliedAt: z.iso.datetime().optional(),
});

const storedCallSchema = z.object({ record: storedDecisionSchema, completion: completionSchema.optional() });

export function parseDecisionRecord(record: unknown, callId: string): DecisionRecord {
  return parseStored(storedDecisionSchema, record as Record<string, unknown>, `decision ${callId}`);
}

/** A decision item: its record and, once settled, its completion. */
export function parseStoredCall(item: Record<string, unknown>): StoredCall {
  const parsed = parseStored(storedCallSchema, item, `decision ${String(item.pk ?? '').replace(/^CALL#/, '')}`);
  return { record: parsed.record, completion: parsed.completion };
}
