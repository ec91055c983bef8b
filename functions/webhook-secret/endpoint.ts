/**
 * POST /v1/accounts/{accountId}/webhook-secret (owner, admin): rotates the account's webhook signing secret and
 * shows the new one, once. The previous secret keeps signing alongside for 24 hours, so receivers can switch
 * without dropping deliveries. Audited without the secret itself.
 */
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { WebhookSecretRepository } from '../adapters/dynamodb/webhook-secret-repository.js';

export interface WebhookSecretPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly webhookSecrets: Pick<WebhookSecretRepository, 'rotate'>;
  readonly clock: Runtime['clock'];
  readonly ids: Runtime['ids'];
  readonly logger: Runtime['logger'];
}

export function makeWebhookSecretEndpoint(ports: WebhookSecretPorts) {
  return httpEndpoint({}, async ({ pathParameters, principal }) => {
    const accountId = pathParameters.accountId ?? '';
    const account = await ports.accounts.get(accountId);
    if (!account) throw httpErrors.notFound(`account ${accountId} does not exist`);
    const now = ports.clock.now();
    const actor = actorOf(principal);
    const rotated = await ports.webhookSecrets.rotate(accountId, now, {
      scope: accountId,
      id: ports.ids.newId(),
      at: now.toISOString(),
      actor,
      action: 'webhook-secret.rotated',
      before: null,
      after: { createdAt: now.toISOString() },
    });
    if (!rotated) throw httpErrors.conflict('the secret was rotated by another request at the same moment; rotate again to see a secret');
    ports.logger.info('webhook secret rotated', { accountId, by: actor });
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: {
        accountId,
        secret: rotated.secret,
        createdAt: rotated.createdAt,
        previousSecretValidUntil: rotated.previousValidUntil,
        signatureHeader: 'Tollgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>',
      },
    };
  });
}

