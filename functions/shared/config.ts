/**
 * Runtime configuration, read once from the environment and validated: a bad value stops the function at start
 * with a message naming the variable, instead of misbehaving on the first call. Documented in the README.
 */
import { z } from 'zod';
import { DEFAULT_SIP_RESPONSES, type DecisionReason, type SipResponseTable } from '../../domain/policy/decision.js';

const integer = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const sipOverridesSchema = z
  .record(z.string(), z.object({ code: z.number().int().min(300).max(699), reason: z.string().min(1).max(64) }).strict())
  .superRefine((overrides, context) => {
    for (const key of Object.keys(overrides)) {
      if (!(key in DEFAULT_SIP_RESPONSES)) context.addIssue({ code: 'custom', path: [key], message: 'is not a decision reason' });
    }
  });

const environmentSchema = z.object({
  TABLE_NAME: z.string().min(1).default('tollgate'),
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  TOLLGATE_STAGE: z.string().default('local'),
  /** What authorize answers when DynamoDB cannot be reached: `deny` (603 Decline) or `allow` (capped duration). */
  TOLLGATE_FAIL_MODE: z.enum(['deny', 'allow']).default('deny'),
  TOLLGATE_FAIL_OPEN_MAX_SECONDS: integer(300, 1, 86_400),
  TOLLGATE_SIP_RESPONSES: z
    .string()
    .optional()
    .transform((text, context) => {
      if (!text) return {};
      try {
        return sipOverridesSchema.parse(JSON.parse(text));
      } catch (error) {
        context.addIssue({ code: 'custom', message: `must be JSON like {"INSUFFICIENT_BALANCE":{"code":403,"reason":"Forbidden"}}: ${String(error)}` });
        return z.NEVER;
      }
    }),
  TOLLGATE_MAX_CALL_SECONDS: integer(14_400, 60, 86_400),
  TOLLGATE_MIN_BILLABLE_SECONDS: integer(60, 0, 3_600),
  TOLLGATE_DECISION_TTL_DAYS: integer(90, 1, 3_650),
  TOLLGATE_REFERENCE_REFRESH_SECONDS: integer(30, 1, 3_600),
  TOLLGATE_ALIAS_CACHE_SECONDS: integer(60, 0, 3_600),
  TOLLGATE_MAX_BODY_BYTES: integer(65_536, 1_024, 10_485_760),
});

export interface RuntimeConfig {
  readonly tableName: string;
  readonly dynamoEndpoint: string | undefined;
  readonly region: string;
  readonly stage: string;
  readonly failMode: 'deny' | 'allow';
  readonly failOpenMaxSeconds: number;
  readonly sipResponses: SipResponseTable;
  readonly maxCallDurationSeconds: number;
  readonly minimumBillableSeconds: number;
  readonly decisionTtlDays: number;
  readonly referenceRefreshMs: number;
  readonly aliasCacheMs: number;
  readonly maxBodyBytes: number;
}

export class ConfigurationError extends Error {}

export function readConfig(environment: Record<string, string | undefined> = process.env): RuntimeConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  return {
    tableName: env.TABLE_NAME,
    dynamoEndpoint: env.DYNAMODB_ENDPOINT,
    region: env.AWS_REGION,
    stage: env.TOLLGATE_STAGE,
    failMode: env.TOLLGATE_FAIL_MODE,
    failOpenMaxSeconds: env.TOLLGATE_FAIL_OPEN_MAX_SECONDS,
    sipResponses: { ...DEFAULT_SIP_RESPONSES, ...(env.TOLLGATE_SIP_RESPONSES as Partial<Record<DecisionReason, { code: number; reason: string }>>) },
    maxCallDurationSeconds: env.TOLLGATE_MAX_CALL_SECONDS,
    minimumBillableSeconds: env.TOLLGATE_MIN_BILLABLE_SECONDS,
    decisionTtlDays: env.TOLLGATE_DECISION_TTL_DAYS,
    referenceRefreshMs: env.TOLLGATE_REFERENCE_REFRESH_SECONDS * 1000,
    aliasCacheMs: env.TOLLGATE_ALIAS_CACHE_SECONDS * 1000,
    maxBodyBytes: env.TOLLGATE_MAX_BODY_BYTES,
  };
}
