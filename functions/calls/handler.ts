/** The calls function's composition root: the to-end list and an account's live calls, on the live-call store. */
import { makeListAccountCalls } from '../../domain/calls/account-calls.js';
import { makeListCallsToEnd } from '../../domain/calls/calls-to-end.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeCallsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config, clock } = runtime;
  const store = new DynamoLiveCallStore(client, config.tableName);
  return makeCallsEndpoint({ listCallsToEnd: makeListCallsToEnd({ store, clock }), listAccountCalls: makeListAccountCalls({ store, clock }), clock });
}

export const handler = composedOnFirstCall(compose);
