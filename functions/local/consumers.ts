/** The event consumers the local bus delivers to: the same handlers EventBridge rules target in AWS. */
import type { ConsumerName } from '../../domain/events/routing.js';
import type { Dependencies } from '../shared/wiring.js';
import type { ConsumerHandler } from './event-bus.js';

export function buildConsumers(_deps: Dependencies): Partial<Record<ConsumerName, ConsumerHandler>> {
  return {};
}
