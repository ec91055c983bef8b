/**
 * The decision record as the authorize path stores it (`CALL#<callId>` / `DECISION`: `record`, and `completion`
 * once the call is settled), parsed on read by every adapter that reads it. Loose: fields added later are kept for
 * the access log, while the ones listed here must be readable. Records written before credit control have no
 * `interimSeconds` (read as null: the whole duration was granted).
 */
import * as z from 'zod';
import type { StoredCall, StoredCompletion } from '../../../domain/calls/ports.js';
import type { DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { DECISION_REASONS } from '../../../domain/policy/decision.js';
import { parseStored } from './stored-record.js';

const decisionReason = z.enum(DECISION_REASONS);

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
  rule: z.object({ rule: decisionReason, step: z.number().int(), detail: z.string(), evidence: z.record(z.string(), z.unknown()) }),
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
