/** The policy function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makePolicyEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makePolicyEndpoint({
    accounts: new AccountRepository(client, tableName),
    config: runtime.config,
    clock: runtime.clock,
    ids: runtime.ids,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
