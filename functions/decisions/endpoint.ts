/** GET /v1/accounts/{accountId}/decisions: the account's access log, newest first (`limit`, `cursor`). */
import * as z from 'zod';
import { InvalidCursorError } from '../../domain/shared/page.js';
import { httpEndpoint, httpErrors, pageQueryFields } from '../shared/http.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { DecisionLog } from '../../domain/policy/decision-log.js';

const querySchema = z
  .object(pageQueryFields)
  .strict();

export interface DecisionsPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly decisions: Pick<DecisionLog, 'listForAccount'>;
}

export function makeDecisionsEndpoint(ports: DecisionsPorts) {
  return httpEndpoint({ query: querySchema }, async ({ query, pathParameters }) => {
    const accountId = pathParameters.accountId ?? '';
    if (!(await ports.accounts.get(accountId))) throw httpErrors.notFound(`account ${accountId} does not exist`);
    try {
      const page = await ports.decisions.listForAccount(accountId, query.limit, query.cursor);
      return { status: 200, body: { accountId, decisions: page.decisions, nextCursor: page.nextCursor } };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw httpErrors.badRequest('invalid cursor', [{ field: 'cursor', message: error.message }]);
      throw error;
    }
  });
}

