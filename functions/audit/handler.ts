/** The audit function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { AuditRepository } from '../adapters/dynamodb/audit-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeAuditEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeAuditEndpoint({
    accounts: new AccountRepository(client, tableName),
    audit: new AuditRepository(client, tableName),
  });
}

export const handler = composedOnFirstCall(compose);
