/** The webhook-secret function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { WebhookSecretRepository } from '../adapters/dynamodb/webhook-secret-repository.js';
import { secretCipherOf } from '../adapters/secrets/secret-cipher.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeWebhookSecretEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeWebhookSecretEndpoint({
    accounts: new AccountRepository(client, tableName),
    webhookSecrets: new WebhookSecretRepository(client, tableName, secretCipherOf(runtime.config)),
    clock: runtime.clock,
    ids: runtime.ids,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
