/**
 * Runtime configuration, read once from the environment and validated: a bad value stops the function at start
 * with a message naming the variable, instead of misbehaving on the first call. Documented in the README.
 */
import * as z from 'zod';
import { DEFAULT_SIP_RESPONSES, type DecisionReason, type SipResponseTable } from '../../domain/policy/decision.js';
import { DEFAULT_BAN_SETTINGS, DEFAULT_DETECTION, DEFAULT_RANGE_WATCH, type DetectionThresholds, type RangeWatchSettings } from '../../domain/contract/detection-settings.js';
import { MAX_CARRIABLE_BODY_BYTES } from '../../domain/contract/routes.js';

/** Stages whose webhooks carry real customers' events over the internet. */
const HTTPS_ONLY_STAGES: readonly string[] = ['staging', 'prod'];

const integer = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const sipOverridesSchema = z
  .record(z.string(), z.object({ code: z.number().int().min(300).max(699), reason: z.string().min(1).max(64) }).strict())
  .superRefine((overrides, context) => {
    for (const key of Object.keys(overrides)) {
      if (!(key in DEFAULT_SIP_RESPONSES)) context.addIssue({ code: 'custom', path: [key], message: 'is not a decision reason' });
    }
  });

const detectionSchema = z
  .object({
    enabled: z.boolean(),
    windowMinutes: z.number().int().min(1).max(1_440),
    newDestinationAttempts: z.number().int().min(1).max(10_000),
    newDestinationTotalAttempts: z.number().int().min(1).max(10_000),
    knownAfterCompletedCalls: z.number().int().min(1).max(10_000),
    knownAfterHours: z.number().min(0).max(8_760),
    knownAfterDistinctDays: z.number().int().min(1).max(366),
    knownMaxRatePerMinute: z.number().min(0).max(100).nullable(),
    unusualCallMaxCost: z.number().min(0).max(10_000).nullable(),
    unusualPremiumCallMaxCost: z.number().min(0).max(10_000).nullable(),
    unusualPremiumSpendPerWeek: z.number().min(0).max(1_000_000).nullable(),
  })
  .partial()
  .strict();

const rangeWatchSchema = z
  .object({
    enabled: z.boolean(),
    windowMinutes: z.number().int().min(1).max(1_440),
    distinctAccounts: z.number().int().min(1).max(100_000),
    shards: z.number().int().min(1).max(64),
    minRatePerMinute: z.number().min(0).max(100).nullable(),
  })
  .partial()
  .strict();

function jsonOf<T>(schema: z.ZodType<T>, example: string) {
  return z
    .string()
    .optional()
    .transform((text, context): T | undefined => {
      if (!text) return undefined;
      try {
        return schema.parse(JSON.parse(text));
      } catch (error) {
        context.addIssue({ code: 'custom', message: `must be JSON like ${example}: ${String(error)}` });
        return z.NEVER;
      }
    });
}

const environmentSchema = z.object({
  TABLE_NAME: z.string().min(1).default('tollgate'),
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  TOLLGATE_STAGE: z.string().default('local'),
  /** What authorize answers when DynamoDB cannot be reached: `deny` (603 Decline) or `allow` (capped duration). */
  TOLLGATE_FAIL_MODE: z.enum(['deny', 'allow']).default('deny'),
  TOLLGATE_FAIL_OPEN_MAX_SECONDS: integer(300, 1, 86_400),
  /** Authorize answers within this budget whatever the database does (the switch gives up after about 1 s). */
  TOLLGATE_AUTHORIZE_BUDGET_MS: integer(500, 50, 5_000),
  /** Every DynamoDB request: connection and silence deadlines. */
  TOLLGATE_DYNAMODB_CONNECT_TIMEOUT_MS: integer(500, 50, 10_000),
  /** How long the authorizer waits for a credential before the database counts as unavailable for that request. */
  TOLLGATE_CREDENTIAL_LOOKUP_BUDGET_MS: integer(1_000, 50, 10_000),
  TOLLGATE_DYNAMODB_REQUEST_TIMEOUT_MS: integer(2_000, 100, 60_000),
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
  TOLLGATE_DECISION_TTL_DAYS: integer(14, 1, 3_650),
  TOLLGATE_REFERENCE_REFRESH_SECONDS: integer(5, 1, 3_600),
  TOLLGATE_ALIAS_CACHE_SECONDS: integer(60, 0, 3_600),
  TOLLGATE_MAX_BODY_BYTES: integer(65_536, 1_024, MAX_CARRIABLE_BODY_BYTES),
  /** How long a process decides on its copy of an account before reading it again (each write still checks its version). */
  TOLLGATE_ACCOUNT_CACHE_SECONDS: integer(60, 0, 3_600),
  /** How often each process reloads the active IP bans it holds in memory. */
  TOLLGATE_BAN_REFRESH_SECONDS: integer(5, 1, 300),
  // Credit control for live calls (domain/calls/credit-control.ts).
  TOLLGATE_CREDIT_SLICE_SECONDS: integer(180, 30, 86_400),
  TOLLGATE_FULL_GRANT_SHARE: z.coerce.number().min(0).max(1).default(0.25),
  TOLLGATE_INTERIM_LEAD_SECONDS: integer(30, 5, 3_600),
  TOLLGATE_RESERVATION_GRACE_SECONDS: integer(120, 30, 86_400),
  /** Carrier-wide detection defaults (JSON, any subset of DEFAULT_DETECTION's fields). */
  TOLLGATE_DETECTION: jsonOf(detectionSchema, '{"newDestinationAttempts":4,"windowMinutes":10}'),
  /** Carrier-wide range watch (JSON, any subset of DEFAULT_RANGE_WATCH's fields). */
  TOLLGATE_RANGE_WATCH: jsonOf(rangeWatchSchema, '{"distinctAccounts":5,"windowMinutes":60}'),
  // IP auto-ban (POST /v1/auth-failures): N failures inside the window ban the IP; each repeat offence inside the
  // repeat window doubles the ban, up to the maximum.
  TOLLGATE_BAN_THRESHOLD: integer(DEFAULT_BAN_SETTINGS.threshold, 1, 1_000),
  TOLLGATE_BAN_WINDOW_SECONDS: integer(DEFAULT_BAN_SETTINGS.windowSeconds, 10, 86_400),
  TOLLGATE_BAN_SECONDS: integer(DEFAULT_BAN_SETTINGS.baseSeconds, 10, 2_592_000),
  TOLLGATE_BAN_MAX_SECONDS: integer(DEFAULT_BAN_SETTINGS.maxSeconds, 10, 31_536_000),
  TOLLGATE_BAN_REPEAT_WINDOW_DAYS: integer(DEFAULT_BAN_SETTINGS.repeatWindowSeconds / 86_400, 1, 365),
  /** How long the peer index (who allows which IP) is kept in memory by the auth-failures path. */
  TOLLGATE_PEER_INDEX_CACHE_SECONDS: integer(10, 0, 300),
  /** The simulated payment provider's behaviour (the only provider so far): `succeed`, `fail` (declines), `unavailable` (throws). */
  TOLLGATE_SIMULATED_PAYMENTS: z.enum(['succeed', 'fail', 'unavailable']).default('succeed'),
  TOLLGATE_WEBHOOK_TIMEOUT_MS: integer(3_000, 100, 30_000),
  /** Accept and deliver webhooks to loopback/private/link-local (any non-public) addresses; true on the local stage only by default. */
  TOLLGATE_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).optional(),
  /** `outbox` appends JSON lines to a file, `ses` sends through SES v2, `none` drops; default outbox locally, ses elsewhere. */
  TOLLGATE_EMAIL_TRANSPORT: z.enum(['outbox', 'ses', 'none']).optional(),
  TOLLGATE_EMAIL_FROM: z.email().optional(),
  TOLLGATE_DATA_DIR: z.string().min(1).default('./.data'),
  /**
   * How webhook signing secrets are encrypted at rest: `kms` (a customer-managed key, TOLLGATE_WEBHOOK_SECRET_KEY_ID)
   * or `local` (AES-256-GCM with a key file in TOLLGATE_DATA_DIR, for npm start and the tests). Default: `local` on
   * the local stage, `kms` elsewhere.
   */
  TOLLGATE_WEBHOOK_SECRET_CIPHER: z.enum(['kms', 'local']).optional(),
  TOLLGATE_WEBHOOK_SECRET_KEY_ID: z.string().min(1).optional(),
  TOLLGATE_EMAIL_OUTBOX_FILE: z.string().min(1).optional(),
  /**
   * With a front door: the value CloudFront sends in the `x-tollgate-origin` header; the authorizer refuses a request
   * without it. Unset (no front door: dev, the local stack, tests): no origin header is required.
   */
  TOLLGATE_ORIGIN_HEADER_SECRET: z.string().min(16, 'must be at least 16 characters (generate 32 or more)').optional(),
});

export interface RuntimeConfig {
  readonly tableName: string;
  readonly dynamoEndpoint: string | undefined;
  readonly region: string;
  readonly stage: string;
  readonly failMode: 'deny' | 'allow';
  readonly failOpenMaxSeconds: number;
  readonly authorizeBudgetMs: number;
  readonly dynamoConnectTimeoutMs: number;
  readonly credentialLookupBudgetMs: number;
  readonly dynamoRequestTimeoutMs: number;
  readonly sipResponses: SipResponseTable;
  readonly maxCallDurationSeconds: number;
  readonly minimumBillableSeconds: number;
  readonly decisionTtlDays: number;
  readonly referenceRefreshMs: number;
  readonly aliasCacheMs: number;
  readonly maxBodyBytes: number;
  readonly accountCacheMs: number;
  readonly banRefreshMs: number;
  readonly credit: {
    readonly creditSliceSeconds: number;
    readonly fullGrantShare: number;
    readonly interimLeadSeconds: number;
    readonly reservationGraceSeconds: number;
  };
  readonly detection: DetectionThresholds;
  readonly rangeWatch: RangeWatchSettings;
  readonly bans: {
    readonly threshold: number;
    readonly windowSeconds: number;
    readonly baseSeconds: number;
    readonly maxSeconds: number;
    readonly repeatWindowSeconds: number;
  };
  readonly peerIndexCacheMs: number;
  readonly simulatedPayments: 'succeed' | 'fail' | 'unavailable';
  readonly webhookTimeoutMs: number;
  readonly webhookAllowPrivateHosts: boolean;
  /** Staging and prod accept and deliver https webhooks only. */
  readonly webhookRequireHttps: boolean;
  readonly email: { readonly transport: 'outbox' | 'ses' | 'none'; readonly from: string | undefined; readonly outboxFile: string };
  /** Webhook signing secrets at rest (functions/adapters/secrets/secret-cipher.ts). */
  readonly webhookSecretCipher: { readonly kind: 'kms'; readonly keyId: string | undefined } | { readonly kind: 'local'; readonly keyFile: string };
  /** The origin header's value the authorizer requires (the front door's CloudFront sends it); undefined: none. */
  readonly originHeaderSecret: string | undefined;
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
    authorizeBudgetMs: env.TOLLGATE_AUTHORIZE_BUDGET_MS,
    dynamoConnectTimeoutMs: env.TOLLGATE_DYNAMODB_CONNECT_TIMEOUT_MS,
    credentialLookupBudgetMs: env.TOLLGATE_CREDENTIAL_LOOKUP_BUDGET_MS,
    dynamoRequestTimeoutMs: env.TOLLGATE_DYNAMODB_REQUEST_TIMEOUT_MS,
    sipResponses: { ...DEFAULT_SIP_RESPONSES, ...(env.TOLLGATE_SIP_RESPONSES as Partial<Record<DecisionReason, { code: number; reason: string }>>) },
    maxCallDurationSeconds: env.TOLLGATE_MAX_CALL_SECONDS,
    minimumBillableSeconds: env.TOLLGATE_MIN_BILLABLE_SECONDS,
    decisionTtlDays: env.TOLLGATE_DECISION_TTL_DAYS,
    referenceRefreshMs: env.TOLLGATE_REFERENCE_REFRESH_SECONDS * 1000,
    aliasCacheMs: env.TOLLGATE_ALIAS_CACHE_SECONDS * 1000,
    maxBodyBytes: env.TOLLGATE_MAX_BODY_BYTES,
    accountCacheMs: env.TOLLGATE_ACCOUNT_CACHE_SECONDS * 1000,
    banRefreshMs: env.TOLLGATE_BAN_REFRESH_SECONDS * 1000,
    credit: {
      creditSliceSeconds: env.TOLLGATE_CREDIT_SLICE_SECONDS,
      fullGrantShare: env.TOLLGATE_FULL_GRANT_SHARE,
      interimLeadSeconds: env.TOLLGATE_INTERIM_LEAD_SECONDS,
      reservationGraceSeconds: env.TOLLGATE_RESERVATION_GRACE_SECONDS,
    },
    detection: { ...DEFAULT_DETECTION, ...env.TOLLGATE_DETECTION },
    rangeWatch: { ...DEFAULT_RANGE_WATCH, ...env.TOLLGATE_RANGE_WATCH },
    bans: {
      threshold: env.TOLLGATE_BAN_THRESHOLD,
      windowSeconds: env.TOLLGATE_BAN_WINDOW_SECONDS,
      baseSeconds: env.TOLLGATE_BAN_SECONDS,
      maxSeconds: Math.max(env.TOLLGATE_BAN_MAX_SECONDS, env.TOLLGATE_BAN_SECONDS),
      repeatWindowSeconds: env.TOLLGATE_BAN_REPEAT_WINDOW_DAYS * 86_400,
    },
    peerIndexCacheMs: env.TOLLGATE_PEER_INDEX_CACHE_SECONDS * 1000,
    simulatedPayments: env.TOLLGATE_SIMULATED_PAYMENTS,
    webhookTimeoutMs: env.TOLLGATE_WEBHOOK_TIMEOUT_MS,
    webhookAllowPrivateHosts: (env.TOLLGATE_WEBHOOK_ALLOW_PRIVATE ?? (env.TOLLGATE_STAGE === 'local' ? 'true' : 'false')) === 'true',
    webhookRequireHttps: HTTPS_ONLY_STAGES.includes(env.TOLLGATE_STAGE),
    email: {
      transport: env.TOLLGATE_EMAIL_TRANSPORT ?? (env.TOLLGATE_STAGE === 'local' ? 'outbox' : 'ses'),
      from: env.TOLLGATE_EMAIL_FROM,
      outboxFile: env.TOLLGATE_EMAIL_OUTBOX_FILE ?? `${env.TOLLGATE_DATA_DIR.replace(/\/+$/, '')}/email-outbox.jsonl`,
    },
    webhookSecretCipher:
      (env.TOLLGATE_WEBHOOK_SECRET_CIPHER ?? (env.TOLLGATE_STAGE === 'local' ? 'local' : 'kms')) === 'local'
        ? { kind: 'local', keyFile: `${env.TOLLGATE_DATA_DIR.replace(/\/+$/, '')}/webhook-secret.key` }
        : { kind: 'kms', keyId: env.TOLLGATE_WEBHOOK_SECRET_KEY_ID },
    originHeaderSecret: env.TOLLGATE_ORIGIN_HEADER_SECRET,
  };
}
