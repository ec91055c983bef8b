/**
 * GET|PUT /v1/accounts/{accountId}/carrier-policy (reviewer, admin): the carrier's controls on an account,
 * which the customer's own policy cannot loosen (domain/accounts/carrier-policy.ts). PUT replaces them whole
 * (omitted fields take their defaults), audited, with `Policy Changed`; calls are decided on the stricter of the two
 * from the next call on.
 */
import { defaultCarrierPolicy, effectivePolicyView } from '../../domain/accounts/carrier-policy.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { Clock, IdGenerator } from '../../domain/shared/ports.js';
import type { Logger } from '../shared/logger.js';

export interface CarrierPolicyPorts {
  readonly accounts: Pick<AccountStore, 'get' | 'replaceCarrierPolicy'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
}

export function makeCarrierPolicyEndpoint(ports: CarrierPolicyPorts) {
  return httpEndpoint({ routes: ['GET /v1/accounts/{accountId}/carrier-policy', 'PUT /v1/accounts/{accountId}/carrier-policy'] }, async ({ route, body, pathParameters, principal }) => {
    const accountId = pathParameters.accountId ?? '';
    if (route.method === 'GET') {
      const account = await ports.accounts.get(accountId);
      if (!account) throw httpErrors.notFound(`account ${accountId} does not exist`);
      return { status: 200, body: { accountId, version: account.version, carrierPolicy: account.carrierPolicy ?? defaultCarrierPolicy(), effectivePolicy: effectivePolicyView(account) } };
    }
    const actor = actorOf(principal);
    const outcome = await ports.accounts.replaceCarrierPolicy(accountId, body, { actor, at: ports.clock.now().toISOString(), auditId: ports.ids.newId() });
    if (outcome.kind === 'not-found') throw httpErrors.notFound(`account ${accountId} does not exist`);
    if (outcome.kind === 'conflict') throw httpErrors.conflict(`the policy of ${accountId} is being changed by someone else; read it again and retry`);
    ports.logger.info('carrier policy changed', { accountId, by: actor, changedFields: outcome.changedFields });
    return { status: 200, body: { accountId, version: outcome.account.version, carrierPolicy: outcome.account.carrierPolicy, effectivePolicy: effectivePolicyView(outcome.account) } };
  });
}

