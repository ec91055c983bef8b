/**
 * The fraud desk's queue.
 * GET /v1/reviews?status=open|resolved&limit=&cursor= (reviewer, admin): newest first, with the evidence; accounts'
 *   reviews and the carrier's (a restricted range, `scope: "carrier"`).
 * POST /v1/reviews/{reviewId}/resolve {action: clear|suspend|keep, note} (reviewer, admin):
 *   domain/reviews/resolve-review.ts. An account's review answers `{review, account}`; a carrier review
 *   `{review, restriction: {range, lifted}}` (`clear` lifts the range, `keep` leaves it restricted).
 */
import type { ReviewStore } from '../../domain/reviews/ports.js';
import type { ResolveReview } from '../../domain/reviews/resolve-review.js';
import type { Review } from '../../domain/reviews/review.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';
import { reviewView } from './view.js';

export interface ReviewsPorts {
  readonly reviews: Pick<ReviewStore, 'listByStatus'>;
  readonly resolveReview: ResolveReview;
  /** A range lifted by clearing its review applies at once to the decisions this process makes. */
  readonly onRangeLifted: (range: string) => void;
  readonly logger: Logger;
}

export function makeReviewsEndpoint(ports: ReviewsPorts) {
  return httpEndpoint({ routes: ['GET /v1/reviews', 'POST /v1/reviews/{reviewId}/resolve'] }, async ({ route, body, query, pathParameters, principal }) => {
    if (route.method === 'GET') {
      const page = await ports.reviews.listByStatus(query.status, query.limit, query.cursor);
      return { status: 200, body: { reviews: page.reviews.map(reviewView), nextCursor: page.nextCursor } };
    }
    const reviewId = pathParameters.reviewId ?? '';
    const actor = actorOf(principal);
    const outcome = await ports.resolveReview({ reviewId, ...body, actor });
    if (outcome.kind === 'review-not-found') throw httpErrors.notFound(`review ${reviewId} does not exist`);
    if (outcome.kind === 'account-not-found') throw httpErrors.notFound(`account ${outcome.accountId} of review ${reviewId} does not exist`);
    if (outcome.kind === 'already-resolved') throw alreadyResolved(outcome.review);
    if (outcome.kind === 'kept-changing') throw httpErrors.conflict(`review ${reviewId} kept changing while being resolved; try again`);
    if (outcome.kind === 'action-not-applicable') {
      const message = `a review of scope ${outcome.scope} is resolved with ${outcome.allowed.join(' or ')}`;
      throw httpErrors.badRequest(message, [{ field: 'action', message }]);
    }
    if (outcome.kind === 'range-resolved') {
      if (outcome.range.lifted) ports.onRangeLifted(outcome.range.range);
      ports.logger.info('carrier review resolved', { reviewId, range: outcome.range.range, lifted: outcome.range.lifted, action: body.action, by: actor });
      return { status: 200, body: { review: reviewView(outcome.review), restriction: outcome.range } };
    }
    ports.logger.info('review resolved', { reviewId, accountId: outcome.account.accountId, action: body.action, by: actor });
    return { status: 200, body: { review: reviewView(outcome.review), account: outcome.account } };
  });
}

function alreadyResolved({ reviewId, resolution }: Review) {
  const by = resolution ? ` by ${resolution.resolvedBy} at ${resolution.resolvedAt} (${resolution.action})` : '';
  return httpErrors.conflict(`review ${reviewId} is already resolved${by}`, [{ field: 'reviewId', message: 'is already resolved' }]);
}
