/** GET /v1/accounts/{accountId}/decisions: the account's access log, newest first (`limit`, `cursor`). */
import * as z from 'zod';
import { InvalidCursorError } from '../adapters/dynamodb/pagination.js';
import { httpEndpoint, httpErrors, pageQueryFields } from '../shared/http.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

const querySchema = z
  .object(pageQueryFields)
  .strict();

export function makeHandler(source: DependencySource) {
  return httpEndpoint({ query: querySchema }, async ({ query, pathParameters }) => {
    const deps = resolve(source);
    const accountId = pathParameters.accountId ?? '';
    if (!(await deps.accounts.get(accountId))) throw httpErrors.notFound(`account ${accountId} does not exist`);
    try {
      const page = await deps.decisions.listForAccount(accountId, query.limit, query.cursor);
      return { status: 200, body: { accountId, decisions: page.decisions, nextCursor: page.nextCursor } };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw httpErrors.badRequest('invalid cursor', [{ field: 'cursor', message: error.message }]);
      throw error;
    }
  });
}

export const handler = makeHandler(dependencies);
