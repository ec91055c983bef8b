/** The authorizer function's composition root: the adapters its ports need, built once per process. */
import { CredentialRepository } from '../adapters/dynamodb/credential-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeAuthorizerEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeAuthorizerEndpoint({
    credentials: new CredentialRepository(client, tableName),
    config: runtime.config,
    clock: runtime.clock,
  });
}

export const handler = composedOnFirstCall(compose);
