/**
 * The one way Tollgate makes a Lambda function: every default (runtime, architecture, bundling, logging, tracing,
 * environment) is decided here, and permissions are granted only through the explicit methods below.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { WEBHOOK_SECRET_PURPOSE } from '../../domain/contract/secrets.js';
import { INDEX_PARTITIONS, PARTITIONS, type TableAccess } from '../../domain/contract/table-access.js';
import type { StageConfig } from '../config.js';
import { PROJECT_ROOT, handlerEntry } from '../handler-entries.js';

/**
 * The CloudWatch namespace of the functions' EMF metrics (functions/shared/observability.ts), one per stage like the
 * log-derived `Denials`, so that stages sharing an account never mix their figures or trip each other's alarms.
 */
export function metricsNamespace(stage: string): string {
  return `Tollgate/${stage}`;
}

/** Lets bundled CommonJS dependencies call `require` inside an ESM bundle. */
const ESM_REQUIRE_BANNER = "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

export interface TollgateFunctionProps {
  /** Folder under functions/ holding `handler.ts`; also names the function in logs and dashboards. */
  readonly functionName: string;
  readonly config: StageConfig;
  /** The single table; its name is passed as `TABLE_NAME` (access is granted separately). */
  readonly table: ITable;
  /** The event bus; its name is passed as `EVENT_BUS_NAME` (access is granted separately). */
  readonly eventBus: IEventBus;
  /**
   * @default config.functions.defaultMemoryMb
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * @default - no reservation (shares the account's unreserved pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Extra environment on top of the common one.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
}

export class TollgateFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: TollgateFunctionProps) {
    super(scope, id);
    const { config } = props;
    this.functionName = props.functionName;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: config.logs.retentionDays,
      removalPolicy: config.logs.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // Our own role instead of AWSLambdaBasicExecutionRole: it may write to this function's log group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Tollgate ${config.stage} ${props.functionName}`,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: handlerEntry(props.functionName),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: `Tollgate ${config.stage}: ${props.functionName}`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? config.functions.defaultMemoryMb,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[config.logs.level],
      tracing: Tracing.ACTIVE,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: props.eventBus.eventBusName,
        TOLLGATE_STAGE: config.stage,
        TOLLGATE_FAIL_MODE: config.failMode,
        TOLLGATE_DECISION_TTL_DAYS: String(config.decisionRetentionDays),
        TOLLGATE_DETECTION: JSON.stringify(config.detection.destinations),
        TOLLGATE_RANGE_WATCH: JSON.stringify(config.detection.rangeWatch),
        TOLLGATE_BAN_THRESHOLD: String(config.detection.ipBan.threshold),
        TOLLGATE_BAN_WINDOW_SECONDS: String(config.detection.ipBan.windowSeconds),
        TOLLGATE_BAN_SECONDS: String(config.detection.ipBan.banSeconds),
        TOLLGATE_BAN_MAX_SECONDS: String(config.detection.ipBan.maxBanSeconds),
        TOLLGATE_BAN_REPEAT_WINDOW_DAYS: String(config.detection.ipBan.repeatWindowDays),
        TOLLGATE_SIMULATED_PAYMENTS: config.payments.simulated,
        TOLLGATE_EMAIL_TRANSPORT: config.emailFrom ? 'ses' : 'none',
        ...(config.emailFrom ? { TOLLGATE_EMAIL_FROM: config.emailFrom } : {}),
        // Logs and traces name the service `tollgate`; the metrics' `service` dimension is the function (the route
        // table's name), set by the code. Metrics and X-Ray tracing are on in Lambda by default.
        POWERTOOLS_SERVICE_NAME: 'tollgate',
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(config.stage),
        POWERTOOLS_LOG_LEVEL: config.logs.level,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK version we test against ships in the bundle instead of whatever the runtime carries.
        bundleAwsSDK: true,
        tsconfig: `${PROJECT_ROOT}tsconfig.json`,
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x, the runtime Tollgate targets and tests; moving to a newer runtime is a deliberate, tested change.',
    });
    // Resource "*" is only ever needed by actions that have no resource-level permissions; test/infra checks that.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" appears only for actions without resource-level permissions: xray:PutTraceSegments/PutTelemetryRecords (active tracing) and, for the stream publisher, dynamodb:ListStreams. Every other statement names its resource.',
    });
  }

  /**
   * The function's table access (domain/contract/table-access.ts), one statement per kind, each conditioned on the
   * partition keys it may touch (`dynamodb:LeadingKeys`, every key of the request): no whole-table grant, no Scan.
   * A Query on `gsi1` is conditioned on the index's partition key (`gsi1pk`).
   */
  accessTable(table: ITable, access: TableAccess, indexNames: readonly string[] = []): void {
    const onKeys = (patterns: readonly string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] } });
    const grant = (actions: string[], resources: string[], patterns: readonly string[]) => {
      if (patterns.length > 0) this.allow(actions, resources, onKeys(patterns));
    };
    grant(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'], [table.tableArn], (access.read ?? []).map((family) => PARTITIONS[family]));
    // TransactWriteItems is checked against PutItem, UpdateItem, ConditionCheckItem and DeleteItem, item by item.
    grant(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'], [table.tableArn], (access.write ?? []).map((family) => PARTITIONS[family]));
    grant(['dynamodb:DeleteItem'], [table.tableArn], (access.delete ?? []).map((family) => PARTITIONS[family]));
    grant(
      ['dynamodb:Query'],
      indexNames.map((indexName) => `${table.tableArn}/index/${indexName}`),
      (access.query ?? []).map((family) => INDEX_PARTITIONS[family]),
    );
  }

  /** SES SendEmail from this address, whether SES has verified the address itself or its domain. */
  sendEmailFrom(address: string): void {
    const stack = Stack.of(this);
    const domain = address.slice(address.lastIndexOf('@') + 1);
    this.allow(
      ['ses:SendEmail'],
      [address, domain].map((identity) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })),
    );
  }

  /**
   * Webhook signing secrets under this KMS key: Encrypt always (a secret is created at rotation or at first need),
   * Decrypt only with `decrypt` (the notifier, which signs). Both only for the webhook-secret encryption context.
   */
  useWebhookSecretKey(key: IKey, options: { readonly decrypt: boolean }): void {
    this.function.addEnvironment('TOLLGATE_WEBHOOK_SECRET_CIPHER', 'kms');
    this.function.addEnvironment('TOLLGATE_WEBHOOK_SECRET_KEY_ID', key.keyArn);
    const forWebhookSecrets = { StringEquals: { 'kms:EncryptionContext:purpose': WEBHOOK_SECRET_PURPOSE } };
    this.allow(['kms:Encrypt'], [key.keyArn], forWebhookSecrets);
    if (options.decrypt) this.allow(['kms:Decrypt'], [key.keyArn], forWebhookSecrets);
  }

  /** PutEvents on this one bus. */
  putEvents(eventBus: IEventBus): void {
    eventBus.grantPutEventsTo(this.function);
  }

  private allow(actions: string[], resources: string[], conditions?: Record<string, Record<string, unknown>>): void {
    this.role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions, resources, conditions }));
  }
}
