import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Code, Function as LambdaFunction, Runtime, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../domain/events/contracts.js';
import { consumersFor, EVENT_ROUTES } from '../../domain/events/routing.js';
import { EventRouting, type EventRoute } from '../../infra/constructs/event-routing.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
interface RuleTarget {
  readonly Arn: { 'Fn::GetAtt': [string, string] };
  readonly DeadLetterConfig?: { Arn: { 'Fn::GetAtt': [string, string] } };
  readonly RetryPolicy?: object;
}

function routingStack(routes: readonly EventRoute[]) {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Routing');
  const eventBus = new EventBus(stack, 'Bus');
  const names = [...new Set(routes.map((route) => route.consumer))];
  const consumers = new Map(
    names.map((name) => [
      name,
      new LambdaFunction(stack, name, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => {}') }),
    ]),
  );
  const routing = new EventRouting(stack, 'Routing', { eventBus, routes, consumers });
  const consumerByLogicalId = new Map([...consumers].map(([name, fn]) => [stack.getLogicalId(fn.node.defaultChild as CfnFunction), name]));
  const queueId = (name: string) => stack.getLogicalId(routing.deadLetterQueues.get(name)?.node.defaultChild as never);
  const template = Template.fromStack(stack);
  return { template, resources: template.toJSON().Resources as Resources, consumerByLogicalId, queueId };
}

describe('event routing from the one routing definition', () => {
  it('delivers every event type to exactly the consumers the local event bus delivers it to', () => {
    const { resources, consumerByLogicalId } = routingStack(EVENT_ROUTES);
    const rules = Object.values(resources).filter((resource) => resource.Type === 'AWS::Events::Rule');

    for (const detailType of DETAIL_TYPES) {
      const cdkConsumers = rules
        .filter((rule) => {
          const pattern = rule.Properties.EventPattern as { source: string[]; 'detail-type': string[] };
          return pattern.source.includes(EVENT_SOURCE) && pattern['detail-type'].includes(detailType);
        })
        .flatMap((rule) => (rule.Properties.Targets as RuleTarget[]).map((target) => consumerByLogicalId.get(target.Arn['Fn::GetAtt'][0])));

      expect(cdkConsumers.sort(), detailType).toEqual([...consumersFor(detailType)].sort());
    }
  });

  it('makes one rule per consumer', () => {
    const { template } = routingStack(EVENT_ROUTES);

    template.resourceCountIs('AWS::Events::Rule', EVENT_ROUTES.length);
  });

  it('targets each rule at its consumer with a retry policy and the consumer dead-letter queue', () => {
    const { resources, consumerByLogicalId, queueId } = routingStack(EVENT_ROUTES);

    for (const rule of Object.values(resources).filter((resource) => resource.Type === 'AWS::Events::Rule')) {
      const [target, ...others] = rule.Properties.Targets as RuleTarget[];
      const consumer = consumerByLogicalId.get(target?.Arn['Fn::GetAtt'][0] ?? '') ?? 'none';

      expect(others).toEqual([]);
      expect(target?.DeadLetterConfig?.Arn).toEqual({ 'Fn::GetAtt': [queueId(consumer), 'Arn'] });
      expect(target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 20 });
    }
  });

  it('sends a consumer that keeps throwing to its dead-letter queue after Lambda retries', () => {
    const { template, consumerByLogicalId, queueId } = routingStack(EVENT_ROUTES);

    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', EVENT_ROUTES.length);
    for (const [logicalId, consumer] of consumerByLogicalId) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(consumer), 'Arn'] } } },
      });
    }
  });

  it('lets EventBridge write to the dead-letter queues, over TLS only', () => {
    const { template } = routingStack(EVENT_ROUTES);

    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('makes nothing when there are no routes', () => {
    const { template } = routingStack([]);

    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it('refuses a consumer listed twice, so one consumer never gets two rules and two queues', () => {
    const twice = [
      { consumer: 'notifier', detailTypes: ['IP Banned'] },
      { consumer: 'notifier', detailTypes: ['Balance Low'] },
    ];

    expect(() => routingStack(twice)).toThrow(/"notifier" twice/);
  });
});
