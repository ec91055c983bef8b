/**
 * GET|PUT /v1/accounts/{accountId}/policy. PUT replaces the whole policy; omitted fields take their defaults
 * (documented in the README). A customer may not grant itself exceptions to the carrier's high-risk list: that
 * field is the carrier's (admin) call. A webhook URL must be a target this stage may call (domain/notifications/webhook-url.ts). A change writes the policy, its audit record (before/after) and `Policy Changed`
 * in one transaction.
 */
import { accountPolicySchema } from '../../domain/accounts/account.js';
import { webhookUrlProblem } from '../../domain/notifications/webhook-url.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

export function makeHandler(source: DependencySource) {
  return httpEndpoint({ body: accountPolicySchema }, async ({ route, body, pathParameters, principal }) => {
    const deps = resolve(source);
    const accountId = pathParameters.accountId ?? '';
    const account = await deps.accounts.get(accountId);
    if (!account) throw httpErrors.notFound(`account ${accountId} does not exist`);
    if (route.method === 'GET') return { status: 200, body: { accountId, version: account.version, policy: account.policy } };

    const webhookProblem = body.notifications.webhookUrl
      ? webhookUrlProblem(body.notifications.webhookUrl, { allowPrivateTargets: deps.config.webhookAllowPrivateHosts, requireHttps: deps.config.webhookRequireHttps })
      : undefined;
    if (webhookProblem) throw httpErrors.badRequest('the request body is invalid', [{ field: 'notifications.webhookUrl', message: webhookProblem }]);

    const highRiskChanged = JSON.stringify([...body.allowedHighRiskPrefixes].sort()) !== JSON.stringify([...account.policy.allowedHighRiskPrefixes].sort());
    if (principal?.role === 'customer' && highRiskChanged) {
      throw httpErrors.forbidden('only the carrier (admin) may change allowedHighRiskPrefixes');
    }
    const outcome = await deps.accounts.replacePolicy(accountId, body, { actor: actorOf(principal), at: deps.clock.now().toISOString(), auditId: deps.ids.newId() });
    if (outcome.kind === 'not-found') throw httpErrors.notFound(`account ${accountId} does not exist`);
    if (outcome.kind === 'conflict') throw httpErrors.conflict(`the policy of ${accountId} is being changed by someone else; read it again and retry`);
    deps.logger.info('policy changed', { accountId, by: principal?.credentialId, role: principal?.role, changedFields: outcome.changedFields });
    return { status: 200, body: { accountId, version: outcome.account.version, policy: outcome.account.policy } };
  });
}

export const handler = makeHandler(dependencies);
