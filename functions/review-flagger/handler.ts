/** The review-flagger function's composition root: the adapters its ports need, built once per process. */
import { makeFlagForReview } from '../../domain/reviews/flag-for-review.js';
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { ReviewRepository } from '../adapters/dynamodb/review-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeReviewFlaggerConsumer } from './consumer.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName }, clock, ids, logger } = runtime;
  return makeReviewFlaggerConsumer({
    flagForReview: makeFlagForReview({
      accounts: new AccountRepository(client, tableName),
      reviews: new ReviewRepository(client, tableName),
      clock,
      ids,
    }),
    logger,
  });
}

export const handler = composedOnFirstCall(compose);
