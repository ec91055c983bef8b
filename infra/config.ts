/**
 * Per-stage configuration: one typed, validated record per environment, chosen with `cdk ... -c stage=<stage>`.
 * Everything that differs between dev, staging and prod lives here and nowhere else in infra/.
 */
import * as z from 'zod';
import { DEFAULT_BAN_SETTINGS, DEFAULT_DETECTION, DEFAULT_RANGE_WATCH } from '../domain/contract/detection-settings.js';
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
   * known after `knownAfterCompletedCalls` completed calls on `knownAfterDistinctDays` distinct days and
   * `knownAfterHours` since the first, at rates up to `knownMaxRatePerMinute` (dearer ranges are never learned).
   */
  destinations: z.strictObject({
    enabled: z.boolean(),
    windowMinutes: z.number().int().min(1).max(1440),
    newDestinationAttempts: positiveInt,
    newDestinationTotalAttempts: positiveInt,
    knownAfterCompletedCalls: positiveInt,
    knownAfterHours: z.number().min(0).max(8760),
    knownAfterDistinctDays: z.number().int().min(1).max(366),
    knownMaxRatePerMinute: z.number().min(0).max(100).nullable(),
    /** The most one call to an unusual destination may cost (bounds its duration); null for no bound. */
    unusualCallMaxCost: z.number().min(0).max(10_000).nullable(),
    unusualPremiumCallMaxCost: z.number().min(0).max(10_000).nullable(),
    unusualPremiumSpendPerWeek: z.number().min(0).max(1_000_000).nullable(),
  }),
  /**
   * Carrier-wide range watch (`TOLLGATE_RANGE_WATCH`): `distinctAccounts` accounts dialling one range unusual for
   * them within `windowMinutes` restrict it carrier-wide; the counts are spread over `shards` items per window.
   */
  rangeWatch: z.strictObject({
    enabled: z.boolean(),
    windowMinutes: z.number().int().min(1).max(1440),
    distinctAccounts: positiveInt,
    shards: z.number().int().min(1).max(64),
    minRatePerMinute: z.number().min(0).max(100).nullable(),
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

const milliseconds = z.number().int().min(50).max(30_000);

/** CodeDeploy traffic shifting for the `live` aliases (infra/constructs/live-alias.ts maps them to LambdaDeploymentConfig). */
export const DEPLOYMENT_STRATEGIES = ['all-at-once', 'linear-10-percent-every-1-minute', 'canary-10-percent-5-minutes', 'canary-10-percent-10-minutes'] as const;

/**
 * The switch's budget and the sizing of the two functions on it (authorize and the bearer-credential authorizer).
 * The switch waits about `switchTimeoutMs` for an answer; on an authorizer cache miss it waits for the authorizer and
 * then authorize, so `credentialLookupBudgetMs + integrationTimeoutMs <= switchTimeoutMs`; authorize answers the
 * fail mode at `authorizeBudgetMs`, before API Gateway gives up at `integrationTimeoutMs` (which would be a 5xx).
 */
const hotPathSchema = z
  .strictObject({
    switchTimeoutMs: milliseconds,
    /** `TOLLGATE_AUTHORIZE_BUDGET_MS`: authorize answers within this whatever DynamoDB does. */
    authorizeBudgetMs: milliseconds,
    /** API Gateway's wait for authorize (the HTTP API integration timeout). */
    integrationTimeoutMs: milliseconds,
    /** `TOLLGATE_CREDENTIAL_LOOKUP_BUDGET_MS` of the authorizer. */
    credentialLookupBudgetMs: milliseconds,
    /** `TOLLGATE_DYNAMODB_CONNECT_TIMEOUT_MS` / `_REQUEST_TIMEOUT_MS` of both functions. */
    dynamoDbConnectTimeoutMs: milliseconds,
    dynamoDbRequestTimeoutMs: milliseconds,
    /**
     * Call attempts per second authorize must absorb even when every one takes its whole budget; sets its reserved
     * concurrency, ceil(peak × (authorizeBudgetMs + 100) / 1000) (reservedConcurrencyFor below). Omitted: no reservation.
     */
    peakCallsPerSecond: positiveInt.optional(),
    /** Execution environments kept initialized on the `live` alias (0: none). */
    provisionedConcurrency: z.strictObject({ authorize: z.number().int().min(0), authorizer: z.number().int().min(0) }),
    /** How CodeDeploy shifts the `live` aliases to a new version; alarms roll it back. */
    deployment: z.enum(DEPLOYMENT_STRATEGIES),
  })
  .refine((hot) => hot.authorizeBudgetMs < hot.integrationTimeoutMs, { message: 'authorize must answer (authorizeBudgetMs) before API Gateway gives up (integrationTimeoutMs)', path: ['authorizeBudgetMs'] })
  .refine((hot) => hot.credentialLookupBudgetMs + hot.integrationTimeoutMs <= hot.switchTimeoutMs, {
    message: 'the authorizer and authorize together (credentialLookupBudgetMs + integrationTimeoutMs) must fit in switchTimeoutMs',
    path: ['integrationTimeoutMs'],
  })
  .refine((hot) => hot.dynamoDbRequestTimeoutMs < hot.authorizeBudgetMs, { message: 'a DynamoDB request must time out inside the authorize budget', path: ['dynamoDbRequestTimeoutMs'] })
  .refine((hot) => hot.dynamoDbConnectTimeoutMs <= hot.dynamoDbRequestTimeoutMs, { message: 'the connect timeout cannot exceed the request timeout', path: ['dynamoDbConnectTimeoutMs'] });

/** Milliseconds an authorize execution may take beyond its budget: the handler, serialization, the metrics flush. */
export const HANDLER_MARGIN_MS = 100;

/**
 * Reserved concurrency for authorize by Little's law: concurrency = arrival rate × time each call holds an execution.
 * When DynamoDB is slow every call holds one for its whole budget (then answers the fail mode), so
 * reserved = ceil(peakCallsPerSecond × (authorizeBudgetMs + HANDLER_MARGIN_MS) / 1000). Undefined without a peak.
 */
export function reservedConcurrencyFor(hotPath: z.infer<typeof hotPathSchema>): number | undefined {
  if (hotPath.peakCallsPerSecond === undefined) return undefined;
  return Math.ceil((hotPath.peakCallsPerSecond * (hotPath.authorizeBudgetMs + HANDLER_MARGIN_MS)) / 1000);
}

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
      /**
       * The front door (infra/constructs/front-door.ts, docs/deploy.md): optional, but without it the stage has no WAF
       * and its execute-api endpoint is open. With it: CloudFront answers `domainName` with WAF in front, its origin is
       * the API's own custom domain `originDomainName`, and the default execute-api endpoint is turned off.
       */
      domain: z
        .strictObject({
          /** The name switches and clients call (CloudFront). */
          domainName: z.string().min(1),
          /** ACM certificate for `domainName`; CloudFront reads certificates only from us-east-1. */
          certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\//, 'must be an ACM certificate in us-east-1'),
          /** The API's own custom domain, CloudFront's origin (DNS: the `OriginDomainTarget` output). */
          originDomainName: z.string().min(1),
          /** ACM certificate for `originDomainName`, in the API's region. */
          originCertificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\//, 'must be an ACM certificate ARN'),
          /**
           * Name of the Secrets Manager secret (plain string, created once by the operator in the API's region and
           * replicated to us-east-1) whose value CloudFront sends as the `x-tollgate-origin` header and the authorizer
           * requires, so the origin cannot be called around CloudFront. Default `tollgate/<stage>/origin-header`.
           */
          originSecretName: z
            .string()
            .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name')
            .optional(),
        })
        .refine((domain) => domain.domainName !== domain.originDomainName, { message: 'the origin needs a name of its own', path: ['originDomainName'] })
        .optional(),
      /**
       * Throttle of every route that is not on the switch's path (admin, customer, reviewer routes, /health), apart
       * from the switch routes, which get `throttle`. Default: a twentieth of `throttle`, at least 10 / 20.
       */
      adminThrottle: z.strictObject({ rateLimit: positiveInt, burstLimit: positiveInt }).optional(),
      /**
       * WAF's rate-based rule: requests one source IP may make in 5 minutes, on any route. Default: half the stage's
       * sustained rate (`throttle.rateLimit` × 150), so one address cannot take the whole stage.
       */
      wafRequestsPerIpPer5Min: z.number().int().min(10).max(2_000_000_000).optional(),
    }),
    functions: z.strictObject({
      defaultMemoryMb: z.number().int().min(128).max(10240),
      authorize: z.strictObject({
        memoryMb: z.number().int().min(128).max(10240),
      }),
    }),
    hotPath: hotPathSchema,
    alarms: z.strictObject({
      /** authorize p99 (ms): the Lambda duration and the handler's own AuthorizeLatency, per minute. */
      authorizeP99Ms: positiveInt,
      /** Errors as a percentage of invocations, per function, per 5 minutes. */
      errorPercent: z.number().positive().max(100),
      /** Throttles as a percentage of invocations (throttled ones included), per function, per 5 minutes. */
      throttlePercent: z.number().positive().max(100),
      /** Visible messages in any dead-letter queue. */
      dlqDepth: positiveInt,
      /** Authorize denials across all accounts in 5 minutes: a spike means an attack or a broken policy. */
      denialsPer5Min: positiveInt,
      /** Fail-mode answers (DegradedDecisions) as a percentage of authorize decisions, per minute. */
      degradedPercent: z.number().positive().max(100),
      /** Below this many decisions (or invocations) in a period a rate alarm does not judge: one failure in three calls is not an outage. */
      minSamples: positiveInt,
      /** Width of the anomaly band, in standard deviations, around each deny reason's share of decisions. */
      denialAnomalyStdDevs: z.number().positive().max(10),
      /** Stream publisher iterator age (ms): events are this late. */
      iteratorAgeMs: positiveInt,
      /** DynamoDB read + write throttle events on the table per minute. */
      dynamoDbThrottlesPerMinute: positiveInt,
      /** DynamoDB SuccessfulRequestLatency average (ms) of the authorize path's operations, per minute. */
      dynamoDbLatencyMs: positiveInt,
      /** authorize's concurrent executions as a percentage of its reservation (only where one is reserved). */
      concurrencyPercentOfReservation: z.number().positive().max(100),
      /** M of N: an alarm fires when `datapointsToAlarm` of the last `evaluationPeriods` periods breach, and clears (OK action) when fewer do. */
      datapointsToAlarm: positiveInt,
      evaluationPeriods: positiveInt,
      /** Who is told, per stage: an email address (SNS sends a confirmation on deploy) or an HTTPS webhook (paging or chat). */
      subscription: z
        .union([z.strictObject({ email: z.email() }), z.strictObject({ httpsUrl: z.url({ protocol: /^https$/ }) })])
        .optional(),
    }),
  })
  .refine((config) => config.table.removalPolicy === 'retain' || !config.table.deletionProtection, {
    message: 'a deletion-protected table must also be retained',
    path: ['table', 'removalPolicy'],
  })
  .refine((config) => config.hotPath.provisionedConcurrency.authorize <= (reservedConcurrencyFor(config.hotPath) ?? Number.POSITIVE_INFINITY), {
    message: "authorize's provisioned concurrency cannot exceed its reserved concurrency",
    path: ['hotPath', 'provisionedConcurrency', 'authorize'],
  })
  .refine((config) => config.alarms.datapointsToAlarm <= config.alarms.evaluationPeriods, {
    message: 'datapointsToAlarm cannot exceed evaluationPeriods',
    path: ['alarms', 'datapointsToAlarm'],
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
  rangeWatch: DEFAULT_RANGE_WATCH,
  ipBan: {
    threshold: DEFAULT_BAN_SETTINGS.threshold,
    windowSeconds: DEFAULT_BAN_SETTINGS.windowSeconds,
    banSeconds: DEFAULT_BAN_SETTINGS.baseSeconds,
    maxBanSeconds: DEFAULT_BAN_SETTINGS.maxSeconds,
    repeatWindowDays: DEFAULT_BAN_SETTINGS.repeatWindowSeconds / 86_400,
  },
};

const SWITCH_BUDGET = {
  switchTimeoutMs: 1000,
  authorizeBudgetMs: 500,
  integrationTimeoutMs: 700,
  credentialLookupBudgetMs: 250,
  dynamoDbConnectTimeoutMs: 150,
  dynamoDbRequestTimeoutMs: 400,
} as const;

/** M of N for every alarm but the anomaly bands: 3 of the last 5 periods. */
const THREE_OF_FIVE = { datapointsToAlarm: 3, evaluationPeriods: 5 } as const;

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
    hotPath: { ...SWITCH_BUDGET, provisionedConcurrency: { authorize: 0, authorizer: 0 }, deployment: 'all-at-once' },
    alarms: {
      authorizeP99Ms: 500,
      errorPercent: 10,
      throttlePercent: 10,
      dlqDepth: 1,
      denialsPer5Min: 500,
      degradedPercent: 10,
      minSamples: 20,
      denialAnomalyStdDevs: 4,
      iteratorAgeMs: 300_000,
      dynamoDbThrottlesPerMinute: 100,
      dynamoDbLatencyMs: 100,
      concurrencyPercentOfReservation: 90,
      ...THREE_OF_FIVE,
    },
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
    hotPath: { ...SWITCH_BUDGET, provisionedConcurrency: { authorize: 0, authorizer: 0 }, deployment: 'linear-10-percent-every-1-minute' },
    alarms: {
      authorizeP99Ms: 250,
      errorPercent: 5,
      throttlePercent: 5,
      dlqDepth: 1,
      denialsPer5Min: 1000,
      degradedPercent: 5,
      minSamples: 50,
      denialAnomalyStdDevs: 4,
      iteratorAgeMs: 120_000,
      dynamoDbThrottlesPerMinute: 50,
      dynamoDbLatencyMs: 50,
      concurrencyPercentOfReservation: 80,
      ...THREE_OF_FIVE,
      // Placeholder: replace with the team's address before the first deploy (docs/deploy.md "On-call").
      subscription: { email: 'tollgate-staging-alarms@carrier.example' },
    },
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
    functions: { defaultMemoryMb: 512, authorize: { memoryMb: 1024 } },
    // 1,000 attempts/s each held at most 500 + 100 ms: 600 reserved; ~25 ms each in steady state: 25 busy, 50 kept warm.
    hotPath: { ...SWITCH_BUDGET, peakCallsPerSecond: 1000, provisionedConcurrency: { authorize: 50, authorizer: 5 }, deployment: 'canary-10-percent-10-minutes' },
    // At 1,000 calls/s a minute holds 60,000 decisions: 1% degraded is 600 calls answered in the fail mode.
    alarms: {
      authorizeP99Ms: 150,
      errorPercent: 1,
      throttlePercent: 1,
      dlqDepth: 1,
      denialsPer5Min: 5000,
      degradedPercent: 1,
      minSamples: 100,
      denialAnomalyStdDevs: 3,
      iteratorAgeMs: 60_000,
      dynamoDbThrottlesPerMinute: 10,
      dynamoDbLatencyMs: 25,
      concurrencyPercentOfReservation: 80,
      ...THREE_OF_FIVE,
      // Placeholder: replace with the on-call pager's HTTPS endpoint or address before the first deploy (docs/deploy.md "On-call").
      subscription: { email: 'tollgate-oncall@carrier.example' },
    },
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
