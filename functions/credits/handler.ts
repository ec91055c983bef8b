/** The credits function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeCreditsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeCreditsEndpoint({
    accounts: new AccountRepository(client, tableName),
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
