/**
 * The table stream → EventBridge. Reports batch item failures so Lambda retries from the first record that could
 * not be published, and nothing after it is skipped.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { TollgateEvent } from '../../domain/events/contracts.js';
import type { EventPublisher } from '../../domain/events/ports.js';
import type { Logger } from '../shared/logger.js';

export interface PublishPorts<TRecord> {
  /** The events a change record carries (the table's layout is the adapter's to know). */
  readonly eventsOf: (record: TRecord) => TollgateEvent[];
  readonly publisher: EventPublisher;
  readonly logger: Logger;
}

export async function publishChanges<TRecord extends { readonly eventID?: string }>(records: readonly TRecord[], ports: PublishPorts<TRecord>): Promise<{ failedEventId?: string }> {
  const { eventsOf, publisher, logger } = ports;
  for (const record of records) {
    let events;
    try {
      events = eventsOf(record);
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

export function makeStreamPublisher<TRecord extends { readonly eventID?: string }>(ports: PublishPorts<TRecord>) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    // The stream's records are the adapter's ChangeRecord; the root pairs them with its eventsOf.
    const result = await publishChanges(event.Records as unknown as TRecord[], ports);
    return { batchItemFailures: result.failedEventId ? [{ itemIdentifier: result.failedEventId }] : [] };
  };
}
