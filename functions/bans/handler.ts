/** The bans function's composition root: the adapters its ports need, built once per process. */
import { makeLiftBan } from '../../domain/bans/lift-ban.js';
import { AuditRepository } from '../adapters/dynamodb/audit-repository.js';
import { BanRepository } from '../adapters/dynamodb/ban-repository.js';
import { banListOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeBansEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName }, clock, ids, logger } = runtime;
  const bans = new BanRepository(client, tableName);
  return makeBansEndpoint({
    bans,
    audit: new AuditRepository(client, tableName),
    liftBan: makeLiftBan({ bans, banList: banListOf(runtime), clock, ids }),
    clock,
    logger,
  });
}

export const handler = composedOnFirstCall(compose);
