/**
 * Alarms and the dashboard. Every alarm notifies one SNS topic; operators subscribe their pager or inbox to it.
 *
 * - errors and throttles: per function, thresholds per 5 minutes from the stage config;
 * - authorize p99 latency: the switch waits on it for every call attempt;
 * - dead-letter depth: any message in a DLQ is an event a consumer or the stream publisher gave up on;
 * - denials spike: a CloudWatch Logs metric filter counts authorize's `{ "decision": "deny" }` log lines.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
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
import type { TollgateFunction } from './tollgate-function.js';

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

export class Monitoring extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  readonly denials: Metric;

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
