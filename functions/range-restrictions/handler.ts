/** The range-restrictions function's composition root: the adapters its ports need, built once per process. */
import { makeLiftRange } from '../../domain/profiling/lift-range.js';
import { RangeWatchRepository } from '../adapters/dynamodb/range-watch-repository.js';
import { ReviewRepository } from '../adapters/dynamodb/review-repository.js';
import { referenceDataOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeRangeRestrictionsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName }, clock, ids, logger } = runtime;
  const referenceData = referenceDataOf(runtime);
  const restrictions = new RangeWatchRepository(client, tableName);
  return makeRangeRestrictionsEndpoint({
    restrictions,
    liftRange: makeLiftRange({ restrictions, reviews: new ReviewRepository(client, tableName), clock, ids }),
    onLifted: () => referenceData.invalidateRestrictedRanges(),
    clock,
    logger,
  });
}

export const handler = composedOnFirstCall(compose);
