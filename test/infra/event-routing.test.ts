import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Code, Function as LambdaFunction, Runtime, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { EventRouting, type EventRoute } from '../../infra/constructs/event-routing.js';

const ROUTES: readonly EventRoute[] = [
  { detailType: 'Balance Low', consumerFunctionName: 'top-up' },
  { detailType: 'Balance Low', consumerFunctionName: 'notifier' },
  { detailType: 'IP Banned', consumerFunctionName: 'notifier' },
];

function routingStack(routes: readonly EventRoute[]) {
  const stack = new Stack(new App(), 'Routing');
  const eventBus = new EventBus(stack, 'Bus');
  const consumers = new Map(
    ['top-up', 'notifier'].map((name) => [
      name,
      new LambdaFunction(stack, name, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => {}') }),
    ]),
  );
  const routing = new EventRouting(stack, 'Routing', { eventBus, routes, consumers });
  const logicalId = (name: string) => stack.getLogicalId(consumers.get(name)?.node.defaultChild as CfnFunction);
  const queueId = (name: string) => stack.getLogicalId(routing.deadLetterQueues.get(name)?.node.defaultChild as never);
  return { stack, template: Template.fromStack(stack), logicalId, queueId };
}

describe('event routing', () => {
  it('makes one rule per route, matching the source and the detail type', () => {
    const { template } = routingStack(ROUTES);

    template.resourceCountIs('AWS::Events::Rule', 3);
    for (const route of ROUTES) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['tollgate'], 'detail-type': [route.detailType] },
        Description: `${route.detailType} -> ${route.consumerFunctionName}`,
      });
    }
  });

  it('targets each rule at its consumer with a retry policy and the consumer dead-letter queue', () => {
    const { template, logicalId, queueId } = routingStack(ROUTES);

    for (const route of ROUTES) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { 'detail-type': [route.detailType] },
        Targets: [
          {
            Arn: { 'Fn::GetAtt': [logicalId(route.consumerFunctionName), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId(route.consumerFunctionName), 'Arn'] } },
            RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 20 },
          },
        ],
      });
    }
  });

  it('sends a consumer that keeps throwing to the same dead-letter queue after Lambda retries', () => {
    const { template, logicalId, queueId } = routingStack(ROUTES);

    template.resourceCountIs('AWS::SQS::Queue', 2);
    for (const name of ['top-up', 'notifier']) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalId(name) },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(name), 'Arn'] } } },
      });
    }
  });

  it('lets EventBridge write to the dead-letter queues, over TLS only', () => {
    const { template } = routingStack(ROUTES);

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

  it('refuses a route to a consumer that has no function', () => {
    expect(() => routingStack([{ detailType: 'Review Resolved', consumerFunctionName: 'auditor' }])).toThrow(/"auditor", which has no function/);
  });
});
