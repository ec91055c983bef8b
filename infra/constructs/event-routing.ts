/**
 * EventBridge routing built from the one routing definition (domain/events/routing.ts): one rule per consumer,
 * matching the detail types it consumes, delivering with a retry policy and the consumer's SQS dead-letter queue.
 *
 * A failed delivery can happen in two places, and both end in the same queue:
 * 1. EventBridge cannot invoke the function (throttled, deleted, no permission): the rule target's DLQ.
 * 2. The function runs and throws: Lambda retries the asynchronous invocation, then its on-failure destination.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../domain/events/contracts.js';
import { ConsumerQueue } from './consumer-queue.js';

/** One consumer and the detail types it receives; `ConsumerRoute` from domain/events has this shape. */
export interface EventRoute {
  /** The consumer's folder under functions/; it must be a key of `consumers`. */
  readonly consumer: string;
  /** EventBridge `detail-type`s, e.g. `Balance Low`. */
  readonly detailTypes: readonly string[];
  readonly description?: string;
}

export interface EventRoutingProps {
  readonly eventBus: IEventBus;
  readonly routes: readonly EventRoute[];
  /** Consumer functions by consumer name. */
  readonly consumers: ReadonlyMap<string, IFunction>;
  /**
   * EventBridge `source` the rules match.
   * @default EVENT_SOURCE ('tollgate')
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
  /**
   * Consumers that call the outside world: their rule delivers to an SQS queue (infra/constructs/consumer-queue.ts)
   * that the consumer reads, instead of invoking it.
   * @default none
   */
  readonly queuedConsumers?: ReadonlySet<string>;
}

export class EventRouting extends Construct {
  /** One rule per consumer, by consumer name. */
  readonly rules = new Map<string, Rule>();
  /** One dead-letter queue per consumer, by consumer name. */
  readonly deadLetterQueues = new Map<string, Queue>();
  /** The work queue of each queued consumer, by consumer name. */
  readonly consumerQueues = new Map<string, Queue>();

  constructor(scope: Construct, id: string, props: EventRoutingProps) {
    super(scope, id);

    for (const route of props.routes) {
      const consumer = props.consumers.get(route.consumer);
      if (!consumer) {
        throw new Error(`Event route to "${route.consumer}" has no consumer function`);
      }
      if (this.rules.has(route.consumer)) {
        throw new Error(`Event routes name consumer "${route.consumer}" twice; list all its detail types in one route`);
      }
      const name = pascalCase(route.consumer);
      const deadLetterQueue = new Queue(this, `${name}DeadLetters`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(deadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of an EventBridge target and a Lambda on-failure destination.',
      });
      const queued = props.queuedConsumers?.has(route.consumer) === true;
      const consumerQueue = queued ? new ConsumerQueue(this, `${name}Queue`, { consumer, deadLetterQueue }).queue : undefined;
      if (consumerQueue) this.consumerQueues.set(route.consumer, consumerQueue);
      else {
        consumer.configureAsyncInvoke({
          onFailure: new SqsDestination(deadLetterQueue),
          retryAttempts: props.consumerRetryAttempts ?? 2,
        });
      }

      const rule = new Rule(this, `${name}Rule`, {
        eventBus: props.eventBus,
        description: (route.description ?? `events for ${route.consumer}`).slice(0, 512),
        eventPattern: { source: [props.source ?? EVENT_SOURCE], detailType: [...route.detailTypes] },
      });
      const delivery = { deadLetterQueue, maxEventAge: props.maxEventAge ?? Duration.hours(24), retryAttempts: props.retryAttempts ?? 20 };
      rule.addTarget(consumerQueue ? new SqsQueue(consumerQueue, delivery) : new LambdaFunction(consumer, delivery));
      this.rules.set(route.consumer, rule);
      this.deadLetterQueues.set(route.consumer, deadLetterQueue);
    }
  }
}

export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
