import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteDefinition } from '../../domain/contract/routes.js';
import { TABLE_SCHEMA } from '../../domain/contract/table-schema.js';
import { createTableInput } from '../../functions/adapters/dynamodb/table-definition.js';
import { readConfig } from '../../functions/shared/config.js';
import { METRIC_NAMES } from '../../functions/shared/observability.js';
import { CONSOLE_ROUTE_PATHS } from '../../infra/constructs/console-site.js';
import { EMF_METRICS } from '../../infra/constructs/monitoring.js';
import { resolveStageConfig, STAGES, type Stage } from '../../infra/config.js';
import { hasHandler } from '../../infra/handler-entries.js';
import { StatefulStack } from '../../infra/stacks/stateful-stack.js';
import { STREAM_PUBLISHER_FUNCTION_NAME, STREAM_PUBLISHER_PATTERNS, StatelessStack } from '../../infra/stacks/stateless-stack.js';
import { synthTollgate, testContext, type SynthesizedTollgate } from './synth-tollgate.js';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string; Metadata?: Record<string, unknown> }>;

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, string[]>>;
}

const REQUIRED_ENVIRONMENT = [
  'TABLE_NAME',
  'EVENT_BUS_NAME',
  'TOLLGATE_STAGE',
  'TOLLGATE_FAIL_MODE',
  'TOLLGATE_DECISION_TTL_DAYS',
  'TOLLGATE_DETECTION',
  'TOLLGATE_RANGE_WATCH',
  'TOLLGATE_BAN_THRESHOLD',
  'TOLLGATE_SIMULATED_PAYMENTS',
  'TOLLGATE_EMAIL_TRANSPORT',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_LOG_LEVEL',
  'NODE_OPTIONS',
];

/** Every acknowledged cdk-nag rule; a new acknowledgement must be added here on purpose, with its reason in code. */
const ACKNOWLEDGED_NAG_RULES = [
  'AwsSolutions-APIG4',
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
  'AwsSolutions-IAM5[Resource::*]',
  'AwsSolutions-L1',
  'AwsSolutions-SNS2',
  'AwsSolutions-SQS3',
  'AwsSolutions-S1',
];
/** The stream publisher puts objects, named by Lambda, into the stream failures bucket (infra/constructs/stream-failure-capture.ts). */
const ACKNOWLEDGED_NAG_PATTERNS = [
  /^AwsSolutions-IAM5\[Resource::<StreamFailuresBucket[0-9A-F]{8}\.Arn>\/\*\]$/,
  /** The export role writes objects an export names (infra/stacks/stateful-stack.ts). */
  /^AwsSolutions-IAM5\[Resource::<DecisionExports[0-9A-F]{8}\.Arn>\/exports\/\*\]$/,
];

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

describe.each(STAGES)('the %s app', (stage: Stage) => {
  let synth: SynthesizedTollgate;
  let stateless: Resources;
  let stateful: Resources;

  beforeAll(() => {
    synth = synthTollgate(stage);
    stateless = synth.statelessTemplate.toJSON().Resources as Resources;
    stateful = synth.statefulTemplate.toJSON().Resources as Resources;
  });

  const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  // The console's files (infra/constructs/console-site.ts, test/infra/console-site.test.ts) are not a Tollgate function
  // of the contract: no route table entry, no table, no bus, no Tollgate configuration. These tests leave them out.
  const consoleRouteKeys = CONSOLE_ROUTE_PATHS.map((path) => `GET ${path}`);
  const isConsoleRoute = (route: { RouteKey?: unknown }) => consoleRouteKeys.includes(String(route.RouteKey));
  const tollgateFunctions = () => {
    const consoleId = synth.stateless.getLogicalId(synth.stateless.console.function.node.defaultChild as CfnFunction);
    return ofType(stateless, 'AWS::Lambda::Function').filter(([id]) => id !== consoleId);
  };
  const logicalIdOf = (fnName: string): string => {
    const fn = synth.stateless.functions.get(fnName);
    if (!fn) throw new Error(`no function ${fnName}`);
    return synth.stateless.getLogicalId(fn.function.node.defaultChild as CfnFunction);
  };
  /** What API Gateway invokes for a function: its `live` alias on the switch's path, else the function. */
  const invokedIdOf = (fnName: string): string => {
    const live = synth.stateless.liveAliases.get(fnName);
    return live ? synth.stateless.getLogicalId(live.alias.node.defaultChild as never) : logicalIdOf(fnName);
  };

  it('has no unacknowledged cdk-nag finding', () => {
    expect(synth.nagFindings).toEqual([]);
  });

  it('acknowledges only the reviewed cdk-nag rules, each with a reason', () => {
    const acknowledgements = [...Object.values(stateless), ...Object.values(stateful)].flatMap((resource) => {
      const nag = resource.Metadata?.cdk_nag as { rules_to_suppress?: Array<{ id: string; reason: string }> } | undefined;
      return nag?.rules_to_suppress ?? [];
    });

    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const acknowledgement of acknowledgements) {
      expect(ACKNOWLEDGED_NAG_RULES.includes(acknowledgement.id) || ACKNOWLEDGED_NAG_PATTERNS.some((pattern) => pattern.test(acknowledgement.id)), acknowledgement.id).toBe(true);
      expect(acknowledgement.reason.length).toBeGreaterThan(30);
    }
  });

  it('creates one route per contract entry, integrated with the function the contract names', () => {
    const routes = ofType(stateless, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties ?? {}).filter((route) => !isConsoleRoute(route));
    const integrations = Object.fromEntries(ofType(stateless, 'AWS::ApiGatewayV2::Integration'));

    expect(routes.map((route) => route.RouteKey).sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
    for (const contractRoute of ROUTES) {
      const route = routes.find((candidate) => candidate.RouteKey === `${contractRoute.method} ${contractRoute.path}`);
      const integrationId = JSON.stringify(route?.Target).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
      expect(JSON.stringify(integrations[integrationId]?.Properties?.IntegrationUri)).toContain(`"${invokedIdOf(contractRoute.functionName)}"`);
    }
  });

  it('puts the bearer-credential authorizer on every route except /health, the OpenAPI document and the console files', () => {
    const [authorizerId] = Object.keys(synth.statelessTemplate.findResources('AWS::ApiGatewayV2::Authorizer'));
    const routes = ofType(stateless, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties ?? {});

    const unauthenticated = routes.filter((route) => route.AuthorizationType !== 'CUSTOM').map((route) => String(route.RouteKey));
    expect(unauthenticated.sort()).toEqual(['GET /health', 'GET /v1/openapi.json', ...consoleRouteKeys].sort());
    for (const route of routes.filter((candidate) => candidate.AuthorizationType === 'CUSTOM')) {
      expect(route.AuthorizerId).toEqual({ Ref: authorizerId });
    }
  });

  it('caches the authorizer answer per Authorization header for the configured time, with simple responses', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: synth.config.api.authorizerCacheTtlSeconds,
    });
    const [, authorizer] = ofType(stateless, 'AWS::ApiGatewayV2::Authorizer')[0] ?? [];
    expect(JSON.stringify(authorizer?.Properties?.AuthorizerUri)).toContain(invokedIdOf('authorizer'));
  });

  it('logs every request and throttles the stage as configured', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"routeKey":"\\$context.routeKey"') },
      DefaultRouteSettings: { ThrottlingRateLimit: synth.config.api.throttle.rateLimit, ThrottlingBurstLimit: synth.config.api.throttle.burstLimit },
    });
  });

  it('lets authorize read and write its own table only, by partition: no scan, no delete, nothing else', () => {
    const authorize = synth.stateless.functions.get('authorize');
    const policyId = authorize ? synth.stateless.getLogicalId(authorize.role.node.findChild('DefaultPolicy').node.defaultChild as never) : '';
    const statements = (stateless[policyId]?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    const tableArn = synth.stateless.resolve(synth.stateful.table.tableArn) as unknown;
    const logGroupId = authorize ? synth.stateless.getLogicalId(authorize.logGroup.node.defaultChild as never) : '';

    const dynamoStatements = statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')));
    const otherStatements = statements.filter((statement) => !dynamoStatements.includes(statement));
    expect([...new Set(dynamoStatements.flatMap(actionsOf))].sort()).toEqual(
      ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'].sort(),
    );
    for (const statement of dynamoStatements) {
      expect(statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']?.length).toBeGreaterThan(0);
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const resource of resources) {
        expect([tableArn, { 'Fn::Join': ['', [tableArn, '/index/gsi1']] }]).toContainEqual(resource);
      }
    }
    expect(otherStatements).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
      { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
    ]);
  });

  it('gives no function Scan, and gives wildcard resources only to actions that have no other', () => {
    const statements = ofType(stateless, 'AWS::IAM::Policy').flatMap(
      ([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement,
    );

    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:Scan');
    for (const statement of statements.filter((candidate) => candidate.Resource === '*')) {
      for (const action of actionsOf(statement)) {
        expect(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:ListStreams']).toContain(action);
      }
    }
  });

  it('builds every function with the house defaults: Node 22 on arm64, JSON logs, active tracing, the common environment', () => {
    const functions = tollgateFunctions();

    expect(functions.length).toBe(synth.stateless.functions.size);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: synth.config.logs.level },
        Environment: { Variables: { TOLLGATE_STAGE: stage, TOLLGATE_FAIL_MODE: synth.config.failMode, POWERTOOLS_SERVICE_NAME: 'tollgate', POWERTOOLS_METRICS_NAMESPACE: `Tollgate/${stage}` } },
      });
      expect(Object.keys((fn.Properties?.Environment as { Variables: object }).Variables)).toEqual(expect.arrayContaining(REQUIRED_ENVIRONMENT));
    }
  });

  it("gives every function an environment the functions' own configuration check accepts, with this stage's values", () => {
    for (const [id, fn] of tollgateFunctions()) {
      const variables = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
      // Table and bus names are references to the stateful stack; any name will do here.
      const environment = Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : `resolved-${key}`]));

      const runtime = readConfig(environment);

      expect(runtime, id).toMatchObject({
        stage,
        failMode: synth.config.failMode,
        decisionTtlDays: synth.config.decisionRetentionDays,
        detection: synth.config.detection.destinations,
        bans: { threshold: synth.config.detection.ipBan.threshold, baseSeconds: synth.config.detection.ipBan.banSeconds },
        simulatedPayments: synth.config.payments.simulated,
        email: { transport: synth.config.emailFrom ? 'ses' : 'none' },
      });
    }
  });

  it('writes each function log to its own log group kept for the stage retention', () => {
    for (const fn of synth.stateless.functions.values()) {
      synth.statelessTemplate.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: synth.config.logs.retentionDays },
        DeletionPolicy: synth.config.logs.removalPolicy === 'retain' ? 'Retain' : 'Delete',
      });
      expect(fn.function.logGroup).toBe(fn.logGroup);
    }
  });

  it('sizes authorize for the hot path as configured', () => {
    expect(stateless[logicalIdOf('authorize')]?.Properties).toMatchObject({
      MemorySize: synth.config.functions.authorize.memoryMb,
      Timeout: 1,
    });
  });

  it('keeps the single table as the contract describes: keys, gsi1, TTL, stream, on-demand, PITR', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: Match.arrayWith(['record', 'tokenHash', 'reviewId', 'bannedUntil']) },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('builds the one table the schema describes, exactly as the local stack creates it in DynamoDB Local', () => {
    const local = createTableInput('tollgate');
    const tables = ofType(stateful, 'AWS::DynamoDB::Table');

    expect(tables).toHaveLength(1);
    const properties = tables[0]?.[1].Properties ?? {};
    expect(properties.KeySchema).toEqual(local.KeySchema);
    expect(properties.AttributeDefinitions).toEqual(local.AttributeDefinitions);
    expect(properties.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
    expect(properties.BillingMode).toBe(local.BillingMode);
    expect(properties.StreamSpecification).toEqual({ StreamViewType: local.StreamSpecification?.StreamViewType });
    expect(properties.TimeToLiveSpecification).toEqual({ AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true });
    expect(synth.stateful.tableIndexNames).toEqual(TABLE_SCHEMA.globalSecondaryIndexes.map((index) => index.indexName));
  });

  it(stage === 'prod' ? 'protects and retains the table' : 'lets the table go with the stack', () => {
    const retained = stage === 'prod';

    synth.statefulTemplate.hasResource('AWS::DynamoDB::Table', {
      Properties: { DeletionProtectionEnabled: retained },
      DeletionPolicy: retained ? 'Retain' : 'Delete',
      UpdateReplacePolicy: retained ? 'Retain' : 'Delete',
    });
  });

  it('creates the bus tollgate-<stage> with an archive', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::Events::EventBus', { Name: `tollgate-${stage}` });
    synth.statefulTemplate.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: synth.config.events.archiveRetentionDays,
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventBus'), 'Arn'] },
    });
  });

  it('routes every EventBridge rule to its consumer with a retry policy and a dead-letter queue', () => {
    const queues = ofType(stateless, 'AWS::SQS::Queue').map(([id]) => id);

    for (const [, rule] of ofType(stateless, 'AWS::Events::Rule')) {
      const targets = rule.Properties?.Targets as Array<{ Arn: unknown; DeadLetterConfig?: { Arn: unknown }; RetryPolicy?: object }>;
      expect(targets).toHaveLength(1);
      const [target] = targets;
      // The notifier reads an SQS queue (infra/constructs/consumer-queue.ts); the others are invoked.
      expect(JSON.stringify(target?.Arn)).toMatch(/Function|NotifierQueue/);
      expect(target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: expect.any(Number), MaximumRetryAttempts: expect.any(Number) });
      expect(queues).toContain((target?.DeadLetterConfig?.Arn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]);
    }
  });

  it('wires the stream publisher to the table stream exactly when its handler exists', () => {
    const mappings = synth.statelessTemplate.findResources('AWS::Lambda::EventSourceMapping');

    if (!hasHandler(STREAM_PUBLISHER_FUNCTION_NAME)) {
      expect(mappings).toEqual({});
      return;
    }
    synth.statelessTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(STREAM_PUBLISHER_FUNCTION_NAME) },
      EventSourceArn: synth.stateless.resolve(synth.stateful.table.tableStreamArn),
      FilterCriteria: { Filters: STREAM_PUBLISHER_PATTERNS.map((pattern) => ({ Pattern: JSON.stringify(pattern) })) },
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('lets only the stream publisher put events, on this bus only', () => {
    const putters = ofType(stateless, 'AWS::IAM::Policy').filter(([, policy]) =>
      (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement.some((statement) => actionsOf(statement).includes('events:PutEvents')),
    );

    expect(putters.map(([, policy]) => policy.Properties?.Roles)).toEqual(
      hasHandler(STREAM_PUBLISHER_FUNCTION_NAME)
        ? [[{ Ref: synth.stateless.getLogicalId(synth.stateless.functions.get(STREAM_PUBLISHER_FUNCTION_NAME)?.role.node.defaultChild as never) }]]
        : [],
    );
  });

  it('gives a function serving only GET routes read access and no writes', () => {
    const decisions = synth.stateless.functions.get('decisions');
    const policyId = decisions ? synth.stateless.getLogicalId(decisions.role.node.findChild('DefaultPolicy').node.defaultChild as never) : '';
    const actions = (stateless[policyId]?.Properties?.PolicyDocument as { Statement: Statement[] }).Statement.flatMap(actionsOf);

    expect([...new Set(actions.filter((action) => action.startsWith('dynamodb:')))].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
  });

  it('alarms on the denial spike counted from the log lines, and on every function and dead-letter queue, each notifying on ALARM and OK', () => {
    const alarms = ofType(stateless, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties ?? {});

    synth.statelessTemplate.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.decision = "deny" }',
      LogGroupName: { Ref: synth.stateless.getLogicalId(synth.stateless.functions.get('authorize')?.logGroup.node.defaultChild as never) },
      MetricTransformations: [{ MetricName: 'Denials', MetricNamespace: `Tollgate/${stage}`, MetricValue: '1', DefaultValue: 0 }],
    });
    expect(alarms).toContainEqual(expect.objectContaining({ MetricName: 'Denials', Threshold: synth.config.alarms.denialsPer5Min }));
    const usingMetric = (name: string) =>
      alarms.filter((alarm) =>
        (alarm.Metrics as Array<{ Id: string; MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } } }> | undefined)?.some(
          (metric) => metric.MetricStat?.Metric.MetricName === name && metric.Id === name.toLowerCase() && metric.MetricStat.Metric.Dimensions.length === 1,
        ),
      ).length;
    expect(usingMetric('Errors')).toBe(synth.stateless.functions.size);
    expect(usingMetric('Throttles')).toBe(synth.stateless.functions.size);
    // Every dead-letter queue; a work queue (it has a redrive policy) is not one.
    expect(alarms.filter((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible').length).toBe(
      ofType(stateless, 'AWS::SQS::Queue').filter(([, queue]) => !queue.Properties?.RedrivePolicy).length,
    );
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toHaveLength(1);
      expect(alarm.OKActions).toEqual(alarm.AlarmActions);
    }
  });

  it("graphs the functions' metrics: decisions by reason and country, authorize latency, DynamoDB time per request", () => {
    const [, dashboard] = ofType(stateless, 'AWS::CloudWatch::Dashboard')[0] ?? [];
    const join = (dashboard?.Properties?.DashboardBody as { 'Fn::Join': [string, unknown[]] } | undefined)?.['Fn::Join'];
    // The body is JSON joined around tokens (the region); with the tokens replaced it parses.
    const parts = join?.[1] ?? [];
    const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('')) as {
      widgets: Array<{ properties: { title?: string; metrics?: Array<Array<string | Record<string, unknown>>> } }>;
    };
    const widget = (title: RegExp) => {
      const found = body.widgets.find((candidate) => title.test(candidate.properties.title ?? ''));
      expect(found, String(title)).toBeDefined();
      return found?.properties.metrics ?? [];
    };
    const namespace = `Tollgate/${stage}`;
    const expressions = (metrics: ReturnType<typeof widget>) => metrics.map((metric) => (metric.at(-1) as { expression?: string }).expression);
    // CloudWatch's default statistic, Average, is left out of the body
    const emf = (metrics: ReturnType<typeof widget>) => metrics.map((metric) => [...metric.slice(0, 4), (metric.at(-1) as { stat?: string }).stat ?? 'Average']);

    expect(expressions(widget(/decisions by reason/))).toEqual([
      `SEARCH('{${namespace},service,decision,reason} service="authorize" MetricName="${METRIC_NAMES.decisions}"', 'Sum', 300)`,
    ]);
    expect(expressions(widget(/destination countries/))).toEqual([
      `SLICE(SORT(SEARCH('{${namespace},service,country} service="authorize" MetricName="${METRIC_NAMES.decisions}"', 'Sum', 300), SUM, DESC), 0, 10)`,
    ]);
    expect(emf(widget(/authorize latency/))).toEqual([
      [namespace, METRIC_NAMES.authorizeLatency, 'service', 'authorize', 'p50'],
      [namespace, METRIC_NAMES.authorizeLatency, 'service', 'authorize', 'p99'],
    ]);
    expect(emf(widget(/DynamoDB time per request/))).toEqual([
      [namespace, METRIC_NAMES.dynamoDbTime, 'service', 'authorize', 'p50'],
      [namespace, METRIC_NAMES.dynamoDbTime, 'service', 'authorize', 'p99'],
      [namespace, METRIC_NAMES.dynamoDbRequests, 'service', 'authorize', 'Average'],
    ]);
    expect(emf(widget(/degraded decisions/))).toEqual([[namespace, METRIC_NAMES.degradedDecisions, 'service', 'authorize', 'Sum']]);
    // infra/ may not import functions/: its copy of the names must be the functions' own
    expect(Object.entries(EMF_METRICS).every(([key, name]) => METRIC_NAMES[key as keyof typeof METRIC_NAMES] === name)).toBe(true);
  });

  it('has a dashboard and outputs the API URL and the credentials function', () => {
    synth.statelessTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    synth.statelessTemplate.hasOutput('ApiUrl', {});
    synth.statelessTemplate.hasOutput('CredentialsFunctionName', {});
    synth.statelessTemplate.hasOutput('AlarmTopicArn', {});
    synth.statefulTemplate.hasOutput('EventBusName', {});
  });
});

describe('the cdk-nag check', () => {
  it('is active: a non-compliant resource added to the app is reported', () => {
    const synth = synthTollgate('dev', ({ stateless }) => {
      new Queue(stateless as Stack, 'UnencryptedProbe');
    });

    expect(synth.nagFindings.map((finding) => finding.rule)).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});

describe('the contract table drives the API', () => {
  function appWithRoutes(routes: readonly RouteDefinition[], config = resolveStageConfig('dev')) {
    const app = new App({ builtinCloudFormationValidation: false, context: testContext('dev') });
    const stateful = new StatefulStack(app, 'Stateful', { config });
    const stateless = new StatelessStack(app, 'Stateless', {
      config,
      table: stateful.table,
      tableIndexNames: stateful.tableIndexNames,
      eventBus: stateful.eventBus,
      routes,
    });
    return { stateless, template: Template.fromStack(stateless) };
  }

  it('picks up a new route with its authorizer; table access stays what the function declares, not what its methods suggest', () => {
    const added: RouteDefinition = { method: 'DELETE', path: '/v1/accounts/{accountId}/blocked-destinations/{target}', functionName: 'accounts', access: ['reviewer', 'admin'] };

    const { stateless, template } = appWithRoutes([...ROUTES, added]);

    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `DELETE ${added.path}`, AuthorizationType: 'CUSTOM' });
    const accountsRole = stateless.functions.get('accounts')?.role;
    const accountsPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter(
      (policy) => JSON.stringify((policy as { Properties: { Roles: unknown } }).Properties.Roles) === JSON.stringify([{ Ref: stateless.getLogicalId(accountsRole?.node.defaultChild as never) }]),
    );
    expect(accountsPolicies).toHaveLength(1);
    expect(JSON.stringify(accountsPolicies)).not.toContain('dynamodb:DeleteItem');
  });

  it('refuses to synthesize a route whose function has no handler, naming the missing file', () => {
    const orphan = { method: 'GET', path: '/v1/invoices', functionName: 'invoices', access: ['admin'] } as unknown as RouteDefinition;

    expect(() => appWithRoutes([...ROUTES, orphan])).toThrow(/functions\/invoices\/handler\.ts/);
  });

  it('lets only the notifier send email, and only from the configured sender', () => {
    const config = { ...resolveStageConfig('dev'), emailFrom: 'alerts@carrier.example' };

    const { stateless, template } = appWithRoutes(ROUTES, config);

    const senders = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy).includes('ses:SendEmail'),
    );
    expect(senders.map((policy) => (policy as { Properties: { Roles: unknown } }).Properties.Roles)).toEqual([
      [{ Ref: stateless.getLogicalId(stateless.functions.get('notifier')?.role.node.defaultChild as never) }],
    ]);
    expect(JSON.stringify(senders)).toContain(':identity/alerts@carrier.example');
    expect(JSON.stringify(senders)).toContain(':identity/carrier.example');
  });
});
