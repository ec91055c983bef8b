/**
 * The local EventBridge: routes each event with the same routing table as the CDK rules (domain/events/routing.ts)
 * to the same consumer handlers, asynchronously, with retries and exponential backoff like a rule's retry policy,
 * and a dead-letter list (logged) for what still fails.
 */
import { asFunction } from './table-access-guard.js';
import { randomUUID } from 'node:crypto';
import { EVENT_SOURCE, type TollgateEvent } from '../../domain/events/contracts.js';
import { consumersFor, type ConsumerName } from '../../domain/events/routing.js';
import type { EventPublisher } from '../../domain/events/ports.js';
import type { BusEvent } from '../shared/bus-event.js';
import type { Logger } from '../shared/logger.js';

export type ConsumerHandler = (event: BusEvent) => Promise<unknown>;

export interface DeadLetter {
  readonly consumer: ConsumerName;
  readonly event: BusEvent;
  readonly error: string;
  readonly attempts: number;
}

export interface LocalEventBusOptions {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly logger: Logger;
}

export class LocalEventBus implements EventPublisher {
  readonly deadLetters: DeadLetter[] = [];
  /** Every event accepted, in order; tests and the local stack's logs read it. */
  readonly published: BusEvent[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly consumers: Partial<Record<ConsumerName, ConsumerHandler>>,
    private readonly options: LocalEventBusOptions,
  ) {}

  async publish(events: readonly TollgateEvent[]): Promise<void> {
    for (const event of events) {
      const busEvent: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': event.detailType,
        source: EVENT_SOURCE,
        account: '000000000000',
        time: event.detail.occurredAt,
        region: 'local',
        resources: [],
        detail: event.detail,
      };
      this.published.push(busEvent);
      this.options.logger.info('event', { detailType: event.detailType, eventId: event.detail.eventId, accountId: (event.detail as { accountId?: unknown }).accountId });
      for (const consumer of consumersFor(event.detailType)) {
        const handler = this.consumers[consumer];
        if (!handler) continue;
        const delivery = this.deliver(consumer, handler, busEvent).finally(() => this.pending.delete(delivery));
        this.pending.add(delivery);
      }
    }
  }

  /** Resolves when every delivery in flight (including retries) has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async deliver(consumer: ConsumerName, handler: ConsumerHandler, event: BusEvent): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await asFunction(consumer, () => handler(event));
        return;
      } catch (error) {
        if (attempt >= this.options.maxAttempts) {
          this.deadLetters.push({ consumer, event, error: String(error), attempts: attempt });
          this.options.logger.error('event dead-lettered', { consumer, detailType: event['detail-type'], eventId: (event.detail as { eventId?: string }).eventId, error: String(error), attempts: attempt });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.options.baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
