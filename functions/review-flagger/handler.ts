/** The review-flagger function's composition root: the adapters its ports need, built once per process. */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { ReviewRepository } from '../adapters/dynamodb/review-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeReviewFlaggerConsumer } from './consumer.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeReviewFlaggerConsumer({
    accounts: new AccountRepository(client, tableName),
    reviews: new ReviewRepository(client, tableName),
    clock: runtime.clock,
    ids: runtime.ids,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
