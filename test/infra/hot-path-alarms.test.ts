/**
 * Issue 13, items 1 and 2: authorize and the authorizer inside the switch's budget (timeouts, SDK deadlines, reserved
 * and provisioned concurrency, the `live` alias deployed by CodeDeploy with alarms as the gate), and alarms on rates
 * over M of N periods with OK actions, notifying a per-stage subscription.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENY_REASONS } from '../../domain/policy/decision.js';
import { readConfig } from '../../functions/shared/config.js';
import { parseStageConfig, resolveStageConfig, STAGES, type Stage, type StageConfig } from '../../infra/config.js';
import { HANDLER_MARGIN_MS, reservedConcurrencyFor } from '../../infra/constructs/live-alias.js';
import { DENY_REASONS_ALARMED, DYNAMODB_OPERATIONS_ALARMED, MIN_INVOCATIONS_FOR_ERROR_RATE } from '../../infra/constructs/monitoring.js';
import { StatefulStack } from '../../infra/stacks/stateful-stack.js';
import { AUTHORIZER_FUNCTION_NAME, DEPLOYMENT_GATES, STREAM_PUBLISHER_FUNCTION_NAME, StatelessStack } from '../../infra/stacks/stateless-stack.js';
import { synthTollgate, testContext, type SynthesizedTollgate } from './synth-tollgate.js';

type Resource = { Type: string; Properties: Record<string, unknown>; UpdatePolicy?: Record<string, unknown> };
type MetricQuery = { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: Array<{ Name: string; Value: unknown }> }; Period: number; Stat: string } };

const HOT_PATH = ['authorize', AUTHORIZER_FUNCTION_NAME] as const;

const DEPLOYMENT_CONFIG_NAMES: Record<StageConfig['hotPath']['deployment'], string> = {
  'all-at-once': 'CodeDeployDefault.LambdaAllAtOnce',
  'linear-10-percent-every-1-minute': 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
  'canary-10-percent-5-minutes': 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
  'canary-10-percent-10-minutes': 'CodeDeployDefault.LambdaCanary10Percent10Minutes',
};

describe.each(STAGES)('the %s app on the switch path', (stage: Stage) => {
  let synth: SynthesizedTollgate;
  let resources: Record<string, Resource>;
  let config: StageConfig;

  beforeAll(() => {
    synth = synthTollgate(stage);
    resources = synth.statelessTemplate.toJSON().Resources as Record<string, Resource>;
    config = synth.config;
  });

  const idOf = (construct: { node: { defaultChild?: unknown } }): string => synth.stateless.getLogicalId(construct.node.defaultChild as never);
  const fnId = (name: string): string => {
    const fn = synth.stateless.functions.get(name);
    if (!fn) throw new Error(`no function ${name}`);
    return idOf(fn.function);
  };
  const alarm = (id: string): Record<string, unknown> => {
    const found = resources[synth.stateless.getLogicalId(synth.stateless.monitoring.requireAlarm(id).node.defaultChild as never)];
    expect(found?.Type, id).toBe('AWS::CloudWatch::Alarm');
    return found?.Properties ?? {};
  };
  const queries = (properties: Record<string, unknown>): MetricQuery[] => (properties.Metrics as MetricQuery[] | undefined) ?? [];
  const stat = (properties: Record<string, unknown>, metricName: string) => queries(properties).find((query) => query.MetricStat?.Metric.MetricName === metricName)?.MetricStat;
  const expression = (properties: Record<string, unknown>) => queries(properties).find((query) => query.ReturnData !== false && query.Expression)?.Expression;
  const mOfN = () => ({ DatapointsToAlarm: config.alarms.datapointsToAlarm, EvaluationPeriods: config.alarms.evaluationPeriods });
  const topicRef = () => ({ Ref: idOf(synth.stateless.monitoring.alarmTopic) });

  describe('item 1: the budget', () => {
    it('times authorize and the authorizer out within the switch budget, with the SDK deadlines set explicitly', () => {
      for (const name of HOT_PATH) {
        const properties = resources[fnId(name)]?.Properties ?? {};
        expect(properties.Timeout, name).toBe(Math.floor(config.hotPath.switchTimeoutMs / 1000));
        const variables = (properties.Environment as { Variables: Record<string, string> }).Variables;
        expect(variables, name).toMatchObject({
          TOLLGATE_AUTHORIZE_BUDGET_MS: String(config.hotPath.authorizeBudgetMs),
          TOLLGATE_CREDENTIAL_LOOKUP_BUDGET_MS: String(config.hotPath.credentialLookupBudgetMs),
          TOLLGATE_DYNAMODB_CONNECT_TIMEOUT_MS: String(config.hotPath.dynamoDbConnectTimeoutMs),
          TOLLGATE_DYNAMODB_REQUEST_TIMEOUT_MS: String(config.hotPath.dynamoDbRequestTimeoutMs),
        });
        // The functions read them as the stage meant.
        const runtime = readConfig(Object.fromEntries(Object.entries(variables).filter(([, value]) => typeof value === 'string')));
        expect(runtime).toMatchObject({
          authorizeBudgetMs: config.hotPath.authorizeBudgetMs,
          credentialLookupBudgetMs: config.hotPath.credentialLookupBudgetMs,
          dynamoConnectTimeoutMs: config.hotPath.dynamoDbConnectTimeoutMs,
          dynamoRequestTimeoutMs: config.hotPath.dynamoDbRequestTimeoutMs,
        });
      }
      expect(config.hotPath.credentialLookupBudgetMs + config.hotPath.integrationTimeoutMs).toBeLessThanOrEqual(config.hotPath.switchTimeoutMs);
    });

    it("gives API Gateway's authorize integration a timeout between authorize's budget and the switch's", () => {
      const liveId = idOf(synth.stateless.liveAliases.get('authorize')?.alias ?? { node: {} });
      const integrations = Object.values(resources).filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Integration');
      const authorize = integrations.filter((integration) => JSON.stringify(integration.Properties.IntegrationUri).includes(`"${liveId}"`));

      expect(authorize).toHaveLength(1);
      expect(authorize[0]?.Properties.TimeoutInMillis).toBe(config.hotPath.integrationTimeoutMs);
      expect(config.hotPath.integrationTimeoutMs).toBeGreaterThan(config.hotPath.authorizeBudgetMs);
      for (const other of integrations.filter((integration) => !authorize.includes(integration))) expect(other.Properties.TimeoutInMillis ?? 30_000).toBe(30_000);
    });

    it('reserves authorize concurrency for peak rate × (budget + margin), where the stage names a peak', () => {
      const reserved = resources[fnId('authorize')]?.Properties.ReservedConcurrentExecutions;
      const peak = config.hotPath.peakCallsPerSecond;

      expect(reserved).toBe(peak === undefined ? undefined : Math.ceil((peak * (config.hotPath.authorizeBudgetMs + HANDLER_MARGIN_MS)) / 1000));
      if (stage === 'prod') expect(reserved).toBe(600);
      expect(resources[fnId(AUTHORIZER_FUNCTION_NAME)]?.Properties.ReservedConcurrentExecutions).toBeUndefined();
    });

    it('puts a `live` alias with the stage provisioned concurrency in front of each, updated by CodeDeploy', () => {
      for (const name of HOT_PATH) {
        const live = synth.stateless.liveAliases.get(name);
        if (!live) throw new Error(`no live alias for ${name}`);
        const alias = resources[idOf(live.alias)];
        const provisioned = config.hotPath.provisionedConcurrency[name];
        const groupId = idOf(live.deploymentGroup);

        expect(alias?.Properties).toMatchObject({ Name: 'live', FunctionName: { Ref: fnId(name) }, FunctionVersion: { 'Fn::GetAtt': [expect.stringMatching(/CurrentVersion/), 'Version'] } });
        expect(alias?.Properties.ProvisionedConcurrencyConfig).toEqual(provisioned > 0 ? { ProvisionedConcurrentExecutions: provisioned } : undefined);
        expect(alias?.UpdatePolicy).toEqual({ CodeDeployLambdaAliasUpdate: { ApplicationName: expect.anything(), DeploymentGroupName: { Ref: groupId } } });
        expect(resources[groupId]?.Properties).toMatchObject({
          DeploymentConfigName: DEPLOYMENT_CONFIG_NAMES[config.hotPath.deployment],
          AutoRollbackConfiguration: { Enabled: true, Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) },
          AlarmConfiguration: {
            Enabled: true,
            Alarms: DEPLOYMENT_GATES[name].map((gate) => ({ Name: { Ref: synth.stateless.getLogicalId(synth.stateless.monitoring.requireAlarm(gate).node.defaultChild as never) } })),
          },
        });
        // The canary's own gate: the new version's errors through the alias, not diluted by the old version's traffic.
        const newVersion = alarm(`${name === 'authorize' ? 'Authorize' : 'Authorizer'}NewVersionErrors`);
        expect(newVersion).toMatchObject({ Threshold: config.alarms.errorPercent, ...mOfN(), OKActions: [topicRef()] });
        expect(stat(newVersion, 'Errors')?.Metric.Dimensions).toEqual([
          { Name: 'ExecutedVersion', Value: { 'Fn::GetAtt': [expect.stringMatching(/CurrentVersion/), 'Version'] } },
          { Name: 'FunctionName', Value: { Ref: fnId(name) } },
          { Name: 'Resource', Value: { 'Fn::Join': ['', [{ Ref: fnId(name) }, ':live']] } },
        ]);
        expect(stat(newVersion, 'Errors')?.Period).toBe(60);
        // API Gateway may invoke the alias (the permission names it, not the function).
        synth.statelessTemplate.hasResourceProperties('AWS::Lambda::Permission', { FunctionName: { Ref: idOf(live.alias) }, Principal: 'apigateway.amazonaws.com' });
      }
      expect(stage === 'prod' ? config.hotPath.deployment : 'canary').toMatch(/canary/);
    });
  });

  describe('item 2: alarms on rates', () => {
    it('pages on fail-mode answers as a share of decisions, per minute, M of N, with an OK action', () => {
      const properties = alarm('AuthorizeDegradedDecisions');

      expect(properties).toMatchObject({ Threshold: config.alarms.degradedPercent, ComparisonOperator: 'GreaterThanOrEqualToThreshold', ...mOfN(), OKActions: [topicRef()], AlarmActions: [topicRef()] });
      expect(expression(properties)).toBe(`IF(decisions >= ${config.alarms.minSamples}, 100 * degraded, 0)`);
      expect(queries(properties).filter((query) => query.MetricStat).map((query) => [query.Id, query.MetricStat?.Metric.Namespace, query.MetricStat?.Metric.MetricName, query.MetricStat?.Stat, query.MetricStat?.Period])).toEqual(
        expect.arrayContaining([
          ['decisions', `Tollgate/${stage}`, 'DegradedDecisions', 'SampleCount', 60],
          ['degraded', `Tollgate/${stage}`, 'DegradedDecisions', 'Average', 60],
        ]),
      );
    });

    it('pages on authorize p99, end to end (AuthorizeLatency) and as Lambda duration, per minute', () => {
      expect(alarm('AuthorizeEndToEndP99')).toMatchObject({ Namespace: `Tollgate/${stage}`, MetricName: 'AuthorizeLatency', ExtendedStatistic: 'p99', Period: 60, Threshold: config.alarms.authorizeP99Ms, ...mOfN(), OKActions: [topicRef()] });
      expect(alarm('AuthorizeP99Latency')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Duration', ExtendedStatistic: 'p99', Period: 60, Threshold: config.alarms.authorizeP99Ms, ...mOfN() });
    });

    it("pages on each deny reason's share of decisions above its anomaly band", () => {
      expect([...DENY_REASONS_ALARMED, 'SERVICE_DEGRADED'].sort()).toEqual([...DENY_REASONS].sort());
      for (const reason of DENY_REASONS_ALARMED) {
        const properties = alarm(`Denials${reason}`);
        expect(properties, reason).toMatchObject({ ComparisonOperator: 'GreaterThanUpperThreshold', ThresholdMetricId: expect.any(String), ...mOfN(), OKActions: [topicRef()] });
        const band = queries(properties).find((query) => query.Id === properties.ThresholdMetricId);
        expect(band?.Expression).toMatch(new RegExp(`^ANOMALY_DETECTION_BAND\\(\\w+, ${config.alarms.denialAnomalyStdDevs}\\)$`));
        const denied = stat(properties, 'Decisions');
        expect(denied?.Metric.Dimensions).toEqual(expect.arrayContaining([{ Name: 'decision', Value: 'deny' }, { Name: 'reason', Value: reason }, { Name: 'service', Value: 'authorize' }]));
        expect(queries(properties).some((query) => query.Expression === `IF(decisions >= ${config.alarms.minSamples}, 100 * ${reason.toLowerCase()} / decisions, 0)`)).toBe(true);
      }
    });

    it('pages on errors and throttles as a share of invocations, per minute on the switch path and per 5 minutes elsewhere', () => {
      for (const fn of synth.stateless.functions.values()) {
        const period = (HOT_PATH as readonly string[]).includes(fn.functionName) ? 60 : 300;
        const id = fn.functionName.split('-').map((part) => part[0]?.toUpperCase() + part.slice(1)).join('');
        const errors = alarm(`${id}Errors`);
        expect(errors).toMatchObject({ Threshold: config.alarms.errorPercent, ...mOfN(), OKActions: [topicRef()] });
        expect(expression(errors)).toBe(`IF(invocations >= ${MIN_INVOCATIONS_FOR_ERROR_RATE}, 100 * errors / invocations, 0)`);
        expect(stat(errors, 'Errors')).toMatchObject({ Period: period, Stat: 'Sum', Metric: { Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId(fn.functionName) } }] } });
        expect(alarm(`${id}Throttles`)).toMatchObject({ Threshold: config.alarms.throttlePercent, ...mOfN() });
      }
    });

    it('pages on dead-letter depth, stream iterator age, DynamoDB throttles and latency', () => {
      expect(alarm('NotifierDeadLetterDepth')).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum', Threshold: config.alarms.dlqDepth, ...mOfN(), OKActions: [topicRef()] });
      // The stream publisher's failures land in a bucket with their records: one captured batch pages at once.
      expect(alarm('StreamFailureCapturedBatches')).toMatchObject({ Namespace: 'AWS/S3', MetricName: 'PutRequests', Threshold: 1, EvaluationPeriods: 1, OKActions: [topicRef()] });
      expect(alarm('StreamIteratorAge')).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Statistic: 'Maximum',
        Period: 60,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId(STREAM_PUBLISHER_FUNCTION_NAME) } }],
        Threshold: config.alarms.iteratorAgeMs,
        ...mOfN(),
      });
      const tableName = synth.stateless.resolve(synth.stateful.table.tableName) as unknown;
      const throttles = alarm('DynamoDbThrottles');
      expect(throttles).toMatchObject({ Threshold: config.alarms.dynamoDbThrottlesPerMinute, ...mOfN(), OKActions: [topicRef()] });
      expect(expression(throttles)).toBe('reads + writes');
      for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
        expect(stat(throttles, metricName)).toEqual({ Metric: { Namespace: 'AWS/DynamoDB', MetricName: metricName, Dimensions: [{ Name: 'TableName', Value: tableName }] }, Period: 60, Stat: 'Sum' });
      }
      const latency = alarm('DynamoDbLatency');
      expect(latency).toMatchObject({ Threshold: config.alarms.dynamoDbLatencyMs, ...mOfN() });
      const operations = queries(latency)
        .filter((query) => query.MetricStat?.Metric.MetricName === 'SuccessfulRequestLatency')
        .map((query) => query.MetricStat?.Metric.Dimensions?.find((dimension) => dimension.Name === 'Operation')?.Value);
      expect(operations.sort()).toEqual([...DYNAMODB_OPERATIONS_ALARMED].sort());
      expect(expression(latency)).toMatch(/^MAX\(\[/);
    });

    it('pages when authorize concurrency nears its reservation, where it has one', () => {
      const reserved = reservedConcurrencyFor(config.hotPath);
      const ids = [...synth.stateless.monitoring.alarmsById.keys()];

      if (!reserved) {
        expect(ids).not.toContain('AuthorizeConcurrencyNearReservation');
        return;
      }
      expect(alarm('AuthorizeConcurrencyNearReservation')).toMatchObject({
        MetricName: 'ConcurrentExecutions',
        Statistic: 'Maximum',
        Period: 60,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId('authorize') } }],
        Threshold: Math.ceil((reserved * config.alarms.concurrencyPercentOfReservation) / 100),
        ...mOfN(),
      });
    });

    it('does not judge a period with too few samples to be a rate, and would not page on one error in 1,000 calls/s', () => {
      // At 1,000 calls/s one minute holds 60,000 decisions: a page needs 3 of 5 minutes each at the stage's share.
      expect(config.alarms.datapointsToAlarm).toBeGreaterThan(1);
      if (stage === 'prod') expect((60_000 * config.alarms.degradedPercent) / 100).toBeGreaterThanOrEqual(100);
      // The one exception: a batch of changes captured because it could not reach EventBridge is an incident on its own.
      const singleEvent = (properties: Record<string, unknown>) => properties.Namespace === 'AWS/S3' && properties.MetricName === 'PutRequests';
      for (const alarmProperties of Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')) {
        expect(alarmProperties.Properties.OKActions).toEqual(alarmProperties.Properties.AlarmActions);
        if (!singleEvent(alarmProperties.Properties)) expect(alarmProperties.Properties.DatapointsToAlarm).toBe(config.alarms.datapointsToAlarm);
      }
    });

    it('subscribes the stage on-call to the alarm topic', () => {
      const subscription = config.alarms.subscription;
      const subscriptions = synth.statelessTemplate.findResources('AWS::SNS::Subscription');

      if (!subscription) {
        expect(subscriptions).toEqual({});
        return;
      }
      expect(Object.values(subscriptions).map((found) => (found as Resource).Properties)).toEqual([
        'email' in subscription
          ? { Protocol: 'email', Endpoint: subscription.email, TopicArn: topicRef() }
          : { Protocol: 'https', Endpoint: subscription.httpsUrl, TopicArn: topicRef() },
      ]);
    });

    it('shows every alarm on the dashboard, with graphs of the new rates', () => {
      const [, dashboard] = Object.entries(resources).find(([, resource]) => resource.Type === 'AWS::CloudWatch::Dashboard') ?? [];
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);
      const alarmIds = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm').map(([id]) => id);

      for (const id of alarmIds) expect(body).toContain(`"${id}"`);
      for (const title of ['fail-mode answers (% of decisions)', 'deny reasons, share of decisions', 'DynamoDB throttle events', 'DynamoDB latency', 'stream publisher iterator age', 'authorize concurrent executions']) {
        expect(body).toContain(title);
      }
    });
  });
});

describe('the hot-path and alarm config', () => {
  function statelessWith(config: StageConfig): Template {
    const app = new App({ builtinCloudFormationValidation: false, context: testContext(config.stage) });
    const stateful = new StatefulStack(app, 'Stateful', { config });
    const stateless = new StatelessStack(app, 'Stateless', { config, table: stateful.table, tableIndexNames: stateful.tableIndexNames, eventBus: stateful.eventBus });
    return Template.fromStack(stateless);
  }

  it('subscribes an HTTPS webhook (a pager or chat endpoint) when the stage names one', () => {
    const dev = resolveStageConfig('dev');
    const template = statelessWith(parseStageConfig({ ...dev, alarms: { ...dev.alarms, subscription: { httpsUrl: 'https://events.pagerduty.example/integration/abc/enqueue' } } }));

    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://events.pagerduty.example/integration/abc/enqueue' });
  });

  it('refuses a plain-http webhook, and a budget that does not fit the switch', () => {
    const dev = resolveStageConfig('dev');

    expect(() => parseStageConfig({ ...dev, alarms: { ...dev.alarms, subscription: { httpsUrl: 'http://hooks.example/x' } } })).toThrow(/alarms\.subscription/);
    expect(() => parseStageConfig({ ...dev, hotPath: { ...dev.hotPath, integrationTimeoutMs: 900 } })).toThrow(/must fit in switchTimeoutMs/);
    expect(() => parseStageConfig({ ...dev, hotPath: { ...dev.hotPath, integrationTimeoutMs: 450 } })).toThrow(/before API Gateway gives up/);
    expect(() => parseStageConfig({ ...dev, hotPath: { ...dev.hotPath, dynamoDbRequestTimeoutMs: 600 } })).toThrow(/inside the authorize budget/);
    expect(() => parseStageConfig({ ...dev, alarms: { ...dev.alarms, datapointsToAlarm: 6 } })).toThrow(/cannot exceed evaluationPeriods/);
    const prod = resolveStageConfig('prod');
    expect(() => parseStageConfig({ ...prod, hotPath: { ...prod.hotPath, provisionedConcurrency: { authorize: 601, authorizer: 5 } } })).toThrow(/cannot exceed its reserved concurrency/);
  });
});
