/** `Balance Low` → an automatic top-up (domain/balance/replenish-balance.ts); the adapter logs what became of it. */
import type { TopUpSkipReason } from '../../domain/balance/auto-replenish.js';
import { makeReplenishBalance, type ReplenishBalancePorts, type ReplenishResult } from '../../domain/balance/replenish-balance.js';
import { eventConsumer } from '../shared/event-consumer.js';
import type { Logger } from '../shared/logger.js';

export type AutoReplenishResult =
  | { readonly outcome: 'topped-up' | 'declined' | 'duplicate' }
  | { readonly outcome: 'skipped'; readonly reason: TopUpSkipReason | 'account-not-found' };

export interface AutoReplenishPorts extends ReplenishBalancePorts {
  readonly logger: Logger;
}

export function makeAutoReplenishConsumer(ports: AutoReplenishPorts) {
  const replenish = makeReplenishBalance(ports);
  return eventConsumer({ consumes: ['Balance Low'], logger: ports.logger }, async ({ detail }): Promise<AutoReplenishResult> => {
    const result = await replenish(detail);
    log(ports.logger, { accountId: detail.accountId, crossingId: detail.crossingId }, result);
    return result.outcome === 'skipped' ? { outcome: 'skipped', reason: result.reason } : { outcome: result.outcome };
  });
}

function log(logger: Logger, crossing: { accountId: string; crossingId: string }, result: ReplenishResult): void {
  if (result.outcome === 'topped-up') logger.info('auto top-up succeeded', { ...crossing, amount: result.amount, paymentReference: result.paymentReference });
  else if (result.outcome === 'declined') logger.warn('auto top-up declined', { ...crossing, amount: result.amount, failure: result.failure });
  else if (result.outcome === 'skipped' && result.reason === 'account-not-found') logger.warn('balance low for an unknown account', crossing);
  else if (result.outcome === 'skipped') logger.info('auto top-up skipped', { ...crossing, reason: result.reason });
}
