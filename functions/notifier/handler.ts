/** The notifier function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { NotificationDeliveryRepository } from '../adapters/dynamodb/notification-delivery-repository.js';
import { WebhookSecretRepository } from '../adapters/dynamodb/webhook-secret-repository.js';
import { secretCipherOf } from '../adapters/secrets/secret-cipher.js';
import { makeEmailSender } from '../adapters/notifications/email-transport.js';
import { WebhookSender } from '../adapters/notifications/webhook-sender.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeNotifierEntry } from './consumer.js';

export function compose(runtime: Runtime) {
  const { client, config } = runtime;
  return makeNotifierEntry({
    accounts: new AccountRepository(client, config.tableName),
    deliveries: new NotificationDeliveryRepository(client, config.tableName),
    signingSecrets: new WebhookSecretRepository(client, config.tableName, secretCipherOf(config)),
    webhooks: new WebhookSender(runtime.hostResolver),
    email: makeEmailSender(config, runtime.clock, runtime.logger),
    webhookSettings: {
      timeoutMs: config.webhookTimeoutMs,
      rules: { allowPrivateTargets: config.webhookAllowPrivateHosts, requireHttps: config.webhookRequireHttps },
    },
    clock: runtime.clock,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
