/**
 * Per-stage configuration: one typed, validated record per environment, chosen with `cdk ... -c stage=<stage>`.
 * Everything that differs between dev, staging and prod lives here and nowhere else in infra/.
 */
import { z } from 'zod';

export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** The retention periods CloudWatch Logs accepts (aws-logs RetentionDays, minus "infinite"). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const positiveInt = z.number().int().positive();

/**
 * Detection defaults handed to the functions as JSON in `TOLLGATE_DETECTION_DEFAULTS`: carrier-wide values an
 * account's own policy may override. Plain numbers, so the functions parse them without importing infra/.
 */
const detectionDefaultsSchema = z.strictObject({
  /** A destination new to the account is restricted once it sees `attempts` attempts within `windowMinutes`. */
  newDestinationBurst: z.strictObject({ attempts: positiveInt, windowMinutes: positiveInt }),
  /** `failures` failed SIP authentications from one IP within `windowMinutes` ban it for `banMinutes`, times `repeatMultiplier` per repeat offence, capped at `maxBanMinutes`. */
  ipBan: z.strictObject({
    failures: positiveInt,
    windowMinutes: positiveInt,
    banMinutes: positiveInt,
    repeatMultiplier: z.number().min(1),
    maxBanMinutes: positiveInt,
  }),
  /** Velocity limits applied to accounts whose policy sets none; spend is in the account's currency units. */
  velocity: z.strictObject({
    callsPerMinute: positiveInt,
    concurrentCalls: positiveInt,
    spendPerHour: z.number().positive(),
    spendPerDay: z.number().positive(),
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
    detection: detectionDefaultsSchema,
    api: z.strictObject({
      throttle: z.strictObject({ rateLimit: positiveInt, burstLimit: positiveInt }),
      /** Seconds API Gateway caches an authorizer answer per Authorization header; 0 turns the cache off. */
      authorizerCacheTtlSeconds: z.number().int().min(0).max(3600),
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
  });

export type StageConfig = z.infer<typeof stageConfigSchema>;
export type DetectionDefaults = StageConfig['detection'];

const DETECTION_DEFAULTS: DetectionDefaults = {
  newDestinationBurst: { attempts: 5, windowMinutes: 10 },
  ipBan: { failures: 5, windowMinutes: 10, banMinutes: 60, repeatMultiplier: 2, maxBanMinutes: 7 * 24 * 60 },
  velocity: { callsPerMinute: 60, concurrentCalls: 20, spendPerHour: 50, spendPerDay: 300 },
};

const STAGE_CONFIGS: Record<Stage, StageConfig> = {
  dev: {
    stage: 'dev',
    table: { deletionProtection: false, removalPolicy: 'destroy' },
    logs: { retentionDays: 7, level: 'DEBUG', removalPolicy: 'destroy' },
    events: { archiveRetentionDays: 7 },
    failMode: 'deny',
    detection: DETECTION_DEFAULTS,
    api: { throttle: { rateLimit: 50, burstLimit: 100 }, authorizerCacheTtlSeconds: 60 },
    functions: { defaultMemoryMb: 512, authorize: { memoryMb: 1024 } },
    alarms: { authorizeP99Ms: 500, errorCount: 10, throttleCount: 10, dlqDepth: 1, denialsPer5Min: 500 },
  },
  staging: {
    stage: 'staging',
    table: { deletionProtection: false, removalPolicy: 'destroy' },
    logs: { retentionDays: 30, level: 'INFO', removalPolicy: 'destroy' },
    events: { archiveRetentionDays: 14 },
    failMode: 'deny',
    detection: DETECTION_DEFAULTS,
    api: { throttle: { rateLimit: 500, burstLimit: 1000 }, authorizerCacheTtlSeconds: 60 },
    functions: { defaultMemoryMb: 512, authorize: { memoryMb: 1024 } },
    alarms: { authorizeP99Ms: 250, errorCount: 5, throttleCount: 5, dlqDepth: 1, denialsPer5Min: 1000 },
  },
  prod: {
    stage: 'prod',
    table: { deletionProtection: true, removalPolicy: 'retain' },
    logs: { retentionDays: 90, level: 'INFO', removalPolicy: 'retain' },
    events: { archiveRetentionDays: 90 },
    failMode: 'deny',
    detection: DETECTION_DEFAULTS,
    // 1,000 call attempts per second is the sizing target (docs/deploy.md); burst covers a busy-hour spike.
    api: { throttle: { rateLimit: 2000, burstLimit: 4000 }, authorizerCacheTtlSeconds: 60 },
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
