/**
 * Rotating an account's webhook signing secret.
 *
 * 1. The account must exist.
 * 2. The store replaces the secret and keeps the previous one signing for its grace period, with the audit record
 *    in the same write; the audit record says when, never what (no secret in it).
 * 3. Rotations racing each other past the store's retries → a conflict: the caller rotates again to see a secret.
 */
import type { AccountStore } from '../accounts/ports.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import type { RotatedSecret, WebhookSecretStore } from './ports.js';

export interface RotateWebhookSecretPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly webhookSecrets: Pick<WebhookSecretStore, 'rotate'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export type RotateWebhookSecretOutcome = { readonly kind: 'rotated'; readonly rotated: RotatedSecret } | { readonly kind: 'not-found' } | { readonly kind: 'conflict' };

export function makeRotateWebhookSecret(ports: RotateWebhookSecretPorts) {
  return async ({ accountId, actor }: { readonly accountId: string; readonly actor: string }): Promise<RotateWebhookSecretOutcome> => {
    if (!(await ports.accounts.get(accountId))) return { kind: 'not-found' };
    const now = ports.clock.now();
    const rotated = await ports.webhookSecrets.rotate(accountId, now, {
      scope: accountId,
      id: ports.ids.newId(),
      at: now.toISOString(),
      actor,
      action: 'webhook-secret.rotated',
      before: null,
      after: { createdAt: now.toISOString() },
    });
    return rotated ? { kind: 'rotated', rotated } : { kind: 'conflict' };
  };
}
