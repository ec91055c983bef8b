import { describe, expect, it } from 'vitest';
import type { EventDetail } from '../../../domain/events/contracts.js';
import { WebhookTargetRefusedError } from '../../../domain/notifications/ports.js';
import { makeNotifierConsumer } from '../../../functions/notifier/consumer.js';
import { busEvent } from '../../support/bus-event.js';
import { account, policy } from '../../support/fixtures.js';
import { recordingLogger } from '../../support/recording-logger.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const resolved: EventDetail<'Review Resolved'> = { eventId: 'resolved-1', occurredAt: NOW.toISOString(), accountId: 'acme', reviewId: 'r-1', action: 'clear', note: 'fine', resolvedBy: 'reviewer:r-1' };
const REFUSAL = 'webhook URL must not point at localhost';

function consumerFor(post: () => Promise<{ status: number }>) {
  const { logger, lines } = recordingLogger();
  const holder = account({ policy: policy({ notifications: { webhookUrl: 'https://hooks.acme.example/t', email: null } }) });
  const consumer = makeNotifierConsumer({
    accounts: { get: async (accountId) => (accountId === 'acme' ? holder : undefined) },
    deliveries: { wasDelivered: async () => false, record: async () => undefined },
    signingSecrets: { signingSecrets: async () => ['whsec_x'] },
    webhooks: { post },
    email: { send: async () => undefined },
    webhookSettings: { timeoutMs: 1_000, rules: { allowPrivateTargets: false, requireHttps: true } },
    clock: { now: () => NOW },
    logger,
  });
  return { consumer, lines };
}

describe('notifier consumer', () => {
  it('answers how many targets were delivered and skipped', async () => {
    const { consumer, lines } = consumerFor(async () => ({ status: 200 }));

    expect(await consumer(busEvent('Review Resolved', resolved))).toEqual({ delivered: 1, skipped: 0 });
    expect(lines).toEqual([]);
  });

  it('warns of a refused webhook target with the event and the reason, and counts it skipped', async () => {
    const { consumer, lines } = consumerFor(async () => Promise.reject(new WebhookTargetRefusedError(REFUSAL)));

    expect(await consumer(busEvent('Review Resolved', resolved))).toEqual({ delivered: 0, skipped: 1 });
    expect(lines).toEqual([{ level: 'warn', message: 'webhook refused', fields: { accountId: 'acme', eventId: 'resolved-1', why: REFUSAL } }]);
  });

  it('throws when the webhook fails, logged as a warning for the retry', async () => {
    const { consumer, lines } = consumerFor(async () => Promise.reject(new Error('answered HTTP 500')));

    await expect(consumer(busEvent('Review Resolved', resolved))).rejects.toThrow('notification of resolved-1 failed: webhook: answered HTTP 500');
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ eventId: 'resolved-1', detailType: 'Review Resolved' }) })]);
  });

  it('refuses an event type it is not routed', async () => {
    const { consumer } = consumerFor(async () => ({ status: 200 }));
    const denied: EventDetail<'Call Denied'> = { eventId: 'call-denied:c-1', occurredAt: NOW.toISOString(), accountId: 'acme', callId: 'c-1', reason: 'RATE_ABOVE_MAX', sipCode: 403, destination: null, country: null };

    await expect(consumer(busEvent('Call Denied', denied))).rejects.toThrow(/"Call Denied" is not one this consumer receives/);
  });
});
