/** GET /v1/accounts/{accountId}/audit?limit=&cursor= (reviewer, admin): the account's audit trail, newest first. */
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
    const account = await deps.accounts.get(accountId);
    if (!account) throw httpErrors.notFound(`account ${accountId} does not exist`);
    try {
      const page = await deps.audit.list(accountId, query.limit, query.cursor);
      return { status: 200, body: { accountId, records: page.records, nextCursor: page.nextCursor } };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw httpErrors.badRequest('the request query is invalid', [{ field: 'cursor', message: error.message }]);
      throw error;
    }
  });
}

export const handler = makeHandler(dependencies);
