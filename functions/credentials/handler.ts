/** The credentials function's composition root: issue, list and revoke bearer credentials. */
import { makeIssueCredential, makeRevokeCredential } from '../../domain/credentials/manage-credentials.js';
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { CredentialRepository, generateToken } from '../adapters/dynamodb/credential-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeCredentialsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName }, clock, ids, logger } = runtime;
  const credentials = new CredentialRepository(client, tableName);
  const ports = { credentials, accounts: new AccountRepository(client, tableName), generateToken, clock, ids };
  return makeCredentialsEndpoint({ issueCredential: makeIssueCredential(ports), revokeCredential: makeRevokeCredential(ports), credentials, clock, logger });
}

export const handler = composedOnFirstCall(compose);
