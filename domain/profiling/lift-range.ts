/**
 * A reviewer lifts a carrier-wide range restriction, through DELETE /v1/range-restrictions/{range} or by clearing its
 * carrier review (domain/reviews/resolve-review.ts): either way the restriction and its review go together.
 *
 * 1. Load the restriction; not active (or, lifting through a review, another review's): not restricted.
 * 2. Its carrier review (the one being resolved, or the one the restriction opened), if still open, is resolved
 *    `clear` with the reviewer and the note.
 * 3. In one write: the restriction lifted, the range off the carrier's list, the review closed, the audit record.
 * 4. The review was resolved meanwhile (a reviewer kept it): read again and retry, a few times.
 */
import { CARRIER_SCOPE } from '../audit/audit-entry.js';
import type { ReviewStore } from '../reviews/ports.js';
import { resolvedReview, type RangeReview } from '../reviews/review.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import type { RangeRestrictions, StoredRangeRestriction } from './watch-range.js';

const MAX_ATTEMPTS = 3;

/** The note on a review closed by lifting its range through DELETE /v1/range-restrictions/{range}. */
export const LIFTED_THROUGH_DELETE = 'range restriction lifted (DELETE /v1/range-restrictions)';

export interface LiftRangePorts {
  readonly restrictions: Pick<RangeRestrictions, 'get' | 'lift'>;
  readonly reviews: Pick<ReviewStore, 'get'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface LiftRangeRequest {
  readonly range: string;
  /** Who lifts it, as audit records name an actor. */
  readonly actor: string;
  readonly note?: string | undefined;
  /** The carrier review being cleared, when the lift comes from resolving it. */
  readonly reviewId?: string | undefined;
}

export type LiftRangeOutcome =
  | { readonly kind: 'lifted'; readonly restriction: StoredRangeRestriction; readonly liftedAt: string; readonly review?: RangeReview | undefined }
  | { readonly kind: 'not-restricted' }
  /** Lifting through a review that is no longer open: nothing lifted (another reviewer resolved it). */
  | { readonly kind: 'review-not-open' }
  | { readonly kind: 'kept-changing' };

export type LiftRange = (request: LiftRangeRequest) => Promise<LiftRangeOutcome>;

export function makeLiftRange(ports: LiftRangePorts): LiftRange {
  return async ({ range, actor, note, reviewId }) => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const restriction = await ports.restrictions.get(range);
      if (!restriction || restriction.status !== 'active') return { kind: 'not-restricted' };
      // The review's own restriction is gone and another review's restriction holds the range: not this review's to lift.
      if (reviewId && restriction.reviewId && restriction.reviewId !== reviewId) return { kind: 'not-restricted' };
      const open = await openRangeReview(ports, reviewId ?? restriction.reviewId, range);
      if (reviewId && !open) return { kind: 'review-not-open' };
      const now = ports.clock.now().toISOString();
      const closed = open ? resolvedReview(open, 'clear', note ?? LIFTED_THROUGH_DELETE, actor, now) : undefined;
      const outcome = await ports.restrictions.lift(
        range,
        now,
        actor,
        {
          scope: CARRIER_SCOPE,
          id: ports.ids.newId(),
          at: now,
          actor,
          action: 'range.lift',
          before: { ...restriction, reviewId: restriction.reviewId ?? null, reviewStatus: open ? 'open' : null },
          after: { range, status: 'lifted', liftedAt: now, liftedBy: actor, reviewId: closed?.reviewId ?? null, reviewStatus: closed ? 'resolved' : null, note: note ?? null },
        },
        closed,
      );
      if (outcome === 'lifted') return { kind: 'lifted', restriction, liftedAt: now, review: closed };
      if (outcome === 'not-restricted') return { kind: 'not-restricted' };
    }
    return { kind: 'kept-changing' };
  };
}

async function openRangeReview(ports: LiftRangePorts, reviewId: string | undefined, range: string): Promise<RangeReview | undefined> {
  if (!reviewId) return undefined;
  const review = await ports.reviews.get(reviewId);
  return review?.scope === 'carrier' && review.range === range && review.status === 'open' ? review : undefined;
}
