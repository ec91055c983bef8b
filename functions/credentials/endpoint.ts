/**
 * Bearer credentials (admin).
 * POST /v1/credentials issues one for a role, optionally expiring after `expiresInDays`: the token is shown once; only
 *   its hash is kept, under a random public id unrelated to the token.
 * GET /v1/credentials lists them, newest first (id, role, account, label, created, expires; never the token or hash).
 * DELETE /v1/credentials/{credentialId} revokes one: the next uncached request with it is a 401, and no cache holds an
 *   answer longer than CREDENTIAL_REVOCATION_SECONDS.
 * Issuing and revoking are audited in the carrier scope.
 */
import * as z from 'zod';
import { CREDENTIAL_REVOCATION_SECONDS } from '../../domain/contract/routes.js';
import { issueCredentialSchema } from '../../domain/credentials/credential.js';
import { InvalidCursorError } from '../../domain/shared/page.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors, pageQueryFields } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { CredentialStore, StoredCredential, TokenGenerator } from '../../domain/credentials/ports.js';

const listQuerySchema = z.object(pageQueryFields).strict();

/** A 64-bit random id collides about never; a few draws make it certain. */
const ISSUE_ATTEMPTS = 3;

export interface CredentialsPorts {
  readonly credentials: Pick<CredentialStore, 'list' | 'revoke' | 'issue'>;
  readonly generateToken: TokenGenerator;
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly clock: Runtime['clock'];
  readonly ids: Runtime['ids'];
  readonly logger: Runtime['logger'];
}

export function makeCredentialsEndpoint(ports: CredentialsPorts) {
  return httpEndpoint({ body: issueCredentialSchema, query: listQuerySchema }, async ({ route, body, query, pathParameters, principal }) => {
    const now = ports.clock.now();
    const actor = actorOf(principal);

    if (route.method === 'GET') {
      try {
        const page = await ports.credentials.list(query.limit, query.cursor);
        return { status: 200, body: { credentials: page.credentials.map((credential) => credentialView(credential, now)), nextCursor: page.nextCursor } };
      } catch (error) {
        if (error instanceof InvalidCursorError) throw httpErrors.badRequest('the request query is invalid', [{ field: 'cursor', message: error.message }]);
        throw error;
      }
    }

    if (route.method === 'DELETE') {
      const credentialId = pathParameters.credentialId ?? '';
      const revoked = await ports.credentials.revoke(credentialId, (credential) => ({
        scope: 'carrier',
        id: ports.ids.newId(),
        at: now.toISOString(),
        actor,
        action: 'credential.revoked',
        before: credentialView(credential, now),
        after: null,
      }));
      if (!revoked) throw httpErrors.notFound(`credential ${credentialId} does not exist`);
      ports.logger.info('credential revoked', { credentialId, role: revoked.role, accountId: revoked.accountId, by: actor });
      return { status: 200, body: { ...credentialView(revoked, now), revoked: true, revokedAt: now.toISOString(), effectiveWithinSeconds: CREDENTIAL_REVOCATION_SECONDS } };
    }

    if (body.accountId && !(await ports.accounts.get(body.accountId))) {
      throw httpErrors.notFound(`account ${body.accountId} does not exist`);
    }
    for (let attempt = 1; attempt <= ISSUE_ATTEMPTS; attempt += 1) {
      const { token, credentialId } = ports.generateToken();
      const credential: StoredCredential = {
        role: body.role,
        credentialId,
        ...(body.accountId ? { accountId: body.accountId } : {}),
        createdAt: now.toISOString(),
        expiresAt: body.expiresInDays ? new Date(now.getTime() + body.expiresInDays * 86_400_000).toISOString() : null,
        ...(body.label !== undefined ? { label: body.label } : {}),
      };
      const view = credentialView(credential, now);
      const outcome = await ports.credentials.issue(token, credential, { scope: 'carrier', id: ports.ids.newId(), at: now.toISOString(), actor, action: 'credential.issued', before: null, after: view });
      if (outcome === 'issued') {
        ports.logger.info('credential issued', { credentialId, role: credential.role, accountId: credential.accountId, expiresAt: credential.expiresAt, by: principal?.credentialId });
        return { status: 201, headers: { 'cache-control': 'no-store' }, body: { token, ...view } };
      }
    }
    throw new Error(`could not draw an unused credential id in ${ISSUE_ATTEMPTS} attempts`);
  });
}

/** What an admin sees of a credential: never the token, never its hash. */
function credentialView(credential: StoredCredential, now: Date) {
  return {
    credentialId: credential.credentialId,
    role: credential.role,
    accountId: credential.accountId ?? null,
    label: credential.label ?? null,
    createdAt: credential.createdAt,
    expiresAt: credential.expiresAt,
    expired: credential.expiresAt !== null && Date.parse(credential.expiresAt) <= now.getTime(),
  };
}

