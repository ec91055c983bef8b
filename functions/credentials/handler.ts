/** The credentials function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { CredentialRepository, generateToken } from '../adapters/dynamodb/credential-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeCredentialsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeCredentialsEndpoint({
    credentials: new CredentialRepository(client, tableName),
    generateToken,
    accounts: new AccountRepository(client, tableName),
    clock: runtime.clock,
    ids: runtime.ids,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
