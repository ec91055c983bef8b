/** The bans function's composition root: the adapters its ports need, built once per process. */
import { AuditRepository } from '../adapters/dynamodb/audit-repository.js';
import { BanRepository } from '../adapters/dynamodb/ban-repository.js';
import { banListOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeBansEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeBansEndpoint({
    bans: new BanRepository(client, tableName),
    audit: new AuditRepository(client, tableName),
    banList: banListOf(runtime),
    clock: runtime.clock,
    ids: runtime.ids,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
