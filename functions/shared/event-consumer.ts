/**
 * The event consumers' edge, as functions/shared/http.ts is the API's: one middy stack around a plain function.
 *
 * 1. The EventBridge envelope is parsed with zod (source `tollgate`, an id, a detail-type, a detail).
 * 2. The detail-type must be one the consumer is routed (domain/events/routing.ts); the detail must keep its
 *    contract (domain/events/contracts.ts). Either failure throws an `EventContractError` naming the fields.
 * 3. Error policy: nothing is swallowed. Every failure is logged with the event's ids and thrown again, so
 *    EventBridge retries it and then dead-letters it where an operator sees it; an event is never silently dropped.
 * 4. `fromQueueOrBus`: a consumer behind an SQS queue (infra/constructs/consumer-queue.ts) receives batches of SQS
 *    messages whose bodies are EventBridge events; each goes through the same consumer, and the messages that failed
 *    are reported (partial batch failure) so SQS retries those alone. A direct EventBridge event (the local bus)
 *    still goes straight through.
 */
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { EVENT_SOURCE, isDetailType, parseEvent, type DetailType, type TollgateEvent } from '../../domain/events/contracts.js';
import { EVENT_ROUTES, type ConsumerName } from '../../domain/events/routing.js';
import type { Logger } from './logger.js';
import { isUnavailable } from './unavailable.js';

/** The EventBridge envelope, as EventBridge and the local bus (functions/local/event-bus.ts) deliver it. */
export const eventBridgeEnvelopeSchema = z.object({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.literal(EVENT_SOURCE),
  account: z.string(),
  time: z.iso.datetime({ offset: true }),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.unknown(),
});

/** An event that breaks its envelope or its contract: a defect of the publisher or the routing, never load. */
export class EventContractError extends Error {
  readonly code = 'EVENT_CONTRACT_VIOLATION';
  constructor(
    message: string,
    /** The offending fields by dotted path (`detail.crossingId`), never their values. */
    readonly fields: readonly string[],
  ) {
    super(message);
    this.name = 'EventContractError';
  }
}

/** The detail types routed to a consumer: the same list its EventBridge rule and the local bus deliver. */
export function routedTo(consumer: ConsumerName): readonly DetailType[] {
  return EVENT_ROUTES.find((route) => route.consumer === consumer)?.detailTypes ?? [];
}

/** Steps 1 and 2: the validated Tollgate event inside an envelope, or an `EventContractError`. */
export function parseConsumedEvent<T extends DetailType>(input: unknown, consumes: readonly T[]): TollgateEvent<T> {
  const envelope = eventBridgeEnvelopeSchema.safeParse(input);
  if (!envelope.success) throw contractError('the EventBridge envelope is invalid', envelope.error, []);
  const { id, 'detail-type': detailType, detail } = envelope.data;
  if (!isDetailType(detailType) || !(consumes as readonly string[]).includes(detailType)) {
    throw new EventContractError(`event ${id}: detail-type "${detailType}" is not one this consumer receives (${consumes.join(', ')})`, ['detail-type']);
  }
  try {
    return parseEvent(detailType as T, detail);
  } catch (error) {
    if (error instanceof z.ZodError) throw contractError(`event ${id}: the "${detailType}" detail breaks its contract`, error, ['detail']);
    throw error;
  }
}

export type EventConsumerHandler<R> = (event: unknown, context?: Context) => Promise<R>;

export interface EventConsumerOptions<T extends DetailType> {
  /** The detail types this consumer is routed; anything else is a wiring error and throws. */
  readonly consumes: readonly T[];
  readonly logger: Logger;
}

export function eventConsumer<T extends DetailType, R>(options: EventConsumerOptions<T>, handle: (event: TollgateEvent<T>) => Promise<R>): EventConsumerHandler<R> {
  const handler = middy<unknown, R>()
    .use({
      onError: async (request) => {
        logFailure(options.logger, request.event, request.error);
        // No response is set: middy throws the error again, and the bus retries or dead-letters the event.
      },
    })
    .handler(async (event) => handle(parseConsumedEvent(event, options.consumes)));
  return handler as unknown as EventConsumerHandler<R>;
}

function logFailure(logger: Logger, event: unknown, error: unknown): void {
  const { id, 'detail-type': detailType, detail } = (event ?? {}) as { id?: unknown; 'detail-type'?: unknown; detail?: { eventId?: unknown } };
  const context = {
    envelopeId: typeof id === 'string' ? id : undefined,
    eventId: typeof detail?.eventId === 'string' ? detail.eventId : undefined,
    detailType: typeof detailType === 'string' ? detailType : undefined,
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
  };
  if (error instanceof EventContractError) logger.error('event breaks its contract; it will be retried, then dead-lettered', context);
  else if (isUnavailable(error) || (error as { retryable?: unknown } | undefined)?.retryable === true) logger.warn('event not handled yet; it will be retried', context);
  else logger.error('event handling failed; it will be retried, then dead-lettered', context);
}

function contractError(message: string, error: z.ZodError, prefix: readonly string[]): EventContractError {
  const problems = error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: 'is not a known field' }));
    return [{ field: path.join('.') || 'event', message: issue.message }];
  });
  return new EventContractError(`${message}: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`, problems.map((problem) => problem.field));
}

/** An SQS batch, as Lambda's SQS event source delivers it: every record from `aws:sqs`. */
export function isSqsBatch(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null | undefined)?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((record) => (record as { eventSource?: unknown } | null)?.eventSource === 'aws:sqs');
}

/**
 * Step 4. The consumer already logged each failure with the event's ids (step 3); here the message id is added
 * and the message reported failed, so SQS makes it visible again after the visibility timeout and, after the
 * queue's `maxReceiveCount`, moves it with its body to the dead-letter queue. Messages are handled one after
 * another: notifications of different events do not depend on each other, and one failure does not stop the rest.
 */
export function fromQueueOrBus<R>(consume: EventConsumerHandler<R>, logger: Logger): (event: unknown, context?: Context) => Promise<R | SQSBatchResponse> {
  return async (event, context) => {
    if (!isSqsBatch(event)) return consume(event, context);
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch (error) {
        logger.error('queue message is not an EventBridge event; it will be retried, then dead-lettered', { messageId: record.messageId, error: String(error) });
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        await consume(body, context);
      } catch {
        logger.warn('queue message failed; it returns after the visibility timeout', { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
