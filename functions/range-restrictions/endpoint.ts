/**
 * GET /v1/range-restrictions (reviewer, admin): the ranges the range watch restricted carrier-wide, with their
 *   evidence (the accounts, the numbers each dialled and when, the threshold and the window) and their carrier review.
 * DELETE /v1/range-restrictions/{range} (reviewer, admin): lifts one and closes its open carrier review in the same
 *   write, audited (domain/profiling/lift-range.ts); the accounts that tripped it do not count towards restricting
 *   it again. 404 when the range is not restricted.
 */
import type { LiftRange } from '../../domain/profiling/lift-range.js';
import { rangeEvidenceOf, type RangeRestrictions, type StoredRangeRestriction } from '../../domain/profiling/watch-range.js';
import type { Clock } from '../../domain/shared/ports.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';

export interface RangeRestrictionsPorts {
  readonly restrictions: Pick<RangeRestrictions, 'listActive'>;
  readonly liftRange: LiftRange;
  /** The lift applies at once to the decisions this process makes. */
  readonly onLifted: (range: string) => void;
  readonly clock: Clock;
  readonly logger: Logger;
}

export function makeRangeRestrictionsEndpoint(ports: RangeRestrictionsPorts) {
  return httpEndpoint({ routes: ['GET /v1/range-restrictions', 'DELETE /v1/range-restrictions/{range}'] }, async ({ route, pathParameters, principal }) => {
    if (route.method === 'GET') {
      const restrictions = await ports.restrictions.listActive();
      return { status: 200, body: { restrictions: restrictions.map(restrictionView), count: restrictions.length, generatedAt: ports.clock.now().toISOString() } };
    }
    const range = pathParameters.range ?? '';
    const actor = actorOf(principal);
    const outcome = await ports.liftRange({ range, actor });
    if (outcome.kind === 'not-restricted' || outcome.kind === 'review-not-open') throw httpErrors.notFound(`${range} is not restricted`);
    if (outcome.kind === 'kept-changing') throw httpErrors.conflict(`the restriction of ${range} kept changing while being lifted; try again`);
    ports.onLifted(range);
    ports.logger.info('range restriction lifted', { range, by: actor, reviewId: outcome.review?.reviewId });
    return {
      status: 200,
      body: { ...restrictionView(outcome.restriction), lifted: true, liftedAt: outcome.liftedAt, liftedBy: actor, reviewClosed: outcome.review !== undefined },
    };
  });
}

function restrictionView(restriction: StoredRangeRestriction) {
  return { range: restriction.range, scope: 'carrier', restrictedAt: restriction.restrictedAt, reviewId: restriction.reviewId ?? null, evidence: rangeEvidenceOf(restriction) };
}
