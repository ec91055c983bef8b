/** The calls function's composition root: the adapters its ports need, built once per process. */
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeCallsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeCallsEndpoint({
    liveCalls: new DynamoLiveCallStore(client, tableName),
    clock: runtime.clock,
  });
}

export const handler = composedOnFirstCall(compose);
