/**
 * Per-stage configuration: one typed, validated record per environment, chosen with `cdk ... -c stage=<stage>`.
 * Everything that differs between dev, staging and prod lives here and nowhere else in infra/.
 */
import * as z from 'zod';
import { DEFAULT_BAN_SETTINGS, DEFAULT_DETECTION } from '../domain/contract/detection-settings.js';
import { CREDENTIAL_REVOCATION_SECONDS } from '../domain/contract/routes.js';

export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** The retention periods CloudWatch Logs accepts (aws-logs RetentionDays, minus "infinite"). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const positiveInt = z.number().int().positive();

/**
 * Carrier-wide detection settings that an account's policy may override. Plain numbers, passed to the functions as
 * environment variables so they parse them without importing infra/:
 * - `destinations` as JSON in `TOLLGATE_DETECTION`, the shape of DetectionThresholds in
 *   domain/contract/detection-settings.ts (DETECTION_DEFAULTS below is typed by this schema and built from it);
 * - `ipBan` as the `TOLLGATE_BAN_*` variables functions/shared/config.ts reads.
 */
const detectionDefaultsSchema = z.strictObject({
  /**
   * Automatic destination restriction: within `windowMinutes`, `newDestinationAttempts` attempts to one destination
   * new to the account, or `newDestinationTotalAttempts` to new destinations together, restrict it. A country becomes
   * known after `knownAfterCompletedCalls` completed calls and `knownAfterHours` since the first.
   */
  destinations: z.strictObject({
    enabled: z.boolean(),
    windowMinutes: z.number().int().min(1).max(1440),
    newDestinationAttempts: positiveInt,
    newDestinationTotalAttempts: positiveInt,
    knownAfterCompletedCalls: positiveInt,
    knownAfterHours: z.number().min(0).max(8760),
    /** The most one call to an unusual destination may cost (bounds its duration); null for no bound. */
    unusualCallMaxCost: z.number().min(0).max(10_000).nullable(),
  }),
  /** `threshold` failed SIP authentications from one IP within `windowSeconds` ban it for `banSeconds`, doubling per repeat offence within `repeatWindowDays`, up to `maxBanSeconds`. */
  ipBan: z.strictObject({
    threshold: positiveInt,
    windowSeconds: positiveInt,
    banSeconds: positiveInt,
    maxBanSeconds: positiveInt,
    repeatWindowDays: positiveInt,
  }),
});

const stageConfigSchema = z
  .strictObject({
    stage: z.enum(STAGES),
    /** Pin the stacks to an account/region; omitted, the stacks are environment-agnostic (synth needs no AWS access). */
    env: z.strictObject({ account: z.string().regex(/^\d{12}$/), region: z.string().min(1) }).optional(),
    table: z.strictObject({
      deletionProtection: z.boolean(),
      removalPolicy: z.enum(['retain', 'destroy']),
    }),
    logs: z.strictObject({
      retentionDays: z.union(LOG_RETENTION_DAYS.map((days) => z.literal(days))),
      level: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
      removalPolicy: z.enum(['retain', 'destroy']),
    }),
    events: z.strictObject({
      /** How long the bus archive keeps events for replay. */
      archiveRetentionDays: positiveInt,
    }),
    /** What authorize does when a dependency is down and nothing is cached: `deny` answers 603, `allow` lets the call through. */
    failMode: z.enum(['deny', 'allow']),
    /** Days a decision stays in the table, queryable (`TOLLGATE_DECISION_TTL_DAYS`); at high volume the largest storage cost. */
    decisionRetentionDays: z.number().int().min(1).max(3650),
    /**
     * The long log: a full export of the table to S3 every `everyDays` (shorter than the retention, so every decision
     * is exported before it expires), each export kept `keepDays` (infra/stacks/stateful-stack.ts).
     */
    decisionExport: z.strictObject({ everyDays: z.number().int().min(1).max(30), keepDays: z.number().int().min(1).max(3650) }),
    detection: detectionDefaultsSchema,
    /**
     * Top-ups go through a payment-provider port whose only adapter so far is a simulator
     * (`TOLLGATE_SIMULATED_PAYMENTS`): `succeed` credits without charging anyone, so it must never reach prod.
     */
    payments: z.strictObject({ simulated: z.enum(['succeed', 'fail', 'unavailable']) }),
    /** Sender address for notification email through SES; without it email is off (`TOLLGATE_EMAIL_TRANSPORT=none`). */
    emailFrom: z.email().optional(),
    api: z.strictObject({
      throttle: z.strictObject({ rateLimit: positiveInt, burstLimit: positiveInt }),
      /**
       * Seconds API Gateway caches an authorizer answer per Authorization header; 0 turns the cache off. At most
       * CREDENTIAL_REVOCATION_SECONDS: HTTP APIs cannot flush that cache, so its TTL is how long a revoked or expired
       * credential may still pass.
       */
      authorizerCacheTtlSeconds: z.number().int().min(0).max(CREDENTIAL_REVOCATION_SECONDS),
      /** Optional custom domain; the certificate must be in the API's region. */
      domain: z.strictObject({ domainName: z.string().min(1), certificateArn: z.string().startsWith('arn:') }).optional(),
    }),
    functions: z.strictObject({
      defaultMemoryMb: z.number().int().min(128).max(10240),
      authorize: z.strictObject({
        memoryMb: z.number().int().min(128).max(10240),
        /** Concurrency held back for authorize so other functions can never starve the hot path; it is also its ceiling. */
        reservedConcurrency: positiveInt.optional(),
      }),
    }),
    alarms: z.strictObject({
      authorizeP99Ms: positiveInt,
      /** Function errors in 5 minutes, per function. */
      errorCount: positiveInt,
      /** Function throttles in 5 minutes, per function. */
      throttleCount: positiveInt,
      /** Visible messages in any dead-letter queue. */
      dlqDepth: positiveInt,
      /** Authorize denials across all accounts in 5 minutes: a spike means an attack or a broken policy. */
      denialsPer5Min: positiveInt,
      /** Optional address subscribed to the alarm topic (confirmation email is sent on deploy). */
      notificationEmail: z.email().optional(),
    }),
  })
  .refine((config) => config.table.removalPolicy === 'retain' || !config.table.deletionProtection, {
    message: 'a deletion-protected table must also be retained',
    path: ['table', 'removalPolicy'],
  })
  .refine((config) => config.decisionExport.everyDays < config.decisionRetentionDays, {
    message: 'decisions must be exported before they expire: everyDays below decisionRetentionDays',
    path: ['decisionExport', 'everyDays'],
  })
  .refine((config) => config.stage !== 'prod' || config.payments.simulated !== 'succeed', {
    message: 'prod must not top up balances through a simulator that always succeeds',
    path: ['payments', 'simulated'],
  });

export type StageConfig = z.infer<typeof stageConfigSchema>;
export type DetectionDefaults = StageConfig['detection'];

/** Decisions stay 14 days in the table; the weekly export keeps the 90-day log in S3 (docs/deploy.md, "What it costs"). */
const DECISION_RETENTION_DAYS = 14;
const DECISION_EXPORT = { everyDays: 7, keepDays: 90 };

/** The defaults the functions fall back to (domain/contract/detection-settings.ts), in the variables' units. */
const DETECTION_DEFAULTS: DetectionDefaults = {
  destinations: DEFAULT_DETECTION,
  ipBan: {
    threshold: DEFAULT_BAN_SETTINGS.threshold,
    windowSeconds: DEFAULT_BAN_SETTINGS.windowSeconds,
    banSeconds: DEFAULT_BAN_SETTINGS.baseSeconds,
    maxBanSeconds: DEFAULT_BAN_SETTINGS.maxSeconds,
    repeatWindowDays: DEFAULT_BAN_SETTINGS.repeatWindowSeconds / 86_400,
  },
};

const STAGE_CONFIGS: Record<Stage, StageConfig> = {
  dev: {
    stage: 'dev',
    table: { deletionProtection: false, removalPolicy: 'destroy' },
    logs: { retentionDays: 7, level: 'DEBUG', removalPolicy: 'destroy' },
    events: { archiveRetentionDays: 7 },
    failMode: 'deny',
    decisionRetentionDays: DECISION_RETENTION_DAYS,
    decisionExport: DECISION_EXPORT,
    detection: DETECTION_DEFAULTS,
    payments: { simulated: 'succeed' },
    api: { throttle: { rateLimit: 50, burstLimit: 100 }, authorizerCacheTtlSeconds: CREDENTIAL_REVOCATION_SECONDS },
    functions: { defaultMemoryMb: 512, authorize: { memoryMb: 1024 } },
    alarms: { authorizeP99Ms: 500, errorCount: 10, throttleCount: 10, dlqDepth: 1, denialsPer5Min: 500 },
  },
  staging: {
    stage: 'staging',
    table: { deletionProtection: false, removalPolicy: 'destroy' },
    logs: { retentionDays: 30, level: 'INFO', removalPolicy: 'destroy' },
    events: { archiveRetentionDays: 14 },
    failMode: 'deny',
    decisionRetentionDays: DECISION_RETENTION_DAYS,
    decisionExport: DECISION_EXPORT,
    detection: DETECTION_DEFAULTS,
    payments: { simulated: 'succeed' },
    api: { throttle: { rateLimit: 500, burstLimit: 1000 }, authorizerCacheTtlSeconds: CREDENTIAL_REVOCATION_SECONDS },
    functions: { defaultMemoryMb: 512, authorize: { memoryMb: 1024 } },
    alarms: { authorizeP99Ms: 250, errorCount: 5, throttleCount: 5, dlqDepth: 1, denialsPer5Min: 1000 },
  },
  prod: {
    stage: 'prod',
    table: { deletionProtection: true, removalPolicy: 'retain' },
    logs: { retentionDays: 90, level: 'INFO', removalPolicy: 'retain' },
    events: { archiveRetentionDays: 90 },
    failMode: 'deny',
    decisionRetentionDays: DECISION_RETENTION_DAYS,
    decisionExport: DECISION_EXPORT,
    detection: DETECTION_DEFAULTS,
    // No real payment provider exists yet: every top-up is declined (Top-up Failed, notified) rather than free credit.
    payments: { simulated: 'fail' },
    // 1,000 call attempts per second is the sizing target (docs/deploy.md); burst covers a busy-hour spike.
    api: { throttle: { rateLimit: 2000, burstLimit: 4000 }, authorizerCacheTtlSeconds: CREDENTIAL_REVOCATION_SECONDS },
    functions: { defaultMemoryMb: 512, authorize: { memoryMb: 1024, reservedConcurrency: 200 } },
    alarms: { authorizeP99Ms: 150, errorCount: 1, throttleCount: 1, dlqDepth: 1, denialsPer5Min: 5000 },
  },
};

/** Validates a raw config; exported so tests prove bad values are refused. */
export function parseStageConfig(raw: unknown): StageConfig {
  const result = stageConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(`Invalid stage config:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

/** Resolves the `stage` context value to its validated config; an unknown or missing stage throws. */
export function resolveStageConfig(stage: unknown): StageConfig {
  if (!isStage(stage)) {
    const given = stage === undefined ? 'no stage' : `unknown stage ${JSON.stringify(stage)}`;
    throw new Error(`Tollgate: ${given}. Pass -c stage=<${STAGES.join('|')}>, e.g. npx cdk synth -c stage=dev`);
  }
  return parseStageConfig(STAGE_CONFIGS[stage]);
}
