/** The decisions function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { DecisionRepository } from '../adapters/dynamodb/decision-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeDecisionsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeDecisionsEndpoint({
    accounts: new AccountRepository(client, tableName),
    decisions: new DecisionRepository(client, tableName),
  });
}

export const handler = composedOnFirstCall(compose);
