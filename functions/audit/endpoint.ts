/**
 * Audit trails, newest first, paginated (`?limit=&cursor=`):
 * - GET /v1/accounts/{accountId}/audit (reviewer, admin): one account's changes;
 * - GET /v1/audit (admin): the carrier scope, changes that belong to no account: IP bans, their lifts, and bans
 *   withheld from known peers.
 */
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import { CARRIER_SCOPE, type AuditTrail } from '../../domain/audit/audit-entry.js';

export interface AuditPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly audit: Pick<AuditTrail, 'list'>;
}

export function makeAuditEndpoint(ports: AuditPorts) {
  return httpEndpoint({ routes: ['GET /v1/accounts/{accountId}/audit', 'GET /v1/audit'] }, async ({ route, query, pathParameters }) => {
    const accountId = route.path === '/v1/audit' ? undefined : (pathParameters.accountId ?? '');
    if (accountId !== undefined && !(await ports.accounts.get(accountId))) throw httpErrors.notFound(`account ${accountId} does not exist`);
    const page = await ports.audit.list(accountId ?? CARRIER_SCOPE, query.limit, query.cursor);
    const scope = accountId === undefined ? { scope: CARRIER_SCOPE } : { accountId };
    return { status: 200, body: { ...scope, records: page.records, nextCursor: page.nextCursor } };
  });
}

