/**
 * Audit trails, newest first, paginated (`?limit=&cursor=`):
 * - GET /v1/accounts/{accountId}/audit (reviewer, admin): one account's changes;
 * - GET /v1/audit (admin): the carrier scope, changes that belong to no account: IP bans, their lifts, and bans
 *   withheld from known peers.
 */
import * as z from 'zod';
import { InvalidCursorError } from '../adapters/dynamodb/pagination.js';
import { httpEndpoint, httpErrors, pageQueryFields } from '../shared/http.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

const CARRIER_SCOPE = 'carrier';

const querySchema = z
  .object(pageQueryFields)
  .strict();

export function makeHandler(source: DependencySource) {
  return httpEndpoint({ query: querySchema }, async ({ route, query, pathParameters }) => {
    const deps = resolve(source);
    const accountId = route.path === '/v1/audit' ? undefined : (pathParameters.accountId ?? '');
    if (accountId !== undefined && !(await deps.accounts.get(accountId))) throw httpErrors.notFound(`account ${accountId} does not exist`);
    try {
      const page = await deps.audit.list(accountId ?? CARRIER_SCOPE, query.limit, query.cursor);
      const scope = accountId === undefined ? { scope: CARRIER_SCOPE } : { accountId };
      return { status: 200, body: { ...scope, records: page.records, nextCursor: page.nextCursor } };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw httpErrors.badRequest('the request query is invalid', [{ field: 'cursor', message: error.message }]);
      throw error;
    }
  });
}

export const handler = makeHandler(dependencies);
