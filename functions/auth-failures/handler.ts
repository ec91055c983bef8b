/** The auth-failures function's composition root: the adapters its ports need, built once per process. */
import { BanRepository } from '../adapters/dynamodb/ban-repository.js';
import { banListOf, knownPeersOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeAuthFailuresEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeAuthFailuresEndpoint({
    bans: new BanRepository(client, tableName),
    banList: banListOf(runtime),
    knownPeers: knownPeersOf(runtime),
    config: runtime.config,
    clock: runtime.clock,
    ids: runtime.ids,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
