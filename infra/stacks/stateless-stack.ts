/**
 * Everything that can be replaced without losing data: the functions, the HTTP API, the stream publisher,
 * the event rules, alarms and the dashboard. The table and the bus arrive as typed props from the stateful stack.
 *
 * 1. One function per distinct `functionName` in the contract's ROUTES, plus the authorizer.
 * 2. One API route per ROUTES entry; every route but the public ones sits behind the authorizer.
 * 3. The stream publisher (table stream -> EventBridge), wired when `functions/stream-publisher/handler.ts` exists.
 * 4. One EventBridge rule per consumer in the routing definition, with a retry policy and a dead-letter queue.
 * 5. Alarms and a dashboard over all of it.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ROUTES, type RouteDefinition } from '../../domain/contract/routes.js';
import { TABLE_ACCESS, type TableAccess } from '../../domain/contract/table-access.js';
import { EVENT_ROUTES } from '../../domain/events/routing.js';
import type { StageConfig } from '../config.js';
import { EventRouting, pascalCase, type EventRoute } from '../constructs/event-routing.js';
import { hotPathEnvironment, hotPathLambdaTimeout, LiveAlias, reservedConcurrencyFor } from '../constructs/live-alias.js';
import { MIN_INVOCATIONS_FOR_ERROR_RATE, Monitoring } from '../constructs/monitoring.js';
import { StreamFailureCapture } from '../constructs/stream-failure-capture.js';
import { originHeaderSecret } from '../constructs/front-door.js';
import { ConsoleSite } from '../constructs/console-site.js';
import { TollgateApi } from '../constructs/tollgate-api.js';
import { TollgateFunction } from '../constructs/tollgate-function.js';
import { assertHandlersExist, hasHandler } from '../handler-entries.js';

export const AUTHORIZER_FUNCTION_NAME = 'authorizer';
export const STREAM_PUBLISHER_FUNCTION_NAME = 'stream-publisher';
/** The consumer that sends email; the only function allowed to use SES. */
export const NOTIFIER_FUNCTION_NAME = 'notifier';
/** Rotates an account's webhook secret: may encrypt with the secrets key, never decrypt. */
export const WEBHOOK_SECRET_FUNCTION_NAME = 'webhook-secret';

/**
 * The stream records the publisher turns into events (functions/stream-publisher/events-from-stream.ts); Lambda
 * drops every other change before invoking it, so the ~95% of writes that are allowed decisions, counters and
 * reference data cost nothing. A TTL expiry is a REMOVE and never matches.
 * 1. an inserted outbox item;
 * 2. an inserted deny decision (becomes `Call Denied`);
 * 3. a modified account (may cross its balance threshold: `Balance Low`).
 */
export const STREAM_PUBLISHER_PATTERNS = [
  { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['outbox'] } } } },
  { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['decision'] }, record: { M: { decision: { S: ['deny'] } } } } } },
  // An attempt to a destination unusual for the account, allowed or denied: the range watch counts it.
  { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['decision'] }, record: { M: { seen: { M: { destinationUsual: { BOOL: [false] } } } } } } } },
  // Only the writes that move a balance carry the flag (the authorize path's per-call writes clear it), so the
  // publisher is not invoked for every call an account makes.
  { eventName: ['MODIFY'], dynamodb: { NewImage: { entity: { S: ['account'] }, balanceChanged: { BOOL: [true] } } } },
] as const;

/** The alarms (Monitoring ids) that stop a deployment of each `live` alias and return it to the previous version. */
export const DEPLOYMENT_GATES = {
  authorize: ['AuthorizeNewVersionErrors', 'AuthorizeErrors', 'AuthorizeThrottles', 'AuthorizeDegradedDecisions', 'AuthorizeEndToEndP99', 'AuthorizeP99Latency'],
  [AUTHORIZER_FUNCTION_NAME]: ['AuthorizerNewVersionErrors', 'AuthorizerErrors', 'AuthorizerThrottles'],
} as const;

/** A function's declared table access (domain/contract/table-access.ts); a function without one is refused. */
function tableAccessOf(name: string): TableAccess {
  const access = (TABLE_ACCESS as Readonly<Partial<Record<string, TableAccess>>>)[name];
  if (!access) throw new Error(`Tollgate: function "${name}" has no table access declared in domain/contract/table-access.ts`);
  return access;
}

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly table: ITable;
  /** Indexes the functions may query, named one by one in their policies. */
  readonly tableIndexNames: readonly string[];
  readonly eventBus: IEventBus;
  /**
   * The key webhook signing secrets are encrypted with: the webhook-secret function and the notifier may encrypt,
   * only the notifier may decrypt.
   * @default none: no function is given a key (an app that deploys webhooks must pass it)
   */
  readonly webhookSecretKey?: IKey;
  /**
   * The HTTP contract.
   * @default ROUTES from domain/contract/routes.ts
   */
  readonly routes?: readonly RouteDefinition[];
  /**
   * Which consumer receives which event types. Consumers are `functions/<consumer>/handler.ts`.
   * @default EVENT_ROUTES from domain/events/routing.ts
   */
  readonly eventRoutes?: readonly EventRoute[];
  /**
   * Wire the table stream to the stream publisher.
   * @default true when functions/stream-publisher/handler.ts exists at synth time
   */
  readonly streamPublisher?: boolean;
}

export class StatelessStack extends Stack {
  /** Every function by its function name. */
  readonly functions = new Map<string, TollgateFunction>();
  readonly api: TollgateApi;
  readonly console: ConsoleSite;
  readonly monitoring: Monitoring;
  readonly eventRouting: EventRouting;
  /** The `live` aliases API Gateway invokes (authorize, the authorizer), by function name. */
  readonly liveAliases = new Map<string, LiveAlias>();
  /** The stream publisher's failed batches, records included (S3 on-failure destination). */
  readonly streamFailures: StreamFailureCapture | undefined;

  private readonly config: StageConfig;
  private readonly table: ITable;
  private readonly tableIndexNames: readonly string[];
  private readonly eventBus: IEventBus;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    this.config = props.config;
    this.table = props.table;
    this.tableIndexNames = props.tableIndexNames;
    this.eventBus = props.eventBus;
    const routes = props.routes ?? ROUTES;
    const eventRoutes = props.eventRoutes ?? EVENT_ROUTES;
    const wireStream = props.streamPublisher ?? hasHandler(STREAM_PUBLISHER_FUNCTION_NAME);

    const httpFunctionNames = [...new Set(routes.map((route) => route.functionName))];
    const consumerNames = [...new Set(eventRoutes.map((route) => route.consumer))];
    assertHandlersExist([
      ...httpFunctionNames,
      AUTHORIZER_FUNCTION_NAME,
      ...consumerNames,
      ...(wireStream ? [STREAM_PUBLISHER_FUNCTION_NAME] : []),
    ]);

    // 1. Functions. authorize and the authorizer sit on the switch's path: its budget bounds their timeouts
    // (infra/constructs/live-alias.ts), and API Gateway invokes their `live` alias.
    const hotPath = this.config.hotPath;
    for (const name of httpFunctionNames) {
      const authorize = name === 'authorize';
      this.addFunction(name, {
        memorySize: authorize ? this.config.functions.authorize.memoryMb : undefined,
        reservedConcurrentExecutions: authorize ? reservedConcurrencyFor(hotPath) : undefined,
        timeout: authorize ? hotPathLambdaTimeout(hotPath) : undefined,
        environment: authorize ? hotPathEnvironment(hotPath) : undefined,
      });
    }
    this.addFunction(AUTHORIZER_FUNCTION_NAME, {
      timeout: hotPathLambdaTimeout(hotPath),
      environment: {
        ...hotPathEnvironment(hotPath),
        // With a front door, the value CloudFront sends as the origin header, resolved at deploy from the same secret
        // (infra/constructs/front-door.ts, `originHeaderSecret`, says why this way).
        ...(this.config.api.domain ? { TOLLGATE_ORIGIN_HEADER_SECRET: originHeaderSecret(this.config) } : {}),
      },
    });
    const liveAlias = (name: string, provisionedConcurrency: number): LiveAlias => {
      const live = new LiveAlias(this, `${pascalCase(name)}Live`, { fn: this.requireFunction(name), config: this.config, provisionedConcurrency });
      this.liveAliases.set(name, live);
      return live;
    };
    const authorizeLive = liveAlias('authorize', hotPath.provisionedConcurrency.authorize);
    const authorizerLive = liveAlias(AUTHORIZER_FUNCTION_NAME, hotPath.provisionedConcurrency.authorizer);

    // 2. HTTP API.
    this.api = new TollgateApi(this, 'Api', {
      config: this.config,
      routes,
      handlers: new Map(
        httpFunctionNames.map((name) => [name, name === 'authorize' ? authorizeLive.alias : this.requireFunction(name).function]),
      ),
      authorizer: authorizerLive.alias,
      integrationTimeouts: new Map([['authorize', Duration.millis(hotPath.integrationTimeoutMs)]]),
    });

    // The console, on the API's own origin (infra/constructs/console-site.ts).
    this.console = new ConsoleSite(this, 'Console', { config: this.config, api: this.api.api });

    // 3. The table stream -> EventBridge.
    this.streamFailures = wireStream ? this.wireStreamPublisher() : undefined;

    // 4. Event rules.
    for (const name of consumerNames) {
      const consumer = this.addFunction(name, { timeout: Duration.seconds(30) });
      if (name === NOTIFIER_FUNCTION_NAME && this.config.emailFrom) consumer.sendEmailFrom(this.config.emailFrom);
    }
    if (props.webhookSecretKey) {
      this.functions.get(WEBHOOK_SECRET_FUNCTION_NAME)?.useWebhookSecretKey(props.webhookSecretKey, { decrypt: false });
      this.functions.get(NOTIFIER_FUNCTION_NAME)?.useWebhookSecretKey(props.webhookSecretKey, { decrypt: true });
    }
    this.eventRouting = new EventRouting(this, 'EventRouting', {
      eventBus: this.eventBus,
      routes: eventRoutes,
      consumers: new Map(consumerNames.map((name) => [name, this.requireFunction(name).function])),
      // The notifier calls customers' webhooks, which may be down for hours: it reads an SQS queue.
      queuedConsumers: new Set([NOTIFIER_FUNCTION_NAME]),
    });

    // 5. Alarms and dashboard.
    const deadLetterQueues = new Map<string, Queue>(this.eventRouting.deadLetterQueues);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      config: this.config,
      api: this.api.api,
      table: this.table,
      authorize: this.requireFunction('authorize'),
      functions: [...this.functions.values()],
      deadLetterQueues,
      streamPublisher: wireStream ? this.requireFunction(STREAM_PUBLISHER_FUNCTION_NAME) : undefined,
      authorizeReservedConcurrency: reservedConcurrencyFor(hotPath),
      hotPathFunctionNames: ['authorize', AUTHORIZER_FUNCTION_NAME],
    });
    // The version being deployed, judged alone: its error rate through the alias, per minute.
    for (const [name, live] of this.liveAliases) {
      const errors = live.newVersionMetric('Errors', 'Sum', Duration.minutes(1));
      const invocations = live.newVersionMetric('Invocations', 'Sum', Duration.minutes(1));
      this.monitoring.addAlarm(
        `${pascalCase(name)}NewVersionErrors`,
        new MathExpression({ expression: `IF(invocations >= ${MIN_INVOCATIONS_FOR_ERROR_RATE}, 100 * errors / invocations, 0)`, usingMetrics: { errors, invocations }, period: Duration.minutes(1), label: `${name} new version errors (%)` }),
        this.config.alarms.errorPercent,
        `${name}: errors of the version just deployed (through the live alias) as a percentage of its invocations: the canary's own gate`,
      );
    }
    // CodeDeploy rolls a `live` alias back when one of these fires while it shifts traffic.
    for (const gate of DEPLOYMENT_GATES.authorize) authorizeLive.gateOn(this.monitoring.requireAlarm(gate));
    for (const gate of DEPLOYMENT_GATES.authorizer) authorizerLive.gateOn(this.monitoring.requireAlarm(gate));
    if (this.streamFailures) this.monitoring.adoptAlarm('StreamFailureCapturedBatches', this.streamFailures.capturedBatchesAlarm());

    if (this.api.domainName && this.config.api.domain) {
      // The execute-api endpoint is off; the front door (the Edge stack) is the way in.
      new CfnOutput(this, 'ApiUrl', { value: `https://${this.config.api.domain.domainName}/`, description: 'Base URL switches and clients call (CloudFront + WAF)' });
      new CfnOutput(this, 'ConsoleUrl', { value: `https://${this.config.api.domain.domainName}/console/`, description: 'The console (behind the same CloudFront + WAF)' });
      new CfnOutput(this, 'OriginDomainTarget', {
        value: this.api.domainName.regionalDomainName,
        description: `Point ${this.api.domainName.name} (CloudFront's origin) here: CNAME or alias`,
      });
    } else {
      new CfnOutput(this, 'ApiUrl', { value: this.api.stage.url, description: 'Base URL switches and clients call' });
      new CfnOutput(this, 'ConsoleUrl', { value: `${this.api.stage.url}console/`, description: 'The console' });
    }
    new CfnOutput(this, 'CredentialsFunctionName', {
      value: this.requireFunction('credentials').function.functionName,
      description: 'Invoke once to issue the first admin credential (docs/deploy.md)',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn, description: 'Subscribe on-call to this topic' });
  }

  private addFunction(
    name: string,
    options: { memorySize?: number; reservedConcurrentExecutions?: number; timeout?: Duration; environment?: Record<string, string> },
  ): TollgateFunction {
    const fn = new TollgateFunction(this, `${pascalCase(name)}Function`, {
      functionName: name,
      config: this.config,
      table: this.table,
      eventBus: this.eventBus,
      memorySize: options.memorySize,
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
      timeout: options.timeout,
      environment: options.environment,
    });
    fn.accessTable(this.table, tableAccessOf(name), this.tableIndexNames);
    this.functions.set(name, fn);
    return fn;
  }

  private requireFunction(name: string): TollgateFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`Tollgate: no function "${name}" in the stateless stack`);
    return fn;
  }

  /**
   * The table stream feeds the publisher only the changes that carry events (STREAM_PUBLISHER_PATTERNS). A failed
   * batch is retried, split in half to isolate a poison record, and finally written with its records to the stream
   * failures bucket (infra/constructs/stream-failure-capture.ts), which alarms. The publisher reports the first
   * record it could not publish, so Lambda resumes from there.
   */
  private wireStreamPublisher(): StreamFailureCapture {
    const publisher = this.addFunction(STREAM_PUBLISHER_FUNCTION_NAME, { timeout: Duration.seconds(30) });
    publisher.putEvents(this.eventBus);
    const failures = new StreamFailureCapture(this, 'StreamFailures', { config: this.config });
    publisher.function.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        reportBatchItemFailures: true,
        onFailure: failures,
        filters: STREAM_PUBLISHER_PATTERNS.map((pattern) => FilterCriteria.filter(pattern)),
      }),
    );
    return failures;
  }
}
