/**
 * The table stream → EventBridge. Reports batch item failures so Lambda retries from the first record that could
 * not be published, and nothing after it is skipped.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { EventPublisher } from '../shared/event-publisher.js';
import type { Logger } from '../shared/logger.js';
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

export function makeStreamPublisher(ports: { readonly publisher: EventPublisher; readonly logger: Logger }) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const result = await publishChanges(event.Records as ChangeRecord[], ports.publisher, ports.logger);
    return { batchItemFailures: result.failedEventId ? [{ itemIdentifier: result.failedEventId }] : [] };
  };
}
