/** `Unusual Destination Dialled` → the carrier-wide range watch (domain/profiling/watch-range.ts). */
import type { WatchRange, WatchRangeOutcome } from '../../domain/profiling/watch-range.js';
import { eventConsumer } from '../shared/event-consumer.js';
import type { Logger } from '../shared/logger.js';

export interface RangeWatchPorts {
  readonly watchRange: WatchRange;
  /** A restriction written here applies at once to the decisions this process makes (the local stack). */
  readonly onRestricted: (range: string) => void;
  readonly logger: Logger;
}

export function makeRangeWatchConsumer(ports: RangeWatchPorts) {
  return eventConsumer({ consumes: ['Unusual Destination Dialled'], logger: ports.logger }, async (event): Promise<WatchRangeOutcome[]> => {
    const outcomes = await ports.watchRange(event.detail);
    for (const outcome of outcomes) {
      if (outcome.outcome !== 'restricted') continue;
      ports.logger.warn('range restricted carrier-wide', { range: outcome.range, distinctAccounts: outcome.distinctAccounts, eventId: event.detail.eventId });
      ports.onRestricted(outcome.range);
    }
    return outcomes;
  });
}
