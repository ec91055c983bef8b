/**
 * Delivers each event that names an account to the account's targets: a signed webhook for every event, an email
 * for those a person must act on (notification.ts).
 *
 * 1. Per target, a delivery record (event id + target) makes redelivery and retries skip what already went out.
 * 2. Webhook: body `{"detailType": ..., "detail": {...}}`, headers `Tollgate-Signature`, `Tollgate-Event-Id`,
 *    `Tollgate-Event-Type`; a 2xx within the timeout counts, anything else fails the target. A target that is
 *    refused (SSRF rules) is recorded as rejected and not retried: no retry can make it acceptable.
 * 3. Any failed target throws `NotificationFailedError` after the others were tried: the bus retries, then
 *    dead-letters.
 */
import type { AccountStore } from '../accounts/ports.js';
import type { TollgateEvent } from '../events/contracts.js';
import type { Clock } from '../shared/ports.js';
import { emailFor, notificationTargets, targetKey, type EmailSender, type NotificationTarget } from './notification.js';
import { WebhookTargetRefusedError, type DeliveryLog, type SigningSecretStore, type WebhookPoster } from './ports.js';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';
import type { WebhookTargetRules } from './webhook-url.js';

export interface WebhookDeliverySettings {
  readonly timeoutMs: number;
  readonly rules: WebhookTargetRules;
}

export interface NotifyAccountPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly deliveries: DeliveryLog;
  readonly signingSecrets: SigningSecretStore;
  readonly webhooks: WebhookPoster;
  readonly email: EmailSender;
  readonly webhookSettings: WebhookDeliverySettings;
  readonly clock: Clock;
}

export interface NotifyResult {
  readonly delivered: number;
  /** Targets already delivered earlier, or refused. */
  readonly skipped: number;
  readonly reason?: 'no-account' | 'account-not-found';
  /** Why each refused webhook target was refused (recorded as rejected). */
  readonly refused: readonly string[];
}

/** Some targets failed in a way a retry may fix; the others were delivered and will not be sent again. */
export class NotificationFailedError extends Error {
  readonly code = 'NOTIFICATION_FAILED';
  readonly retryable = true;
  override readonly name = 'NotificationFailedError';
  constructor(
    readonly eventId: string,
    readonly failures: readonly string[],
  ) {
    super(`notification of ${eventId} failed: ${failures.join('; ')}`);
  }
}

type TargetOutcome = { readonly outcome: 'delivered' | 'already' } | { readonly outcome: 'rejected'; readonly why: string };

export function makeNotifyAccount(ports: NotifyAccountPorts) {
  return async (event: TollgateEvent): Promise<NotifyResult> => {
    const accountId = (event.detail as { accountId?: string | null }).accountId;
    if (!accountId) return { delivered: 0, skipped: 0, reason: 'no-account', refused: [] };
    const account = await ports.accounts.get(accountId);
    if (!account) return { delivered: 0, skipped: 0, reason: 'account-not-found', refused: [] };

    const targets = notificationTargets(event.detailType, account.policy.notifications);
    const results = await Promise.allSettled(targets.map((target) => deliverOnce(ports, event, accountId, target)));
    const failures = results.flatMap((result, index) => (result.status === 'rejected' ? [`${targets[index]?.kind}: ${String((result.reason as Error)?.message ?? result.reason)}`] : []));
    if (failures.length > 0) throw new NotificationFailedError(event.detail.eventId, failures);
    const outcomes = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const delivered = outcomes.filter((target) => target.outcome === 'delivered').length;
    const refused = outcomes.flatMap((target) => (target.outcome === 'rejected' ? [target.why] : []));
    return { delivered, skipped: targets.length - delivered, refused };
  };
}

async function deliverOnce(ports: NotifyAccountPorts, event: TollgateEvent, accountId: string, target: NotificationTarget): Promise<TargetOutcome> {
  const eventId = event.detail.eventId;
  const key = targetKey(target);
  if (await ports.deliveries.wasDelivered(eventId, key)) return { outcome: 'already' };
  const now = ports.clock.now();

  if (target.kind === 'email') {
    await ports.email.send(emailFor(event, target.to));
    await ports.deliveries.record(eventId, key, 'delivered', now.toISOString(), {});
    return { outcome: 'delivered' };
  }

  const body = JSON.stringify({ detailType: event.detailType, detail: event.detail });
  const secrets = await ports.signingSecrets.signingSecrets(accountId, now);
  const timestamp = Math.floor(now.getTime() / 1000);
  try {
    const { status } = await ports.webhooks.post({
      url: target.url,
      body,
      headers: { [SIGNATURE_HEADER]: signatureHeader(secrets, timestamp, body), [EVENT_ID_HEADER]: eventId, [EVENT_TYPE_HEADER]: event.detailType },
      timeoutMs: ports.webhookSettings.timeoutMs,
      rules: ports.webhookSettings.rules,
    });
    await ports.deliveries.record(eventId, key, 'delivered', now.toISOString(), { status });
    return { outcome: 'delivered' };
  } catch (error) {
    if (!(error instanceof WebhookTargetRefusedError)) throw error;
    await ports.deliveries.record(eventId, key, 'rejected', now.toISOString(), { why: error.message });
    return { outcome: 'rejected', why: error.message };
  }
}
