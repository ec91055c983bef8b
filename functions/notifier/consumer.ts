/** Every routed event → the account's webhook and email (domain/notifications/notify-account.ts), each target once. */
import { makeNotifyAccount, type NotifyAccountPorts } from '../../domain/notifications/notify-account.js';
import { eventConsumer, fromQueueOrBus, routedTo } from '../shared/event-consumer.js';
import type { Logger } from '../shared/logger.js';

export type NotifierResult = { readonly delivered: number; readonly skipped: number; readonly reason?: string };

export interface NotifierPorts extends NotifyAccountPorts {
  readonly logger: Logger;
}

export function makeNotifierConsumer(ports: NotifierPorts) {
  const notify = makeNotifyAccount(ports);
  return eventConsumer({ consumes: routedTo('notifier'), logger: ports.logger }, async (event): Promise<NotifierResult> => {
    const { refused, ...result } = await notify(event);
    const accountId = (event.detail as { accountId?: string | null }).accountId;
    // Recorded as rejected and not retried: the customer's URL must change, which only the account's owner can do.
    for (const why of refused) ports.logger.warn('webhook refused', { accountId, eventId: event.detail.eventId, why });
    return result;
  });
}

/**
 * The notifier's Lambda entry: in AWS an SQS batch from its queue (retried for hours, partial batch failures
 * reported); locally, and for anything invoking it directly, one EventBridge event.
 */
export function makeNotifierEntry(ports: NotifierPorts) {
  return fromQueueOrBus(makeNotifierConsumer(ports), ports.logger);
}
