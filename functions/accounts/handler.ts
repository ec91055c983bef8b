/** The accounts function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeAccountsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeAccountsEndpoint({
    accounts: new AccountRepository(client, tableName),
    liveCalls: new DynamoLiveCallStore(client, tableName),
    clock: runtime.clock,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
