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
 *
 * A carrier review (a range the range watch restricted) takes `clear` or `keep`:
 *  - `clear` lifts the range and closes the review in one write (domain/profiling/lift-range.ts); when its
 *    restriction is no longer active, the review is closed alone;
 *  - `keep` closes the review, audited; the range stays restricted until lifted through
 *    DELETE /v1/range-restrictions/{range}.
 * An action the subject does not take (`suspend` a range, `keep` an account) is refused before anything is read
 * but the review.
 */
import type { AccountStatus } from '../accounts/account.js';
import type { AccountStore } from '../accounts/ports.js';
import { CARRIER_SCOPE } from '../audit/audit-entry.js';
import type { LiftRange } from '../profiling/lift-range.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import type { ReviewStore } from './ports.js';
import { ACTIONS_BY_SCOPE, accountStatusAfter, resolvedReview, type RangeReview, type Review, type ReviewAction, type ReviewScope } from './review.js';

/** A resolve races with the flagger extending the same review at most a few times. */
const MAX_ATTEMPTS = 3;

export interface ResolveReviewPorts {
  readonly reviews: Pick<ReviewStore, 'get' | 'resolve' | 'close'>;
  readonly accounts: Pick<AccountStore, 'get'>;
  /** Lifts a range and closes its carrier review together. */
  readonly liftRange: LiftRange;
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
  /** A carrier review resolved; `lifted`: its range was lifted with it (`clear` of an active restriction). */
  | { readonly kind: 'range-resolved'; readonly review: RangeReview; readonly range: { readonly range: string; readonly lifted: boolean } }
  | { readonly kind: 'action-not-applicable'; readonly scope: ReviewScope; readonly allowed: readonly ReviewAction[] }
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
      if (!ACTIONS_BY_SCOPE[review.scope].includes(action)) return { kind: 'action-not-applicable', scope: review.scope, allowed: ACTIONS_BY_SCOPE[review.scope] };
      if (review.scope === 'carrier') {
        const outcome = await resolveRangeReview(ports, review, action, note, actor);
        if (outcome) return outcome;
        continue;
      }
      if (action === 'keep') return { kind: 'action-not-applicable', scope: review.scope, allowed: ACTIONS_BY_SCOPE[review.scope] };
      const account = await ports.accounts.get(review.accountId);
      if (!account) return { kind: 'account-not-found', accountId: review.accountId };

      const now = ports.clock.now().toISOString();
      const resolved = resolvedReview(review, action, note, actor, now);
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

/** Resolves a carrier review; undefined when it changed under the write (the caller reads it again). */
async function resolveRangeReview(ports: ResolveReviewPorts, review: RangeReview, action: ReviewAction, note: string, actor: string): Promise<ResolveReviewOutcome | undefined> {
  const { reviewId, range } = review;
  if (action === 'clear') {
    const lifted = await ports.liftRange({ range, actor, note, reviewId });
    if (lifted.kind === 'lifted' && lifted.review) return { kind: 'range-resolved', review: lifted.review, range: { range, lifted: true } };
    // The review was resolved meanwhile, or the lift kept racing: read the review again.
    if (lifted.kind !== 'not-restricted') return undefined;
  }
  const now = ports.clock.now().toISOString();
  const resolved = resolvedReview(review, action, note, actor, now);
  const outcome = await ports.reviews.close(resolved, {
    scope: CARRIER_SCOPE,
    id: ports.ids.newId(),
    at: now,
    actor,
    action: `review.${action}`,
    before: { reviewId, scope: 'carrier', range, reviewStatus: 'open' },
    after: { reviewId, scope: 'carrier', range, reviewStatus: 'resolved', rangeRestricted: action === 'keep', note },
  });
  return outcome === 'resolved' ? { kind: 'range-resolved', review: resolved, range: { range, lifted: false } } : undefined;
}
