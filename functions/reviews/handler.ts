/** The reviews function's composition root: the adapters its ports need, built once per process. */
import { makeLiftRange } from '../../domain/profiling/lift-range.js';
import { makeResolveReview } from '../../domain/reviews/resolve-review.js';
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { RangeWatchRepository } from '../adapters/dynamodb/range-watch-repository.js';
import { ReviewRepository } from '../adapters/dynamodb/review-repository.js';
import { referenceDataOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeReviewsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName }, clock, ids, logger } = runtime;
  const reviews = new ReviewRepository(client, tableName);
  const referenceData = referenceDataOf(runtime);
  const liftRange = makeLiftRange({ restrictions: new RangeWatchRepository(client, tableName), reviews, clock, ids });
  return makeReviewsEndpoint({
    reviews,
    resolveReview: makeResolveReview({ reviews, accounts: new AccountRepository(client, tableName), liftRange, clock, ids }),
    onRangeLifted: () => referenceData.invalidateRestrictedRanges(),
    logger,
  });
}

export const handler = composedOnFirstCall(compose);
