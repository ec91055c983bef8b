/**
 * An SQS queue between EventBridge and a consumer that calls the outside world (the notifier: customers' webhooks).
 *
 * EventBridge retries only until Lambda accepts the event; Lambda then retries a failing function twice within
 * minutes. A customer's webhook down for a quarter of an hour would dead-letter and page. With a queue in between,
 * a message the consumer fails returns after the visibility timeout and is tried again, `maxReceiveCount` times, so
 * delivery keeps being retried for hours (20 minutes × 18 = 6 hours by default) before the message, with its body
 * (the EventBridge event itself), moves to the consumer's dead-letter queue, from which SQS can redrive it back.
 * The consumer reports failures per message (`ReportBatchItemFailures`): one bad webhook does not retry the batch.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Default visibility timeout: the pause between two attempts at one message. */
export const CONSUMER_QUEUE_VISIBILITY = Duration.minutes(20);
/** Default attempts at one message before it is dead-lettered. */
export const CONSUMER_QUEUE_MAX_RECEIVE_COUNT = 18;

export interface ConsumerQueueProps {
  readonly consumer: IFunction;
  /** Where a message goes after its last attempt (the consumer's dead-letter queue). */
  readonly deadLetterQueue: Queue;
  /** @default CONSUMER_QUEUE_VISIBILITY; must be at least the consumer's timeout */
  readonly visibilityTimeout?: Duration;
  /** @default CONSUMER_QUEUE_MAX_RECEIVE_COUNT */
  readonly maxReceiveCount?: number;
  /**
   * At most this many concurrent consumer invocations: a flood of events must not become a flood of webhook calls.
   * @default 10
   */
  readonly maxConcurrency?: number;
}

export class ConsumerQueue extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: ConsumerQueueProps) {
    super(scope, id);
    const visibilityTimeout = props.visibilityTimeout ?? CONSUMER_QUEUE_VISIBILITY;
    const maxReceiveCount = props.maxReceiveCount ?? CONSUMER_QUEUE_MAX_RECEIVE_COUNT;
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout,
      // Long enough for every attempt, with a day to spare.
      retentionPeriod: Duration.seconds(Math.min(14 * 86_400, visibilityTimeout.toSeconds() * maxReceiveCount + 86_400)),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount },
    });
    props.consumer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency ?? 10,
      }),
    );
  }
}
