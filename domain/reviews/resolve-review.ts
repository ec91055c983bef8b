/**
 * The fraud desk resolves a review: `clear` or `suspend`, with a note saying why.
 *
 * 1. Load the review (not found) and require it open (already resolved, with who resolved it and how).
 * 2. Load its account (not found).
 * 3. In one write: the review resolved, the account's `openReviewId` removed if it is this review's (and the
 *    account suspended for `suspend`), `Review Resolved`, and the audit record with who, when, before and after.
 * 4. Someone resolved it meanwhile: already resolved. The account's flag or status moved meanwhile (the flagger
 *    extending or opening a review): read both again and retry, a few times.
 * Restricted destinations stay blocked either way: unblocking is its own, audited, decision.
 */
import type { AccountStatus } from '../accounts/account.js';
import type { AccountStore } from '../accounts/ports.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import type { ReviewStore } from './ports.js';
import { accountStatusAfter, type Review, type ReviewAction } from './review.js';

/** A resolve races with the flagger extending the same review at most a few times. */
const MAX_ATTEMPTS = 3;

export interface ResolveReviewPorts {
  readonly reviews: Pick<ReviewStore, 'get' | 'resolve'>;
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface ResolveReviewRequest {
  readonly reviewId: string;
  readonly action: ReviewAction;
  readonly note: string;
  /** Who resolves it, as audit records name an actor. */
  readonly actor: string;
}

export type ResolveReviewOutcome =
  | { readonly kind: 'resolved'; readonly review: Review; readonly account: { readonly accountId: string; readonly status: AccountStatus } }
  | { readonly kind: 'review-not-found' }
  | { readonly kind: 'account-not-found'; readonly accountId: string }
  /** The review as stored, with its resolution. */
  | { readonly kind: 'already-resolved'; readonly review: Review }
  | { readonly kind: 'kept-changing' };

export type ResolveReview = (request: ResolveReviewRequest) => Promise<ResolveReviewOutcome>;

export function makeResolveReview(ports: ResolveReviewPorts): ResolveReview {
  return async ({ reviewId, action, note, actor }) => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const review = await ports.reviews.get(reviewId);
      if (!review) return { kind: 'review-not-found' };
      if (review.status !== 'open') return { kind: 'already-resolved', review };
      const account = await ports.accounts.get(review.accountId);
      if (!account) return { kind: 'account-not-found', accountId: review.accountId };

      const now = ports.clock.now().toISOString();
      const resolved: Review = { ...review, status: 'resolved', updatedAt: now, resolution: { action, note, resolvedBy: actor, resolvedAt: now }, version: review.version + 1 };
      const statusAfter = accountStatusAfter(action, account.status);
      const openReviewIdAfter = account.openReviewId === reviewId ? null : (account.openReviewId ?? null);
      const outcome = await ports.reviews.resolve(
        resolved,
        { accountId: account.accountId, openReviewId: account.openReviewId, statusBefore: account.status, statusAfter },
        { eventId: `review-resolved:${reviewId}`, occurredAt: now, accountId: account.accountId, reviewId, action, note, resolvedBy: actor },
        {
          scope: account.accountId,
          id: ports.ids.newId(),
          at: now,
          actor,
          action: `review.${action}`,
          before: { reviewId, reviewStatus: 'open', accountStatus: account.status, openReviewId: account.openReviewId ?? null },
          after: { reviewId, reviewStatus: 'resolved', accountStatus: statusAfter, openReviewId: openReviewIdAfter, note },
        },
      );
      if (outcome === 'resolved') return { kind: 'resolved', review: resolved, account: { accountId: account.accountId, status: statusAfter } };
      if (outcome === 'already-resolved') return { kind: 'already-resolved', review: (await ports.reviews.get(reviewId)) ?? review };
    }
    return { kind: 'kept-changing' };
  };
}
