/** A review on the wire. */
import type { Review } from '../../domain/reviews/review.js';

export function reviewView(review: Review) {
  return {
    reviewId: review.reviewId,
    accountId: review.accountId,
    status: review.status,
    openedAt: review.openedAt,
    updatedAt: review.updatedAt,
    destinations: review.destinations,
    sourceIps: review.sourceIps,
    evidence: review.evidence,
    evidenceDropped: review.evidenceDropped,
    resolution: review.resolution ?? null,
  };
}
