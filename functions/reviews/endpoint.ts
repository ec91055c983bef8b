/**
 * The fraud desk's queue.
 * GET /v1/reviews?status=open|resolved&limit=&cursor= (reviewer, admin): newest first, with the evidence.
 * POST /v1/reviews/{reviewId}/resolve {action: clear|suspend, note} (reviewer, admin):
 *  1. load the review (404) and require it open (409);
 *  2. in one transaction: the review resolved, the account's `openReviewId` removed (and `suspended` for suspend),
 *     `Review Resolved`, and the audit record with who, when, before and after;
 *  3. restricted destinations stay blocked either way: unblocking is its own, audited, decision.
 */
import * as z from 'zod';
import { accountStatusAfter, resolveReviewSchema, REVIEW_STATUSES, type Review } from '../../domain/reviews/review.js';
import { InvalidCursorError } from '../../domain/shared/page.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors, pageQueryFields } from '../shared/http.js';
import { reviewView } from '../shared/review-view.js';
import type { Runtime } from '../shared/runtime.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { ReviewStore } from '../../domain/reviews/ports.js';

const listQuerySchema = z
  .object({
    status: z.enum(REVIEW_STATUSES).default('open'),
    ...pageQueryFields,
  })
  .strict();

/** A resolve races with the flagger extending the same review at most a few times. */
const MAX_ATTEMPTS = 3;

export interface ReviewsPorts {
  readonly reviews: Pick<ReviewStore, 'listByStatus' | 'get' | 'resolve'>;
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly clock: Runtime['clock'];
  readonly ids: Runtime['ids'];
  readonly logger: Runtime['logger'];
}

export function makeReviewsEndpoint(ports: ReviewsPorts) {
  return httpEndpoint({ body: resolveReviewSchema, query: listQuerySchema }, async ({ route, body, query, pathParameters, principal }) => {
    if (route.method === 'GET') {
      try {
        const page = await ports.reviews.listByStatus(query.status, query.limit, query.cursor);
        return { status: 200, body: { reviews: page.reviews.map(reviewView), nextCursor: page.nextCursor } };
      } catch (error) {
        if (error instanceof InvalidCursorError) throw httpErrors.badRequest('the request query is invalid', [{ field: 'cursor', message: error.message }]);
        throw error;
      }
    }

    const reviewId = pathParameters.reviewId ?? '';
    const actor = actorOf(principal);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const review = await ports.reviews.get(reviewId);
      if (!review) throw httpErrors.notFound(`review ${reviewId} does not exist`);
      if (review.status !== 'open') throw alreadyResolved(review);
      const account = await ports.accounts.get(review.accountId);
      if (!account) throw httpErrors.notFound(`account ${review.accountId} of review ${reviewId} does not exist`);

      const now = ports.clock.now().toISOString();
      const resolution = { action: body.action, note: body.note, resolvedBy: actor, resolvedAt: now };
      const resolved: Review = { ...review, status: 'resolved', updatedAt: now, resolution, version: review.version + 1 };
      const statusAfter = accountStatusAfter(body.action, account.status);
      const openReviewIdAfter = account.openReviewId === reviewId ? null : (account.openReviewId ?? null);
      const outcome = await ports.reviews.resolve(
        resolved,
        { accountId: account.accountId, openReviewId: account.openReviewId, statusBefore: account.status, statusAfter },
        { eventId: `review-resolved:${reviewId}`, occurredAt: now, accountId: account.accountId, reviewId, action: body.action, note: body.note, resolvedBy: actor },
        {
          scope: account.accountId,
          id: ports.ids.newId(),
          at: now,
          actor,
          action: `review.${body.action}`,
          before: { reviewId, reviewStatus: 'open', accountStatus: account.status, openReviewId: account.openReviewId ?? null },
          after: { reviewId, reviewStatus: 'resolved', accountStatus: statusAfter, openReviewId: openReviewIdAfter, note: body.note },
        },
      );
      if (outcome === 'resolved') {
        ports.logger.info('review resolved', { reviewId, accountId: account.accountId, action: body.action, by: actor });
        return { status: 200, body: { review: reviewView(resolved), account: { accountId: account.accountId, status: statusAfter } } };
      }
      if (outcome === 'already-resolved') {
        const current = await ports.reviews.get(reviewId);
        throw alreadyResolved(current ?? review);
      }
    }
    throw httpErrors.conflict(`review ${reviewId} kept changing while being resolved; try again`);
  });
}

function alreadyResolved(review: Review) {
  const by = review.resolution ? ` by ${review.resolution.resolvedBy} at ${review.resolution.resolvedAt} (${review.resolution.action})` : '';
  return httpErrors.conflict(`review ${review.reviewId} is already resolved${by}`, [{ field: 'reviewId', message: 'is already resolved' }]);
}

