/**
 * POST /v1/accounts (admin) creates an account; GET /v1/accounts/{accountId} shows it with status, balance, policy;
 * GET /v1/accounts (admin) lists them in id order, `?search=` the start of an id, with cursor paging.
 */
import type { makeListAccounts } from '../../domain/accounts/list-accounts.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import { accountView } from '../shared/views.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { LiveCallStore } from '../../domain/calls/ports.js';
import type { Clock } from '../../domain/shared/ports.js';
import type { Logger } from '../shared/logger.js';

export interface AccountsPorts {
  readonly accounts: Pick<AccountStore, 'create'>;
  readonly liveCalls: Pick<LiveCallStore, 'readAccount'>;
  readonly listAccounts: ReturnType<typeof makeListAccounts>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export function makeAccountsEndpoint(ports: AccountsPorts) {
  return httpEndpoint({ routes: ['POST /v1/accounts', 'GET /v1/accounts/{accountId}', 'GET /v1/accounts'] }, async ({ route, body, query, pathParameters, event }) => {
    if (route.method === 'GET' && route.path === '/v1/accounts') {
      const page = await ports.listAccounts({ limit: query.limit, cursor: query.cursor, search: query.search });
      const nowMs = ports.clock.now().getTime();
      return { status: 200, body: { accounts: page.accounts.map((snapshot) => accountView(snapshot.account, snapshot.ledger, nowMs)), nextCursor: page.nextCursor } };
    }
    if (route.method === 'POST') {
      const outcome = await ports.accounts.create(body, ports.clock.now().toISOString());
      if (outcome.kind === 'conflict') {
        throw httpErrors.conflict(`${outcome.field} ${outcome.value} is already in use`, [
          { field: outcome.field, message: `${outcome.value} is already in use` },
        ]);
      }
      ports.logger.info('account created', { accountId: outcome.account.accountId, requestId: event.requestContext.requestId });
      return { status: 201, body: accountView(outcome.account) };
    }
    const accountId = pathParameters.accountId ?? '';
    const snapshot = await ports.liveCalls.readAccount(accountId);
    if (!snapshot) throw httpErrors.notFound(`account ${accountId} does not exist`);
    return { status: 200, body: accountView(snapshot.account, snapshot.ledger, ports.clock.now().getTime()) };
  });
}

