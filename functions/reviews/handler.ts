/** The reviews function's composition root: the adapters its ports need, built once per process. */
import { makeResolveReview } from '../../domain/reviews/resolve-review.js';
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { ReviewRepository } from '../adapters/dynamodb/review-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeReviewsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName }, clock, ids, logger } = runtime;
  const reviews = new ReviewRepository(client, tableName);
  return makeReviewsEndpoint({
    reviews,
    resolveReview: makeResolveReview({ reviews, accounts: new AccountRepository(client, tableName), clock, ids }),
    logger,
  });
}

export const handler = composedOnFirstCall(compose);
