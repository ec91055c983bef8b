import { describe, expect, it } from 'vitest';
import type { TopUpClaim, TopUpStore } from '../../../domain/balance/ports.js';
import type { EventDetail } from '../../../domain/events/contracts.js';
import { toMicros } from '../../../domain/shared/money.js';
import { makeAutoReplenishConsumer } from '../../../functions/auto-replenish/consumer.js';
import { busEvent } from '../../support/bus-event.js';
import { account, policy } from '../../support/fixtures.js';
import { recordingLogger } from '../../support/recording-logger.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const low: EventDetail<'Balance Low'> = { eventId: 'balance-low:acme:1', occurredAt: NOW.toISOString(), accountId: 'acme', balance: 2, threshold: 5, crossingId: 'acme:1' };

/** A store on which every write succeeds once: enough to see what the adapter answers and logs. */
function acceptingStore(): TopUpStore & { claims: TopUpClaim[] } {
  const claims: TopUpClaim[] = [];
  return {
    claims,
    getClaim: async () => undefined,
    claim: async (claim) => (claims.push(claim), 'claimed'),
    skip: async (claim) => (claims.push(claim), 'recorded'),
    succeed: async () => 'completed',
    fail: async () => 'completed',
  };
}

function consumerFor(holder = account({ balanceMicros: toMicros(2), policy: policy({ autoReplenish: { enabled: true, threshold: 5, amount: 20, maxPerDay: 1 } }) })) {
  const { logger, lines } = recordingLogger();
  const consumer = makeAutoReplenishConsumer({
    topUps: acceptingStore(),
    accounts: { get: async (accountId) => (accountId === holder.accountId ? holder : undefined) },
    payments: { charge: async () => ({ kind: 'succeeded', paymentReference: 'pay_1' }) },
    clock: { now: () => NOW },
    logger,
  });
  return { consumer, lines };
}

describe('auto-replenish consumer', () => {
  it('answers the outcome alone and logs the top-up with its payment reference', async () => {
    const { consumer, lines } = consumerFor();

    expect(await consumer(busEvent('Balance Low', low))).toEqual({ outcome: 'topped-up' });
    expect(lines).toEqual([{ level: 'info', message: 'auto top-up succeeded', fields: { accountId: 'acme', crossingId: 'acme:1', amount: 20, paymentReference: 'pay_1' } }]);
  });

  it('answers a skip with its reason, and warns of a crossing for an unknown account', async () => {
    const { consumer, lines } = consumerFor();

    expect(await consumer(busEvent('Balance Low', { ...low, accountId: 'ghost' }))).toEqual({ outcome: 'skipped', reason: 'account-not-found' });
    expect(lines).toEqual([{ level: 'warn', message: 'balance low for an unknown account', fields: { accountId: 'ghost', crossingId: 'acme:1' } }]);
  });

  it('refuses a Balance Low without its crossing id before touching anything', async () => {
    const { consumer, lines } = consumerFor();
    const { crossingId: _dropped, ...broken } = low;

    await expect(consumer(busEvent('Balance Low', broken))).rejects.toThrow(/detail\.crossingId/);
    expect(lines.map((line) => line.level)).toEqual(['error']);
  });
});
