/** The call-interim function's composition root: the adapters its ports need, built once per process. */
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeCallInterimEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeCallInterimEndpoint({
    liveCalls: new DynamoLiveCallStore(client, tableName),
    config: runtime.config,
    clock: runtime.clock,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
