/** Publishes events to the stage's EventBridge bus, ten per PutEvents call; any failed entry fails the batch. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type TollgateEvent } from '../../../domain/events/contracts.js';
import type { EventPublisher } from '../../../domain/events/ports.js';

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly TollgateEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += 10) {
      const batch = events.slice(start, start + 10);
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            Time: new Date(event.detail.occurredAt),
          })),
        }),
      );
      if ((result.FailedEntryCount ?? 0) > 0) {
        const failures = (result.Entries ?? []).filter((entry) => entry.ErrorCode).map((entry) => `${entry.ErrorCode}: ${entry.ErrorMessage}`);
        // Throwing makes Lambda retry the stream batch; consumers are idempotent, so re-sent entries are harmless.
        throw new Error(`EventBridge rejected ${result.FailedEntryCount} event(s): ${failures.join('; ')}`);
      }
    }
  }
}
