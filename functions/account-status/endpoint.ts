/**
 * POST /v1/accounts/{accountId}/suspend and /reactivate (reviewer, admin), body `{ "note": "..." }`: change the
 * account's status outside a review too, audited. A suspension refuses the account's next call everywhere (its
 * version moves) and puts its live calls on the switches' to-end list.
 */
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import { accountView } from '../shared/views.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { Clock, IdGenerator } from '../../domain/shared/ports.js';
import type { Logger } from '../shared/logger.js';

export interface AccountStatusPorts {
  readonly accounts: Pick<AccountStore, 'changeStatus'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
}

export function makeAccountStatusEndpoint(ports: AccountStatusPorts) {
  return httpEndpoint({ routes: ['POST /v1/accounts/{accountId}/suspend', 'POST /v1/accounts/{accountId}/reactivate'] }, async ({ route, body, pathParameters, principal }) => {
    const accountId = pathParameters.accountId ?? '';
    const to = route.path.endsWith('/suspend') ? 'suspended' : 'active';
    const actor = actorOf(principal);
    const outcome = await ports.accounts.changeStatus(accountId, to, { actor, at: ports.clock.now().toISOString(), auditId: ports.ids.newId(), note: body.note });
    if (outcome.kind === 'not-found') throw httpErrors.notFound(`account ${accountId} does not exist`);
    if (outcome.kind === 'conflict') throw httpErrors.conflict(`account ${accountId} kept changing while its status was being set; try again`);
    if (outcome.kind === 'changed') ports.logger.warn(to === 'suspended' ? 'account suspended' : 'account reactivated', { accountId, by: actor, note: body.note, before: outcome.before });
    return { status: 200, body: { account: accountView(outcome.account), changed: outcome.kind === 'changed' } };
  });
}

