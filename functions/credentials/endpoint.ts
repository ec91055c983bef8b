/**
 * Bearer credentials (admin).
 * POST /v1/credentials issues one for a role, optionally expiring after `expiresInDays`: the token is shown once; only
 *   its hash is kept, under a random public id unrelated to the token.
 * GET /v1/credentials lists them, newest first (id, role, account, label, created, expires; never the token or hash).
 * DELETE /v1/credentials/{credentialId} revokes one: the next uncached request with it is a 401, and no cache holds an
 *   answer longer than CREDENTIAL_REVOCATION_SECONDS.
 * GET /v1/me (any role) answers who the presented credential is: `{ credentialId, role, accountId }` (accountId null but
 *   for a customer). The console signs in with it; a wrong token gets the authorizer's 401 before this runs.
 * Issuing and revoking are audited in the carrier scope.
 */
import { CREDENTIAL_REVOCATION_SECONDS } from '../../domain/contract/routes.js';
import { credentialSummary, type makeIssueCredential, type makeRevokeCredential } from '../../domain/credentials/manage-credentials.js';
import type { CredentialStore } from '../../domain/credentials/ports.js';
import type { Clock } from '../../domain/shared/ports.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';

export interface CredentialsPorts {
  readonly issueCredential: ReturnType<typeof makeIssueCredential>;
  readonly revokeCredential: ReturnType<typeof makeRevokeCredential>;
  readonly credentials: Pick<CredentialStore, 'list'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export function makeCredentialsEndpoint(ports: CredentialsPorts) {
  return httpEndpoint({ routes: ['POST /v1/credentials', 'GET /v1/credentials', 'DELETE /v1/credentials/{credentialId}', 'GET /v1/me'] }, async ({ route, body, query, pathParameters, principal }) => {
    const actor = actorOf(principal);
    if (route.path === '/v1/me') {
      if (!principal) throw httpErrors.unauthorized();
      return { status: 200, headers: { 'cache-control': 'no-store' }, body: { credentialId: principal.credentialId, role: principal.role, accountId: principal.accountId ?? null } };
    }
    if (route.method === 'GET') {
      const page = await ports.credentials.list(query.limit, query.cursor);
      const now = ports.clock.now();
      return { status: 200, body: { credentials: page.credentials.map((credential) => credentialSummary(credential, now)), nextCursor: page.nextCursor } };
    }
    if (route.method === 'DELETE') {
      const credentialId = pathParameters.credentialId ?? '';
      const outcome = await ports.revokeCredential(credentialId, actor);
      if (!outcome) throw httpErrors.notFound(`credential ${credentialId} does not exist`);
      const { revoked, at } = outcome;
      ports.logger.info('credential revoked', { credentialId, role: revoked.role, accountId: revoked.accountId, by: actor });
      return { status: 200, body: { ...credentialSummary(revoked, at), revoked: true, revokedAt: at.toISOString(), effectiveWithinSeconds: CREDENTIAL_REVOCATION_SECONDS } };
    }
    const issued = await ports.issueCredential(body, actor);
    if (issued.kind === 'account-not-found') throw httpErrors.notFound(`account ${issued.accountId} does not exist`);
    const { credential } = issued;
    ports.logger.info('credential issued', { credentialId: credential.credentialId, role: credential.role, accountId: credential.accountId, expiresAt: credential.expiresAt, by: principal?.credentialId });
    return { status: 201, headers: { 'cache-control': 'no-store' }, body: { token: issued.token, ...issued.summary } };
  });
}
