/**
 * Alarms and the dashboard. Every alarm notifies one SNS topic; operators subscribe their pager or inbox to it.
 *
 * - errors and throttles: per function, thresholds per 5 minutes from the stage config;
 * - authorize p99 latency: the switch waits on it for every call attempt;
 * - dead-letter depth: any message in a DLQ is an event a consumer or the stream publisher gave up on;
 * - denials spike: a CloudWatch Logs metric filter counts authorize's `{ "decision": "deny" }` log lines;
 * - degraded decisions: authorize answered in the fail mode (the database failed or missed the budget).
 *
 * The functions' own metrics (EMF, functions/shared/observability.ts) feed the degraded alarm and the dashboard:
 * decisions by reason and by destination country, authorize latency p50/p99, DynamoDB time per request.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
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
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
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
}

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

/** Any decision in the fail mode is worth a look: each one is a call refused with 603, or allowed unchecked. */
export const DEGRADED_DECISIONS_PER_5_MIN = 1;

export class Monitoring extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  readonly denials: Metric;
  readonly degradedDecisions: Metric;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config } = props;
    const thresholds = config.alarms;

    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: `Tollgate ${config.stage} alarms`, enforceSSL: true });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and metric values only, no customer data; CloudWatch can publish to an encrypted topic only through a customer-managed KMS key, which this topic does not justify.',
    });
    if (thresholds.notificationEmail) {
      this.alarmTopic.addSubscription(new EmailSubscription(thresholds.notificationEmail));
    }

    const fnMetric = (fn: TollgateFunction, metric: 'Errors' | 'Throttles'): Metric =>
      fn.function.metric(metric, { period: FIVE_MINUTES, statistic: 'Sum' });

    for (const fn of props.functions) {
      const name = pascalCase(fn.functionName);
      this.alarm(`${name}Errors`, fnMetric(fn, 'Errors'), thresholds.errorCount, `${fn.functionName}: errors in 5 minutes`);
      this.alarm(`${name}Throttles`, fnMetric(fn, 'Throttles'), thresholds.throttleCount, `${fn.functionName}: throttles in 5 minutes`);
    }

    const authorizeP99 = props.authorize.function.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' });
    this.alarm('AuthorizeP99Latency', authorizeP99, thresholds.authorizeP99Ms, 'authorize: p99 duration (ms) over 5 minutes', 2);

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
    const authorizeMetric = (metricName: string, statistic: string, period: Duration, label?: string): Metric =>
      new Metric({ namespace, metricName, dimensionsMap: { service: props.authorize.functionName }, statistic, period, ...(label ? { label } : {}) });
    this.degradedDecisions = authorizeMetric(EMF_METRICS.degradedDecisions, 'Sum', FIVE_MINUTES);
    this.alarm('AuthorizeDegradedDecisions', this.degradedDecisions, DEGRADED_DECISIONS_PER_5_MIN, 'authorize: decisions in the fail mode (database failed or missed the budget) in 5 minutes');
    const decisionsBy = (dimensions: string, top?: number): MathExpression => {
      const search = `SEARCH('{${namespace},service,${dimensions}} service="${props.authorize.functionName}" MetricName="${EMF_METRICS.decisions}"', 'Sum', 300)`;
      return new MathExpression({ expression: top ? `SLICE(SORT(${search}, SUM, DESC), 0, ${top})` : search, period: FIVE_MINUTES, usingMetrics: {} });
    };

    for (const [name, queue] of props.deadLetterQueues) {
      const depth = queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' });
      this.alarm(`${pascalCase(name)}DeadLetterDepth`, depth, thresholds.dlqDepth, `${name}: messages in the dead-letter queue`);
    }

    const api5xx = props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    this.alarm('Api5xx', api5xx, thresholds.errorCount, 'API: 5xx responses in 5 minutes');

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `tollgate-${config.stage}-${Stack.of(this).region}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({ markdown: `# Tollgate ${config.stage}`, width: 24, height: 1 }),
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
      graph('authorize decisions, top 10 destination countries (per 5 min)', [decisionsBy('country', 10)]),
      graph('authorize latency (ms, measured by the handler)', [
        authorizeMetric(EMF_METRICS.authorizeLatency, 'p50', ONE_MINUTE, 'p50'),
        authorizeMetric(EMF_METRICS.authorizeLatency, 'p99', ONE_MINUTE, 'p99'),
      ]),
      new GraphWidget({
        title: 'authorize: DynamoDB time per request (ms) and requests per request',
        left: [authorizeMetric(EMF_METRICS.dynamoDbTime, 'p50', ONE_MINUTE, 'time p50'), authorizeMetric(EMF_METRICS.dynamoDbTime, 'p99', ONE_MINUTE, 'time p99')],
        right: [authorizeMetric(EMF_METRICS.dynamoDbRequests, 'Average', ONE_MINUTE, 'requests (average)')],
        width: 8,
        height: 6,
      }),
      graph('authorize degraded decisions (fail mode)', [this.degradedDecisions]),
      graph('Function errors', props.functions.map((fn) => fnMetric(fn, 'Errors').with({ label: fn.functionName }))),
      graph('Function throttles', props.functions.map((fn) => fnMetric(fn, 'Throttles').with({ label: fn.functionName }))),
      graph('DynamoDB consumed capacity', [
        props.table.metricConsumedReadCapacityUnits({ period: Duration.minutes(1), statistic: 'Sum' }),
        props.table.metricConsumedWriteCapacityUnits({ period: Duration.minutes(1), statistic: 'Sum' }),
      ]),
      graph(
        'Dead-letter queues',
        [...props.deadLetterQueues].map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum', label: name }),
        ),
      ),
    );
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string, evaluationPeriods = 1): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
  }
}

function graph(title: string, left: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left, width: 8, height: 6 });
}
