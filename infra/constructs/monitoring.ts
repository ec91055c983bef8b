/**
 * Alarms and the dashboard. Every alarm notifies one SNS topic when it fires and again when it clears (OK action);
 * the stage config subscribes an address or an HTTPS webhook. Alarms judge rates, not single events, over M of N
 * periods (`alarms.datapointsToAlarm` of `alarms.evaluationPeriods`), so a steady 1,000 calls/s does not page:
 *
 * - errors and throttles: per function, as a percentage of its invocations (1 min on the switch's path, else 5 min);
 * - fail-mode answers: DegradedDecisions (0 or 1 per decision) averaged, as a percentage of authorize's decisions;
 * - authorize p99: the Lambda duration and the handler's own AuthorizeLatency (invocation start to answer), per minute;
 * - denials by reason: each deny reason's share of decisions against its anomaly band (its learned baseline), and a
 *   spike of all denials counted by a CloudWatch Logs metric filter on authorize's `{ "decision": "deny" }` lines;
 * - dead-letter depth, the stream publisher's iterator age, DynamoDB throttles and latency (AWS/DynamoDB), and
 *   authorize's concurrent executions near its reservation; API 5xx as a share of requests.
 *
 * Rate alarms judge only periods with at least `alarms.minSamples` samples (an expression answers 0 below it).
 *
 * The functions' own metrics (EMF, functions/shared/observability.ts) feed the degraded alarm and the dashboard:
 * decisions by reason and by destination country, authorize latency p50/p99, DynamoDB time per request.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  AnomalyDetectionAlarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.js';
import { pascalCase } from './event-routing.js';
import { metricsNamespace, type TollgateFunction } from './tollgate-function.js';

export interface MonitoringProps {
  readonly config: StageConfig;
  readonly api: HttpApi;
  readonly table: ITable;
  /** The hot path: its latency and denials get their own alarms. */
  readonly authorize: TollgateFunction;
  /** Every function, authorize included. */
  readonly functions: readonly TollgateFunction[];
  /** Dead-letter queues by a name shown in the alarm. */
  readonly deadLetterQueues: ReadonlyMap<string, IQueue>;
  /** The table stream's consumer: its iterator age says how late events are. */
  readonly streamPublisher?: TollgateFunction;
  /** authorize's reserved concurrency, if any: its concurrent executions are alarmed near it. */
  readonly authorizeReservedConcurrency?: number;
  /** Functions on the switch's path (judged per minute, not per 5 minutes). */
  readonly hotPathFunctionNames?: readonly string[];
}

/**
 * Every deny reason authorize reports (the `reason` dimension of `Decisions`); infra/ may not import domain/policy,
 * so test/infra checks this copy against DENY_REASONS in domain/policy/decision.ts.
 */
export const DENY_REASONS_ALARMED = [
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
  'OUTSIDE_CALLING_HOURS',
  'VELOCITY_LIMIT',
  'CONCURRENCY_LIMIT',
  'SPEND_LIMIT',
  'INSUFFICIENT_BALANCE',
] as const;

/** The authorize operations whose server-side latency (AWS/DynamoDB SuccessfulRequestLatency) is alarmed. */
export const DYNAMODB_OPERATIONS_ALARMED = ['GetItem', 'PutItem', 'UpdateItem', 'TransactWriteItems'] as const;

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/** The EMF metric names the functions emit (test/infra checks them against functions/shared/observability.ts). */
export const EMF_METRICS = {
  decisions: 'Decisions',
  authorizeLatency: 'AuthorizeLatency',
  degradedDecisions: 'DegradedDecisions',
  dynamoDbTime: 'DynamoDbTime',
  dynamoDbRequests: 'DynamoDbRequests',
} as const;

/** Invocations below which a function's error or throttle percentage is not judged in a period. */
export const MIN_INVOCATIONS_FOR_ERROR_RATE = 10;

export class Monitoring extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  readonly denials: Metric;
  readonly degradedDecisions: Metric;
  /** The alarms by id, so the stack can gate deployments on some of them. */
  readonly alarmsById = new Map<string, Alarm>();

  private readonly config: StageConfig;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;
    const thresholds = config.alarms;
    const hotPath = new Set(props.hotPathFunctionNames ?? []);

    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: `Tollgate ${config.stage} alarms`, enforceSSL: true });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and metric values only, no customer data; CloudWatch can publish to an encrypted topic only through a customer-managed KMS key, which this topic does not justify.',
    });
    const subscription = thresholds.subscription;
    if (subscription && 'email' in subscription) this.alarmTopic.addSubscription(new EmailSubscription(subscription.email));
    if (subscription && 'httpsUrl' in subscription) {
      this.alarmTopic.addSubscription(new UrlSubscription(subscription.httpsUrl, { protocol: SubscriptionProtocol.HTTPS }));
    }

    const fnMetric = (fn: TollgateFunction, metric: 'Errors' | 'Throttles' | 'Invocations', period: Duration = FIVE_MINUTES): Metric =>
      fn.function.metric(metric, { period, statistic: 'Sum' });

    for (const fn of props.functions) {
      const name = pascalCase(fn.functionName);
      const period = hotPath.has(fn.functionName) ? ONE_MINUTE : FIVE_MINUTES;
      const invocations = fnMetric(fn, 'Invocations', period);
      const min = MIN_INVOCATIONS_FOR_ERROR_RATE;
      this.alarm(
        `${name}Errors`,
        new MathExpression({ expression: `IF(invocations >= ${min}, 100 * errors / invocations, 0)`, usingMetrics: { errors: fnMetric(fn, 'Errors', period), invocations }, period, label: `${fn.functionName} errors (%)` }),
        thresholds.errorPercent,
        `${fn.functionName}: errors as a percentage of invocations (periods of at least ${min} invocations)`,
      );
      this.alarm(
        `${name}Throttles`,
        new MathExpression({
          expression: `IF(invocations + throttles >= ${min}, 100 * throttles / (invocations + throttles), 0)`,
          usingMetrics: { throttles: fnMetric(fn, 'Throttles', period), invocations },
          period,
          label: `${fn.functionName} throttles (%)`,
        }),
        thresholds.throttlePercent,
        `${fn.functionName}: throttled invocations as a percentage of all`,
      );
    }

    const authorizeP99 = props.authorize.function.metricDuration({ period: ONE_MINUTE, statistic: 'p99' });
    this.alarm('AuthorizeP99Latency', authorizeP99, thresholds.authorizeP99Ms, 'authorize: p99 Lambda duration (ms) per minute');

    // Counts authorize's decision log lines; the function logs one JSON line with `decision` per call attempt.
    const denialsFilter = new MetricFilter(this, 'DenialsFilter', {
      logGroup: props.authorize.logGroup,
      filterPattern: FilterPattern.stringValue('$.decision', '=', 'deny'),
      metricNamespace: `Tollgate/${config.stage}`,
      metricName: 'Denials',
      metricValue: '1',
      defaultValue: 0,
    });
    this.denials = denialsFilter.metric({ period: FIVE_MINUTES, statistic: 'Sum' });
    this.alarm('DenialsSpike', this.denials, thresholds.denialsPer5Min, 'authorize: denials in 5 minutes');

    const namespace = metricsNamespace(config.stage);
    const authorizeMetric = (metricName: string, statistic: string, period: Duration, label?: string, dimensions: Record<string, string> = {}): Metric =>
      new Metric({ namespace, metricName, dimensionsMap: { service: props.authorize.functionName, ...dimensions }, statistic, period, ...(label ? { label } : {}) });
    this.degradedDecisions = authorizeMetric(EMF_METRICS.degradedDecisions, 'Sum', FIVE_MINUTES);

    // DegradedDecisions is 0 or 1 per decision: its Average is the fail-mode share, its SampleCount the decisions.
    const minSamples = thresholds.minSamples;
    const decisionsPerMinute = authorizeMetric(EMF_METRICS.degradedDecisions, 'SampleCount', ONE_MINUTE, 'decisions');
    const degradedPercent = new MathExpression({
      expression: `IF(decisions >= ${minSamples}, 100 * degraded, 0)`,
      usingMetrics: { decisions: decisionsPerMinute, degraded: authorizeMetric(EMF_METRICS.degradedDecisions, 'Average', ONE_MINUTE) },
      period: ONE_MINUTE,
      label: 'fail-mode answers (% of decisions)',
    });
    this.alarm('AuthorizeDegradedDecisions', degradedPercent, thresholds.degradedPercent, 'authorize: fail-mode answers (database failed or missed the budget) as a percentage of decisions, per minute');

    const latencyP99 = authorizeMetric(EMF_METRICS.authorizeLatency, 'p99', ONE_MINUTE, 'p99');
    this.alarm('AuthorizeEndToEndP99', authorizeMetric(EMF_METRICS.authorizeLatency, 'p99', ONE_MINUTE), thresholds.authorizeP99Ms, 'authorize: p99 of AuthorizeLatency (invocation start to answer, ms) per minute');

    // Each deny reason's share of decisions, against the band CloudWatch learns for it: a reason that is normally
    // 30% (INSUFFICIENT_BALANCE) and one that is normally 0% (HIGH_RISK_DESTINATION) each page only on their own change.
    const decisionsPer5Min = authorizeMetric(EMF_METRICS.degradedDecisions, 'SampleCount', FIVE_MINUTES, 'decisions');
    const denialShares: MathExpression[] = [];
    for (const reason of DENY_REASONS_ALARMED) {
      const share = new MathExpression({
        expression: `IF(decisions >= ${minSamples}, 100 * ${reason.toLowerCase()} / decisions, 0)`,
        usingMetrics: { decisions: decisionsPer5Min, [reason.toLowerCase()]: authorizeMetric(EMF_METRICS.decisions, 'Sum', FIVE_MINUTES, reason, { decision: 'deny', reason }) },
        period: FIVE_MINUTES,
        label: reason,
      });
      denialShares.push(share);
      const alarm = new AnomalyDetectionAlarm(this, `Denials${pascalCase(reason.toLowerCase().replaceAll('_', '-'))}Share`, {
        metric: share,
        stdDevs: thresholds.denialAnomalyStdDevs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
        evaluationPeriods: thresholds.evaluationPeriods,
        datapointsToAlarm: thresholds.datapointsToAlarm,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `authorize: ${reason} denials as a share of decisions above their usual band`,
      });
      this.notify(`Denials${reason}`, alarm);
    }

    const decisionsBy = (dimensions: string, top?: number): MathExpression => {
      const search = `SEARCH('{${namespace},service,${dimensions}} service="${props.authorize.functionName}" MetricName="${EMF_METRICS.decisions}"', 'Sum', 300)`;
      return new MathExpression({ expression: top ? `SLICE(SORT(${search}, SUM, DESC), 0, ${top})` : search, period: FIVE_MINUTES, usingMetrics: {} });
    };

    for (const [name, queue] of props.deadLetterQueues) {
      const depth = queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' });
      this.alarm(`${pascalCase(name)}DeadLetterDepth`, depth, thresholds.dlqDepth, `${name}: messages in the dead-letter queue`);
    }

    const iteratorAge = props.streamPublisher?.function.metric('IteratorAge', { period: ONE_MINUTE, statistic: 'Maximum' });
    if (iteratorAge) this.alarm('StreamIteratorAge', iteratorAge, thresholds.iteratorAgeMs, 'stream publisher: age (ms) of the last record read, per minute: events are this late');

    const tableMetric = (metricName: string, statistic: string, dimensions: Record<string, string> = {}, label?: string): Metric =>
      new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap: { TableName: props.table.tableName, ...dimensions }, statistic, period: ONE_MINUTE, ...(label ? { label } : {}) });
    const dynamoThrottles = new MathExpression({
      expression: 'reads + writes',
      usingMetrics: { reads: tableMetric('ReadThrottleEvents', 'Sum'), writes: tableMetric('WriteThrottleEvents', 'Sum') },
      period: ONE_MINUTE,
      label: 'throttle events',
    });
    this.alarm('DynamoDbThrottles', dynamoThrottles, thresholds.dynamoDbThrottlesPerMinute, 'DynamoDB: read and write throttle events on the table per minute');
    const latencies = Object.fromEntries(
      DYNAMODB_OPERATIONS_ALARMED.map((operation) => [operation.toLowerCase(), tableMetric('SuccessfulRequestLatency', 'Average', { Operation: operation }, operation)]),
    );
    const dynamoLatency = new MathExpression({ expression: `MAX([${Object.keys(latencies).join(', ')}])`, usingMetrics: latencies, period: ONE_MINUTE, label: 'slowest operation (ms)' });
    this.alarm('DynamoDbLatency', dynamoLatency, thresholds.dynamoDbLatencyMs, `DynamoDB: average server-side latency (ms) of the slowest of ${DYNAMODB_OPERATIONS_ALARMED.join(', ')} per minute`);

    const concurrency = props.authorize.function.metric('ConcurrentExecutions', { period: ONE_MINUTE, statistic: 'Maximum' });
    const reserved = props.authorizeReservedConcurrency;
    if (reserved) {
      this.alarm(
        'AuthorizeConcurrencyNearReservation',
        concurrency,
        Math.ceil((reserved * thresholds.concurrencyPercentOfReservation) / 100),
        `authorize: concurrent executions at ${thresholds.concurrencyPercentOfReservation}% of its reservation of ${reserved}`,
      );
    }

    const apiPeriod = FIVE_MINUTES;
    const api5xx = new MathExpression({
      expression: `IF(requests >= ${minSamples}, 100 * errors / requests, 0)`,
      usingMetrics: { requests: props.api.metricCount({ period: apiPeriod, statistic: 'Sum' }), errors: props.api.metricServerError({ period: apiPeriod, statistic: 'Sum' }) },
      period: apiPeriod,
      label: '5xx (% of requests)',
    });
    this.alarm('Api5xx', api5xx, thresholds.errorPercent, 'API: 5xx responses as a percentage of requests, per 5 minutes');

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `tollgate-${config.stage}-${Stack.of(this).region}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({ markdown: `# Tollgate ${config.stage}`, width: 24, height: 1 }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
      graph('API requests', [props.api.metricCount({ period: Duration.minutes(1), statistic: 'Sum' })]),
      graph('API 4xx / 5xx', [
        props.api.metricClientError({ period: Duration.minutes(1), statistic: 'Sum' }),
        props.api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' }),
      ]),
      graph('API latency p99 (ms)', [props.api.metricLatency({ period: Duration.minutes(1), statistic: 'p99' })]),
      graph('authorize duration (ms)', [
        props.authorize.function.metricDuration({ period: Duration.minutes(1), statistic: 'p50', label: 'p50' }),
        props.authorize.function.metricDuration({ period: Duration.minutes(1), statistic: 'p99', label: 'p99' }),
      ]),
      graph('authorize invocations and denials', [
        props.authorize.function.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' }),
        this.denials,
      ]),
      graph('authorize decisions by reason (per 5 min)', [decisionsBy('decision,reason')]),
      graph('authorize deny reasons, share of decisions (%)', denialShares),
      graph('authorize decisions, top 10 destination countries (per 5 min)', [decisionsBy('country', 10)]),
      graph('authorize latency (ms, measured by the handler)', [
        authorizeMetric(EMF_METRICS.authorizeLatency, 'p50', ONE_MINUTE, 'p50'),
        latencyP99,
      ]),
      new GraphWidget({
        title: 'authorize: DynamoDB time per request (ms) and requests per request',
        left: [authorizeMetric(EMF_METRICS.dynamoDbTime, 'p50', ONE_MINUTE, 'time p50'), authorizeMetric(EMF_METRICS.dynamoDbTime, 'p99', ONE_MINUTE, 'time p99')],
        right: [authorizeMetric(EMF_METRICS.dynamoDbRequests, 'Average', ONE_MINUTE, 'requests (average)')],
        width: 8,
        height: 6,
      }),
      graph('authorize degraded decisions (fail mode)', [this.degradedDecisions]),
      graph('authorize fail-mode answers (% of decisions)', [degradedPercent]),
      graph(`authorize concurrent executions${reserved ? ` (reserved ${reserved})` : ''}`, [concurrency]),
      graph('Function errors', props.functions.map((fn) => fnMetric(fn, 'Errors').with({ label: fn.functionName }))),
      graph('Function throttles', props.functions.map((fn) => fnMetric(fn, 'Throttles').with({ label: fn.functionName }))),
      graph('DynamoDB consumed capacity', [
        props.table.metricConsumedReadCapacityUnits({ period: Duration.minutes(1), statistic: 'Sum' }),
        props.table.metricConsumedWriteCapacityUnits({ period: Duration.minutes(1), statistic: 'Sum' }),
      ]),
      graph('DynamoDB throttle events', [dynamoThrottles]),
      graph('DynamoDB latency (ms, average per operation)', Object.values(latencies)),
      ...(iteratorAge ? [graph('stream publisher iterator age (ms)', [iteratorAge])] : []),
      graph(
        'Dead-letter queues',
        [...props.deadLetterQueues].map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum', label: name }),
        ),
      ),
    );
  }

  /** The alarm `id`, or throws: the stack gates deployments on named alarms. */
  requireAlarm(id: string): Alarm {
    const alarm = this.alarmsById.get(id);
    if (!alarm) throw new Error(`Tollgate: no alarm "${id}"`);
    return alarm;
  }

  /** Fires when `datapointsToAlarm` of the last `evaluationPeriods` periods reach the threshold; notifies on ALARM and on OK. */
  addAlarm(id: string, metric: IMetric, threshold: number, description: string): Alarm {
    return this.alarm(id, metric, threshold, description);
  }

  /** An alarm built elsewhere with its own evaluation: notified and shown like the others. */
  adoptAlarm(id: string, alarm: Alarm): Alarm {
    return this.notify(id, alarm);
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: this.config.alarms.evaluationPeriods,
      datapointsToAlarm: this.config.alarms.datapointsToAlarm,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    return this.notify(id, alarm);
  }

  private notify(id: string, alarm: Alarm): Alarm {
    const action = new SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    this.alarmsById.set(id, alarm);
    return alarm;
  }
}

function graph(title: string, left: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left, width: 8, height: 6 });
}
