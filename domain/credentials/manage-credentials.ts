/**
 * Issuing and revoking bearer credentials (admin). A token is shown once; only its hash is stored, under a random
 * public id unrelated to it. Both changes are audited in the carrier scope, in the same write as the change.
 */
import type { AccountStore } from '../accounts/ports.js';
import { CARRIER_SCOPE } from '../audit/audit-entry.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import type { IssueCredentialRequest } from './credential.js';
import type { CredentialStore, StoredCredential, TokenGenerator } from './ports.js';

/** A 64-bit random id collides about never; a few draws make it certain. */
const ISSUE_ATTEMPTS = 3;

/** What an admin sees of a credential: never the token, never its hash. */
export function credentialSummary(credential: StoredCredential, now: Date) {
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

export type CredentialSummary = ReturnType<typeof credentialSummary>;

export interface ManageCredentialsPorts {
  readonly credentials: Pick<CredentialStore, 'issue' | 'revoke'>;
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly generateToken: TokenGenerator;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export type IssueOutcome =
  | { readonly kind: 'issued'; readonly token: string; readonly credential: StoredCredential; readonly summary: CredentialSummary }
  | { readonly kind: 'account-not-found'; readonly accountId: string };

export function makeIssueCredential(ports: ManageCredentialsPorts) {
  return async function issueCredential(request: IssueCredentialRequest, actor: string): Promise<IssueOutcome> {
    if (request.accountId && !(await ports.accounts.get(request.accountId))) return { kind: 'account-not-found', accountId: request.accountId };
    const now = ports.clock.now();
    for (let attempt = 1; attempt <= ISSUE_ATTEMPTS; attempt += 1) {
      const { token, credentialId } = ports.generateToken();
      const credential: StoredCredential = {
        role: request.role,
        credentialId,
        ...(request.accountId ? { accountId: request.accountId } : {}),
        createdAt: now.toISOString(),
        expiresAt: request.expiresInDays ? new Date(now.getTime() + request.expiresInDays * 86_400_000).toISOString() : null,
        ...(request.label !== undefined ? { label: request.label } : {}),
      };
      const summary = credentialSummary(credential, now);
      const audit = { scope: CARRIER_SCOPE, id: ports.ids.newId(), at: now.toISOString(), actor, action: 'credential.issued', before: null, after: summary };
      if ((await ports.credentials.issue(token, credential, audit)) === 'issued') return { kind: 'issued', token, credential, summary };
    }
    throw new Error(`could not draw an unused credential id in ${ISSUE_ATTEMPTS} attempts`);
  };
}

export function makeRevokeCredential(ports: Pick<ManageCredentialsPorts, 'credentials' | 'clock' | 'ids'>) {
  /** The revoked credential, or undefined when there is no such credential. */
  return async function revokeCredential(credentialId: string, actor: string): Promise<{ revoked: StoredCredential; at: Date } | undefined> {
    const now = ports.clock.now();
    const revoked = await ports.credentials.revoke(credentialId, (credential) => ({
      scope: CARRIER_SCOPE,
      id: ports.ids.newId(),
      at: now.toISOString(),
      actor,
      action: 'credential.revoked',
      before: credentialSummary(credential, now),
      after: null,
    }));
    return revoked ? { revoked, at: now } : undefined;
  };
}
