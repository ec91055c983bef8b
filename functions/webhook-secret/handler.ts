/**
 * POST /v1/accounts/{accountId}/webhook-secret (owner, admin): rotates the account's webhook signing secret and
 * shows the new one, once. The previous secret keeps signing alongside for 24 hours, so receivers can switch
 * without dropping deliveries. Audited without the secret itself.
 */
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

export function makeHandler(source: DependencySource) {
  return httpEndpoint({}, async ({ pathParameters, principal }) => {
    const deps = resolve(source);
    const accountId = pathParameters.accountId ?? '';
    const account = await deps.accounts.get(accountId);
    if (!account) throw httpErrors.notFound(`account ${accountId} does not exist`);
    const now = deps.clock.now();
    const actor = actorOf(principal);
    const rotated = await deps.webhookSecrets.rotate(accountId, now, {
      scope: accountId,
      id: deps.ids.newId(),
      at: now.toISOString(),
      actor,
      action: 'webhook-secret.rotated',
      before: null,
      after: { createdAt: now.toISOString() },
    });
    if (!rotated) throw httpErrors.conflict('the secret was rotated by another request at the same moment; rotate again to see a secret');
    deps.logger.info('webhook secret rotated', { accountId, by: actor });
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

export const handler = makeHandler(dependencies);
