/** The event consumers the local bus delivers to: the same handlers EventBridge rules target in AWS. */
import type { ConsumerName } from '../../domain/events/routing.js';
import { makeHandler as autoReplenish } from '../auto-replenish/handler.js';
import { makeHandler as notifier } from '../notifier/handler.js';
import { makeHandler as reviewFlagger } from '../review-flagger/handler.js';
import type { Dependencies } from '../shared/wiring.js';
import type { ConsumerHandler } from './event-bus.js';

export function buildConsumers(deps: Dependencies): Partial<Record<ConsumerName, ConsumerHandler>> {
  return {
    'review-flagger': reviewFlagger(deps),
    'auto-replenish': autoReplenish(deps),
    notifier: notifier(deps),
  };
}
