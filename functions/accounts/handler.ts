/** The accounts function's composition root: the adapters its ports need, built once per process. */
import { makeListAccounts } from '../../domain/accounts/list-accounts.js';
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeAccountsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  const accounts = new AccountRepository(client, tableName);
  const liveCalls = new DynamoLiveCallStore(client, tableName);
  return makeAccountsEndpoint({
    accounts,
    liveCalls,
    listAccounts: makeListAccounts({ directory: accounts, liveCalls }),
    clock: runtime.clock,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
