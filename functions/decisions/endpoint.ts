/** GET /v1/accounts/{accountId}/decisions: the account's access log, newest first (`limit`, `cursor`). */
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { DecisionLog } from '../../domain/policy/decision-log.js';

export interface DecisionsPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly decisions: Pick<DecisionLog, 'listForAccount'>;
}

export function makeDecisionsEndpoint(ports: DecisionsPorts) {
  return httpEndpoint({ routes: ['GET /v1/accounts/{accountId}/decisions'] }, async ({ query, pathParameters }) => {
    const accountId = pathParameters.accountId ?? '';
    if (!(await ports.accounts.get(accountId))) throw httpErrors.notFound(`account ${accountId} does not exist`);
    const page = await ports.decisions.listForAccount(accountId, query.limit, query.cursor);
    // `seen` (what the engine saw, in micro-units) is kept on the record for what-if replays, not shown: the access
    // log answers in the contract's currency units.
    const decisions = page.decisions.map(({ seen: _seen, ...decision }) => decision);
    return { status: 200, body: { accountId, decisions, nextCursor: page.nextCursor } };
  });
}

