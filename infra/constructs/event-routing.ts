/**
 * EventBridge routing built from data: one rule per `{ detailType, consumerFunctionName }` entry, each delivering
 * to its consumer with a retry policy and the consumer's SQS dead-letter queue.
 *
 * A failed delivery can happen in two places, and both end in the same queue:
 * 1. EventBridge cannot invoke the function (throttled, deleted, no permission): the rule target's DLQ.
 * 2. The function runs and throws: Lambda retries the asynchronous invocation, then its on-failure destination.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface EventRoute {
  /** EventBridge `detail-type`, e.g. `Balance Low`. */
  readonly detailType: string;
  /** The consumer's folder under functions/; it must be a key of `consumers`. */
  readonly consumerFunctionName: string;
}

export interface EventRoutingProps {
  readonly eventBus: IEventBus;
  readonly routes: readonly EventRoute[];
  /** Consumer functions by function name. */
  readonly consumers: ReadonlyMap<string, IFunction>;
  /**
   * EventBridge `source` the rules match.
   * @default 'tollgate'
   */
  readonly source?: string;
  /**
   * How long EventBridge keeps retrying a delivery.
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
  /**
   * EventBridge delivery retries before the dead-letter queue.
   * @default 20
   */
  readonly retryAttempts?: number;
  /**
   * Lambda's own retries when the consumer throws (0–2).
   * @default 2
   */
  readonly consumerRetryAttempts?: number;
}

export class EventRouting extends Construct {
  readonly rules: Rule[] = [];
  /** One dead-letter queue per consumer, by function name. */
  readonly deadLetterQueues = new Map<string, Queue>();

  constructor(scope: Construct, id: string, props: EventRoutingProps) {
    super(scope, id);
    const source = props.source ?? 'tollgate';

    for (const route of props.routes) {
      const consumer = props.consumers.get(route.consumerFunctionName);
      if (!consumer) {
        throw new Error(`Event route "${route.detailType}" names consumer "${route.consumerFunctionName}", which has no function`);
      }
      const deadLetterQueue = this.deadLetterQueueFor(route.consumerFunctionName, consumer, props);
      const rule = new Rule(this, `${pascalCase(route.detailType)}To${pascalCase(route.consumerFunctionName)}`, {
        eventBus: props.eventBus,
        description: `${route.detailType} -> ${route.consumerFunctionName}`,
        eventPattern: { source: [source], detailType: [route.detailType] },
      });
      rule.addTarget(
        new LambdaFunction(consumer, {
          deadLetterQueue,
          maxEventAge: props.maxEventAge ?? Duration.hours(24),
          retryAttempts: props.retryAttempts ?? 20,
        }),
      );
      this.rules.push(rule);
    }
  }

  private deadLetterQueueFor(functionName: string, consumer: IFunction, props: EventRoutingProps): Queue {
    const existing = this.deadLetterQueues.get(functionName);
    if (existing) return existing;
    const queue = new Queue(this, `${pascalCase(functionName)}DeadLetters`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of an EventBridge target and a Lambda on-failure destination.',
    });
    consumer.configureAsyncInvoke({
      onFailure: new SqsDestination(queue),
      retryAttempts: props.consumerRetryAttempts ?? 2,
    });
    this.deadLetterQueues.set(functionName, queue);
    return queue;
  }
}

export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
