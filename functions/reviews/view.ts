/** A review on the wire: an account's (`scope: "account"`), or the carrier's for a restricted range (`scope: "carrier"`). */
import type { AccountReview, RangeReview, Review } from '../../domain/reviews/review.js';

export function reviewView(review: Review) {
  return review.scope === 'carrier' ? rangeReviewView(review) : accountReviewView(review);
}

export function accountReviewView(review: AccountReview) {
  return {
    reviewId: review.reviewId,
    scope: 'account' as const,
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

/** A carrier review: the range and the restriction's evidence (accounts, the numbers each dialled and when). */
export function rangeReviewView(review: RangeReview) {
  return {
    reviewId: review.reviewId,
    scope: 'carrier' as const,
    range: review.range,
    status: review.status,
    openedAt: review.openedAt,
    updatedAt: review.updatedAt,
    evidence: review.evidence,
    resolution: review.resolution ?? null,
  };
}
