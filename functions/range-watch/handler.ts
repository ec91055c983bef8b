/** The range-watch function's composition root: the adapters its ports need, built once per process. */
import { makeWatchRange } from '../../domain/profiling/watch-range.js';
import { RangeWatchRepository } from '../adapters/dynamodb/range-watch-repository.js';
import { referenceDataOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeRangeWatchConsumer } from './consumer.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName, rangeWatch }, clock, ids, logger } = runtime;
  const store = new RangeWatchRepository(client, tableName);
  const referenceData = referenceDataOf(runtime);
  return makeRangeWatchConsumer({
    watchRange: makeWatchRange({ store, clock, ids, settings: rangeWatch }),
    onRestricted: () => referenceData.invalidateRestrictedRanges(),
    logger,
  });
}

export const handler = composedOnFirstCall(compose);
