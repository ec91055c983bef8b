/**
 * Delivers each event that names an account to the account's targets: a signed webhook for every event, an email
 * for those a person must act on (domain/notifications/notification.ts).
 *
 * 1. Per target, a delivery record (event id + target) makes redelivery and retries skip what already went out.
 * 2. Webhook: body `{"detailType": ..., "detail": {...}}`, headers `Tollgate-Signature`, `Tollgate-Event-Id`,
 *    `Tollgate-Event-Type`; a 2xx within the timeout counts, anything else fails the target.
 * 3. Any failed target throws after the others were tried: the bus (EventBridge) retries with backoff, then dead-letters.
 */
import { notificationTargets, emailFor, targetKey, type NotificationTarget } from '../../domain/notifications/notification.js';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from '../../domain/notifications/webhook-signature.js';
import type { TollgateEvent } from '../../domain/events/contracts.js';
import { WebhookTargetRefusedError } from '../adapters/notifications/webhook-sender.js';
import { eventConsumer, routedTo } from '../shared/event-consumer.js';
import type { Runtime } from '../shared/runtime.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { RuntimeConfig } from '../shared/config.js';
import type { NotificationDeliveryRepository } from '../adapters/dynamodb/notification-delivery-repository.js';
import type { WebhookSecretRepository } from '../adapters/dynamodb/webhook-secret-repository.js';
import type { WebhookSender } from '../adapters/notifications/webhook-sender.js';
import type { EmailSender } from '../../domain/notifications/notification.js';

export type NotifierResult = { readonly delivered: number; readonly skipped: number; readonly reason?: string };

export interface NotifierPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly notificationDeliveries: Pick<NotificationDeliveryRepository, 'wasDelivered' | 'record'>;
  readonly webhookSecrets: Pick<WebhookSecretRepository, 'signingSecrets'>;
  readonly webhooks: Pick<WebhookSender, 'post'>;
  readonly email: EmailSender;
  readonly config: Pick<RuntimeConfig, 'webhookTimeoutMs' | 'webhookAllowPrivateHosts' | 'webhookRequireHttps'>;
  readonly clock: Runtime['clock'];
  readonly logger: Runtime['logger'];
}

export function makeNotifierConsumer(ports: NotifierPorts) {
  return eventConsumer({ consumes: routedTo('notifier'), logger: ports.logger }, async (event): Promise<NotifierResult> => {
    const accountId = (event.detail as { accountId?: string | null }).accountId;
    if (!accountId) return { delivered: 0, skipped: 0, reason: 'no-account' };
    const account = await ports.accounts.get(accountId);
    if (!account) return { delivered: 0, skipped: 0, reason: 'account-not-found' };

    const targets = notificationTargets(event.detailType, account.policy.notifications);
    const results = await Promise.allSettled(targets.map((target) => deliverOnce(ports, event, accountId, target)));
    const failures = results.flatMap((result, index) => (result.status === 'rejected' ? [`${targets[index]?.kind}: ${String((result.reason as Error)?.message ?? result.reason)}`] : []));
    if (failures.length > 0) {
      ports.logger.warn('notification failed', { eventId: event.detail.eventId, detailType: event.detailType, accountId, failures });
      throw new Error(`notification of ${event.detail.eventId} failed: ${failures.join('; ')}`);
    }
    const delivered = results.filter((result) => result.status === 'fulfilled' && result.value === 'delivered').length;
    return { delivered, skipped: targets.length - delivered };
  });
}

async function deliverOnce(ports: NotifierPorts, event: TollgateEvent, accountId: string, target: NotificationTarget): Promise<'delivered' | 'already' | 'rejected'> {
  const eventId = event.detail.eventId;
  const key = targetKey(target);
  if (await ports.notificationDeliveries.wasDelivered(eventId, key)) return 'already';
  const now = ports.clock.now();

  if (target.kind === 'email') {
    await ports.email.send(emailFor(event, target.to));
    await ports.notificationDeliveries.record(eventId, key, 'delivered', now.toISOString(), {});
    return 'delivered';
  }

  const body = JSON.stringify({ detailType: event.detailType, detail: event.detail });
  const secrets = await ports.webhookSecrets.signingSecrets(accountId, now);
  const timestamp = Math.floor(now.getTime() / 1000);
  try {
    const { status } = await ports.webhooks.post({
      url: target.url,
      body,
      headers: { [SIGNATURE_HEADER]: signatureHeader(secrets, timestamp, body), [EVENT_ID_HEADER]: eventId, [EVENT_TYPE_HEADER]: event.detailType },
      timeoutMs: ports.config.webhookTimeoutMs,
      rules: { allowPrivateTargets: ports.config.webhookAllowPrivateHosts, requireHttps: ports.config.webhookRequireHttps },
    });
    await ports.notificationDeliveries.record(eventId, key, 'delivered', now.toISOString(), { status });
    return 'delivered';
  } catch (error) {
    if (!(error instanceof WebhookTargetRefusedError)) throw error;
    // Retrying cannot make the target acceptable: record and stop instead of filling the dead-letter queue.
    ports.logger.warn('webhook refused', { accountId, eventId, why: error.message });
    await ports.notificationDeliveries.record(eventId, key, 'rejected', now.toISOString(), { why: error.message });
    return 'rejected';
  }
}

