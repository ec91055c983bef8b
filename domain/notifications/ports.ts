/**
 * What delivering notifications needs of the world, owned here and implemented by adapters: the delivery log and
 * the signing secrets (DynamoDB), the webhook poster (HTTP, with the SSRF checks), the email sender
 * (notification.ts: SES or a local outbox file).
 */
import type { AuditEntry } from '../audit/audit-entry.js';
import type { WebhookTargetRules } from './webhook-url.js';

export const DELIVERY_OUTCOMES = ['delivered', 'rejected'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** Which (event, target) pairs were handled, so a redelivered event or a retry notifies no target twice. */
export interface DeliveryLog {
  /** True only for a readable record; a damaged one throws rather than skip a notification. */
  wasDelivered(eventId: string, targetKey: string): Promise<boolean>;
  record(eventId: string, targetKey: string, outcome: DeliveryOutcome, at: string, detail: Readonly<Record<string, unknown>>): Promise<void>;
}

/** The secrets an account's webhooks are signed with now: the current one first, then the previous one in its grace period. */
export interface SigningSecretStore {
  signingSecrets(accountId: string, now: Date): Promise<string[]>;
}

export interface RotatedSecret {
  readonly secret: string;
  readonly createdAt: string;
  /** Until when the replaced secret keeps signing; null when there was none. */
  readonly previousValidUntil: string | null;
}

export interface WebhookSecretStore extends SigningSecretStore {
  /** Replaces the secret, audited without it; undefined when concurrent rotations kept it from being written. */
  rotate(accountId: string, now: Date, audit: AuditEntry): Promise<RotatedSecret | undefined>;
}

export interface WebhookRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly rules: WebhookTargetRules;
}

/**
 * Posts one webhook. Resolves on a 2xx; throws `WebhookTargetRefusedError` when the target itself is not allowed,
 * and any other error for a failure a retry can fix (timeout, refused connection, 5xx).
 */
export interface WebhookPoster {
  post(request: WebhookRequest): Promise<{ status: number }>;
}

/** The target is not allowed (the URL or an address it resolves to breaks the rules): retrying cannot change that. */
export class WebhookTargetRefusedError extends Error {
  readonly code = 'WEBHOOK_TARGET_REFUSED';
  override readonly name = 'WebhookTargetRefusedError';
}
