/**
 * POST /v1/accounts/{accountId}/webhook-secret (owner, admin): rotates the account's webhook signing secret and
 * shows the new one, once (domain/notifications/rotate-webhook-secret.ts). The previous secret keeps signing
 * alongside for 24 hours, so receivers can switch without dropping deliveries.
 */
import { makeRotateWebhookSecret, type RotateWebhookSecretPorts } from '../../domain/notifications/rotate-webhook-secret.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';

export interface WebhookSecretPorts extends RotateWebhookSecretPorts {
  readonly logger: Logger;
}

export function makeWebhookSecretEndpoint(ports: WebhookSecretPorts) {
  const rotate = makeRotateWebhookSecret(ports);
  return httpEndpoint({ routes: ['POST /v1/accounts/{accountId}/webhook-secret'] }, async ({ pathParameters, principal }) => {
    const accountId = pathParameters.accountId ?? '';
    const actor = actorOf(principal);
    const outcome = await rotate({ accountId, actor });
    if (outcome.kind === 'not-found') throw httpErrors.notFound(`account ${accountId} does not exist`);
    if (outcome.kind === 'conflict') throw httpErrors.conflict('the secret was rotated by another request at the same moment; rotate again to see a secret');
    ports.logger.info('webhook secret rotated', { accountId, by: actor });
    const { secret, createdAt, previousValidUntil } = outcome.rotated;
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { accountId, secret, createdAt, previousSecretValidUntil: previousValidUntil, signatureHeader: 'Tollgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>' },
    };
  });
}
