/**
 * GET /v1/range-restrictions (reviewer, admin): the ranges the range watch restricted carrier-wide, with their
 *   evidence (the accounts, the numbers they dialled, when each first did, the threshold and the window).
 * DELETE /v1/range-restrictions/{range} (reviewer, admin): lifts one, audited; the accounts that tripped it do not
 *   count towards restricting it again. 404 when the range is not restricted.
 */
import { CARRIER_SCOPE, type AuditEntry } from '../../domain/audit/audit-entry.js';
import type { Clock, IdGenerator } from '../../domain/shared/ports.js';
import type { RangeRestrictions, StoredRangeRestriction } from '../../domain/profiling/watch-range.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';

export interface RangeRestrictionsPorts {
  readonly restrictions: RangeRestrictions;
  /** The lift applies at once to the decisions this process makes. */
  readonly onLifted: (range: string) => void;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
}

export function makeRangeRestrictionsEndpoint(ports: RangeRestrictionsPorts) {
  return httpEndpoint({ routes: ['GET /v1/range-restrictions', 'DELETE /v1/range-restrictions/{range}'] }, async ({ route, pathParameters, principal }) => {
    const now = ports.clock.now().toISOString();
    if (route.method === 'GET') {
      const restrictions = await ports.restrictions.listActive();
      return { status: 200, body: { restrictions: restrictions.map(restrictionView), count: restrictions.length, generatedAt: now } };
    }
    const range = pathParameters.range ?? '';
    const before = await ports.restrictions.get(range);
    if (!before || before.status !== 'active') throw httpErrors.notFound(`${range} is not restricted`);
    const actor = actorOf(principal);
    const audit: AuditEntry = { scope: CARRIER_SCOPE, id: ports.ids.newId(), at: now, actor, action: 'range.lift', before: restrictionView(before), after: null };
    if (!(await ports.restrictions.lift(range, now, actor, audit))) throw httpErrors.notFound(`${range} is not restricted`);
    ports.onLifted(range);
    ports.logger.info('range restriction lifted', { range, by: actor });
    return { status: 200, body: { ...restrictionView(before), lifted: true, liftedAt: now, liftedBy: actor } };
  });
}

function restrictionView(restriction: StoredRangeRestriction) {
  return {
    range: restriction.range,
    scope: 'carrier',
    restrictedAt: restriction.restrictedAt,
    evidence: {
      distinctAccounts: restriction.distinctAccounts,
      threshold: restriction.threshold,
      windowMinutes: restriction.windowMinutes,
      accounts: restriction.accounts.map((accountId) => ({ accountId, firstDialledAt: restriction.times[accountId] ?? null })),
      numbers: restriction.numbers,
    },
  };
}
