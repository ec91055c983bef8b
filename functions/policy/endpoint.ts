/**
 * GET|PUT /v1/accounts/{accountId}/policy. PUT replaces the customer's own policy; omitted fields take their
 * defaults (documented in the README). A customer's policy may only be as strict as the carrier's controls or
 * stricter (domain/accounts/carrier-policy.ts): a change beyond them is refused with 403, naming each field; an
 * admin may write beyond them, and calls are decided on the effective policy all the same. A webhook URL must be a
 * target this stage may call (domain/notifications/webhook-url.ts). A change writes the policy, its audit record
 * (before/after) and `Policy Changed` in one transaction. GET shows the customer's own policy, the carrier's
 * controls and the effective policy calls are decided on.
 */
import type { Account } from '../../domain/accounts/account.js';
import { defaultCarrierPolicy, effectivePolicyView } from '../../domain/accounts/carrier-policy.js';
import type { makeChangePolicy } from '../../domain/accounts/change-policy.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import { actorOf } from '../shared/actor.js';
import { HttpError, httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';

export interface PolicyPorts {
  readonly changePolicy: ReturnType<typeof makeChangePolicy>;
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly logger: Logger;
}

export function makePolicyEndpoint(ports: PolicyPorts) {
  return httpEndpoint({ routes: ['GET /v1/accounts/{accountId}/policy', 'PUT /v1/accounts/{accountId}/policy'] }, async ({ route, body, pathParameters, principal }) => {
    const accountId = pathParameters.accountId ?? '';
    if (route.method === 'GET') {
      const account = await ports.accounts.get(accountId);
      if (!account) throw httpErrors.notFound(`account ${accountId} does not exist`);
      return { status: 200, body: policyView(account) };
    }
    const outcome = await ports.changePolicy(accountId, body, { actor: actorOf(principal), isCustomer: principal?.role === 'customer' });
    switch (outcome.kind) {
      case 'not-found':
        throw httpErrors.notFound(`account ${accountId} does not exist`);
      case 'invalid':
        throw httpErrors.badRequest('the request body is invalid', outcome.problems);
      case 'beyond-carrier-controls':
        throw new HttpError(403, 'FORBIDDEN', "the policy would loosen the carrier's controls on this account", outcome.violations);
      case 'conflict':
        throw httpErrors.conflict(`the policy of ${accountId} is being changed by someone else; read it again and retry`);
      case 'changed':
        ports.logger.info('policy changed', { accountId, by: principal?.credentialId, role: principal?.role, changedFields: outcome.changedFields });
        return { status: 200, body: policyView(outcome.account) };
    }
  });
}

function policyView(account: Account) {
  return {
    accountId: account.accountId,
    version: account.version,
    policy: account.customerPolicy ?? account.policy,
    carrierPolicy: account.carrierPolicy ?? defaultCarrierPolicy(),
    effectivePolicy: effectivePolicyView(account),
  };
}

