/** POST /v1/accounts (admin) creates an account; GET /v1/accounts/{accountId} shows it with status, balance, policy. */
import { newAccountSchema } from '../../domain/accounts/account.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import { accountView } from '../shared/views.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

export function makeHandler(source: DependencySource) {
  return httpEndpoint({ body: newAccountSchema }, async ({ route, body, pathParameters, event }) => {
    const deps = resolve(source);
    if (route.method === 'POST') {
      const outcome = await deps.accounts.create(body, deps.clock.now().toISOString());
      if (outcome.kind === 'conflict') {
        throw httpErrors.conflict(`${outcome.field} ${outcome.value} is already in use`, [
          { field: outcome.field, message: `${outcome.value} is already in use` },
        ]);
      }
      deps.logger.info('account created', { accountId: outcome.account.accountId, requestId: event.requestContext.requestId });
      return { status: 201, body: accountView(outcome.account) };
    }
    const accountId = pathParameters.accountId ?? '';
    const snapshot = await deps.liveCalls.readAccount(accountId);
    if (!snapshot) throw httpErrors.notFound(`account ${accountId} does not exist`);
    return { status: 200, body: accountView(snapshot.account, snapshot.ledger, deps.clock.now().getTime()) };
  });
}

export const handler = makeHandler(dependencies);
