/**
 * @deprecated Use `eventConsumer` (functions/shared/event-consumer.ts), which also validates the envelope and logs
 * failures with the event's ids; kept until the review-flagger moves to it.
 *
 * The consumers' edge: the EventBridge envelope in, the validated Tollgate event out. A detail that breaks its
 * contract throws, so it is retried and then dead-lettered where an operator can see it, never silently dropped.
 */
import { isDetailType, parseEvent, type DetailType, type TollgateEvent } from '../../domain/events/contracts.js';
import type { BusEvent } from './event-publisher.js';

export function parseBusEvent(event: BusEvent): TollgateEvent {
  const detailType = event['detail-type'];
  if (!isDetailType(detailType)) throw new Error(`unknown detail-type "${detailType}"`);
  return parseEvent(detailType, event.detail);
}

export function parseBusEventOf<T extends DetailType>(event: BusEvent, expected: T): TollgateEvent<T> {
  if (event['detail-type'] !== expected) throw new Error(`expected "${expected}", received "${event['detail-type']}"`);
  return parseEvent(expected, event.detail);
}
