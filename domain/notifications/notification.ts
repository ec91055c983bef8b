/**
 * Who hears about an event and what they read. Every event with an account goes to the account's webhook; the
 * ones a person must act on also go to its notification email.
 */
import type { AccountPolicy } from '../accounts/account.js';
import type { DetailType, TollgateEvent } from '../events/contracts.js';

export const EMAIL_EVENTS: readonly DetailType[] = ['Destination Restricted', 'Account Flagged For Review', 'Top-up Failed', 'Review Resolved'];

export type NotificationTarget = { readonly kind: 'webhook'; readonly url: string } | { readonly kind: 'email'; readonly to: string };

export function notificationTargets(detailType: DetailType, settings: AccountPolicy['notifications']): NotificationTarget[] {
  return [
    ...(settings.webhookUrl ? [{ kind: 'webhook' as const, url: settings.webhookUrl }] : []),
    ...(settings.email && EMAIL_EVENTS.includes(detailType) ? [{ kind: 'email' as const, to: settings.email }] : []),
  ];
}

/** The idempotency key of one delivery: the same event is never delivered twice to the same target. */
export function targetKey(target: NotificationTarget): string {
  return target.kind === 'webhook' ? `webhook#${target.url}` : `email#${target.to.toLowerCase()}`;
}

/** Port: sends one email. SES in AWS, a JSON-lines outbox file locally. */
export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly idempotencyKey: string;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
}

export function emailFor(event: TollgateEvent, to: string): EmailMessage {
  const detail = event.detail as Record<string, unknown>;
  const accountId = String(detail.accountId ?? '');
  const lines = [
    `Tollgate event: ${event.detailType}`,
    `Account: ${accountId}`,
    `When: ${String(detail.occurredAt)}`,
    `Event id: ${String(detail.eventId)}`,
    '',
    summary(event),
    '',
    'Details:',
    JSON.stringify(detail, null, 2),
  ];
  return { to, subject: `[Tollgate] ${event.detailType}: ${accountId}`, text: lines.join('\n'), idempotencyKey: `${String(detail.eventId)}#${to.toLowerCase()}` };
}

function summary(event: TollgateEvent): string {
  const detail = event.detail as Record<string, unknown>;
  switch (event.detailType) {
    case 'Destination Restricted':
      return `Calls to ${String(detail.destination)} were blocked automatically after a burst of attempts; the account is queued for review.`;
    case 'Account Flagged For Review':
      return 'The account was flagged for manual review by automatic fraud detection. Automatic top-ups are paused until the review is resolved.';
    case 'Top-up Failed':
      return `An automatic top-up of ${String(detail.amount)} failed: ${String(detail.failure)}.`;
    case 'Review Resolved':
      return detail.action === 'suspend' ? `The review ended with the account suspended. Note: ${String(detail.note)}` : `The review was cleared. Note: ${String(detail.note)}`;
    case 'Balance Low':
      return `The balance (${String(detail.balance)}) fell below the threshold (${String(detail.threshold)}).`;
    default:
      return event.detailType;
  }
}
