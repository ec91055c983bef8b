/**
 * POST /v1/accounts/{accountId}/reset (reviewer, admin), body `{ "counters": true, "restrictions": true, "note": "..." }`:
 * clears the account's usage counters (velocity, spend, unusual-destination attempts) and/or its automatic
 * restrictions, audited, with an `Account Reset` event (domain/accounts/reset-account.ts). Balance, live calls and
 * their reservations stay as they are.
 */
import type { makeResetAccount } from '../../domain/accounts/reset-account.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';
import { accountView } from '../shared/views.js';

export interface AccountResetPorts {
  readonly resetAccount: ReturnType<typeof makeResetAccount>;
  readonly logger: Logger;
}

export function makeAccountResetEndpoint(ports: AccountResetPorts) {
  return httpEndpoint({ routes: ['POST /v1/accounts/{accountId}/reset'] }, async ({ body, pathParameters, principal }) => {
    const accountId = pathParameters.accountId ?? '';
    const actor = actorOf(principal);
    const outcome = await ports.resetAccount(accountId, body, actor);
    if (outcome.kind === 'not-found') throw httpErrors.notFound(`account ${accountId} does not exist`);
    if (outcome.kind === 'conflict') throw httpErrors.conflict(`account ${accountId} kept changing while it was being reset; try again`);
    ports.logger.warn('account reset', { accountId, by: actor, counters: body.counters, restrictions: body.restrictions, note: body.note });
    const reset = { counters: body.counters, restrictions: body.restrictions, liftedDestinations: outcome.liftedDestinations };
    return { status: 200, body: { account: accountView(outcome.account), reset } };
  });
}
