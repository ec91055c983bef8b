/** The auto-replenish function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { TopUpRepository } from '../adapters/dynamodb/top-up-repository.js';
import { paymentsOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeAutoReplenishConsumer } from './consumer.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeAutoReplenishConsumer({
    topUps: new TopUpRepository(client, tableName),
    accounts: new AccountRepository(client, tableName),
    payments: paymentsOf(runtime),
    clock: runtime.clock,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
