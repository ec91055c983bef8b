/**
 * GET|PUT /v1/accounts/{accountId}/policy. PUT replaces the customer's own policy; omitted fields take their
 * defaults (documented in the README). A customer's policy may only be as strict as the carrier's controls or
 * stricter (domain/accounts/carrier-policy.ts): a change beyond them is refused with 403, naming each field; an
 * admin may write beyond them, and calls are decided on the effective policy all the same. A webhook URL must be a
 * target this stage may call (domain/notifications/webhook-url.ts). A change writes the policy, its audit record
 * (before/after) and `Policy Changed` in one transaction. GET shows the customer's own policy, the carrier's
 * controls and the effective policy calls are decided on.
 */
import { accountPolicySchema, type Account } from '../../domain/accounts/account.js';
import { carrierPolicyViolations, defaultCarrierPolicy } from '../../domain/accounts/carrier-policy.js';
import { webhookUrlProblem } from '../../domain/notifications/webhook-url.js';
import { actorOf } from '../shared/actor.js';
import { HttpError, httpEndpoint, httpErrors } from '../shared/http.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { RuntimeConfig } from '../shared/config.js';
import type { Runtime } from '../shared/runtime.js';

export interface PolicyPorts {
  readonly accounts: Pick<AccountStore, 'get' | 'replacePolicy'>;
  readonly config: Pick<RuntimeConfig, 'detection' | 'webhookAllowPrivateHosts' | 'webhookRequireHttps'>;
  readonly clock: Runtime['clock'];
  readonly ids: Runtime['ids'];
  readonly logger: Runtime['logger'];
}

export function makePolicyEndpoint(ports: PolicyPorts) {
  return httpEndpoint({ body: accountPolicySchema }, async ({ route, body, pathParameters, principal }) => {
    const accountId = pathParameters.accountId ?? '';
    const account = await ports.accounts.get(accountId);
    if (!account) throw httpErrors.notFound(`account ${accountId} does not exist`);
    if (route.method === 'GET') return { status: 200, body: policyView(account) };

    const webhookProblem = body.notifications.webhookUrl
      ? webhookUrlProblem(body.notifications.webhookUrl, { allowPrivateTargets: ports.config.webhookAllowPrivateHosts, requireHttps: ports.config.webhookRequireHttps })
      : undefined;
    if (webhookProblem) throw httpErrors.badRequest('the request body is invalid', [{ field: 'notifications.webhookUrl', message: webhookProblem }]);

    if (principal?.role === 'customer') {
      const violations = carrierPolicyViolations(body, account.carrierPolicy ?? defaultCarrierPolicy(), ports.config.detection);
      if (violations.length > 0) {
        throw new HttpError(403, 'FORBIDDEN', "the policy would loosen the carrier's controls on this account", violations);
      }
    }
    const outcome = await ports.accounts.replacePolicy(accountId, body, { actor: actorOf(principal), at: ports.clock.now().toISOString(), auditId: ports.ids.newId() });
    if (outcome.kind === 'not-found') throw httpErrors.notFound(`account ${accountId} does not exist`);
    if (outcome.kind === 'conflict') throw httpErrors.conflict(`the policy of ${accountId} is being changed by someone else; read it again and retry`);
    ports.logger.info('policy changed', { accountId, by: principal?.credentialId, role: principal?.role, changedFields: outcome.changedFields });
    return { status: 200, body: policyView(outcome.account) };
  });
}

function policyView(account: Account) {
  return {
    accountId: account.accountId,
    version: account.version,
    policy: account.customerPolicy ?? account.policy,
    carrierPolicy: account.carrierPolicy ?? defaultCarrierPolicy(),
    effectivePolicy: account.policy,
  };
}

