/** The auth-failures function's composition root: the adapters its ports need, built once per process. */
import { makeReportAuthFailure } from '../../domain/bans/report-auth-failure.js';
import { BanRepository } from '../adapters/dynamodb/ban-repository.js';
import { banListOf, knownPeersOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeAuthFailuresEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config, clock, ids, logger } = runtime;
  return makeAuthFailuresEndpoint({
    reportAuthFailure: makeReportAuthFailure({
      bans: new BanRepository(client, config.tableName),
      banList: banListOf(runtime),
      knownPeers: knownPeersOf(runtime),
      settings: config.bans,
      clock,
      ids,
    }),
    settings: config.bans,
    logger,
  });
}

export const handler = composedOnFirstCall(compose);
