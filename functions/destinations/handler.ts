/** The destinations function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { DestinationProfileRepository } from '../adapters/dynamodb/destination-profile-repository.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeDestinationsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeDestinationsEndpoint({
    accounts: new AccountRepository(client, tableName),
    profiles: new DestinationProfileRepository(client, tableName),
    liveCalls: new DynamoLiveCallStore(client, tableName),
    config: runtime.config,
    clock: runtime.clock,
    ids: runtime.ids,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
