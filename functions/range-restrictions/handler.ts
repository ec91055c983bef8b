/** The range-restrictions function's composition root: the adapters its ports need, built once per process. */
import { RangeWatchRepository } from '../adapters/dynamodb/range-watch-repository.js';
import { referenceDataOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeRangeRestrictionsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName }, clock, ids, logger } = runtime;
  const referenceData = referenceDataOf(runtime);
  return makeRangeRestrictionsEndpoint({
    restrictions: new RangeWatchRepository(client, tableName),
    onLifted: () => referenceData.invalidateRestrictedRanges(),
    clock,
    ids,
    logger,
  });
}

export const handler = composedOnFirstCall(compose);
