/**
 * The table stream → EventBridge. Reports batch item failures so Lambda retries from the first record that could
 * not be published, and nothing after it is skipped.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { EventBridgePublisher } from '../adapters/eventbridge/eventbridge-publisher.js';
import type { EventPublisher } from '../shared/event-publisher.js';
import { getLogger, type Logger } from '../shared/logger.js';
import { eventsFromChange, type ChangeRecord } from './events-from-stream.js';

export async function publishChanges(records: readonly ChangeRecord[], publisher: EventPublisher, logger: Logger): Promise<{ failedEventId?: string }> {
  for (const record of records) {
    let events;
    try {
      events = eventsFromChange(record);
    } catch (error) {
      // A record that cannot be read will never be readable: retrying it would stop the shard behind it.
      // Outbox items are validated against their contract when written, so this is a defect to look at, not load.
      logger.error('skipped an unreadable change record', { eventID: record.eventID, error: String(error), record: JSON.stringify(record).slice(0, 2_000) });
      continue;
    }
    try {
      if (events.length > 0) await publisher.publish(events);
    } catch (error) {
      logger.error('could not publish a change', { eventID: record.eventID, error: String(error) });
      return { ...(record.eventID ? { failedEventId: record.eventID } : {}) };
    }
  }
  return {};
}

export function makeHandler(publisher: () => EventPublisher, logger: Logger = getLogger()) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const result = await publishChanges(event.Records as ChangeRecord[], publisher(), logger);
    return { batchItemFailures: result.failedEventId ? [{ itemIdentifier: result.failedEventId }] : [] };
  };
}

let eventBridge: EventBridgePublisher | undefined;

export const handler = makeHandler(() => {
  const busName = process.env.EVENT_BUS_NAME;
  if (!busName) throw new Error('EVENT_BUS_NAME is not set');
  eventBridge ??= new EventBridgePublisher(new EventBridgeClient({}), busName);
  return eventBridge;
});
