/** The event consumers the local bus delivers to: the same handlers EventBridge rules target in AWS. */
import type { ConsumerName } from '../../domain/events/routing.js';
import { compose as autoReplenish } from '../auto-replenish/handler.js';
import { compose as notifier } from '../notifier/handler.js';
import { compose as rangeWatch } from '../range-watch/handler.js';
import { compose as reviewFlagger } from '../review-flagger/handler.js';
import type { Runtime } from '../shared/runtime.js';
import type { ConsumerHandler } from './event-bus.js';

export function buildConsumers(runtime: Runtime): Record<ConsumerName, ConsumerHandler> {
  return {
    'review-flagger': reviewFlagger(runtime),
    'auto-replenish': autoReplenish(runtime),
    notifier: notifier(runtime),
    'range-watch': rangeWatch(runtime),
  };
}
