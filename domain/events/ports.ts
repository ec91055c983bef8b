/** Port: where the stream publisher sends events. EventBridge in AWS, the local event bus on one machine. */
import type { TollgateEvent } from './contracts.js';

export interface EventPublisher {
  publish(events: readonly TollgateEvent[]): Promise<void>;
}
