/** What the credential endpoints and the authorizer need of storage; tokens are stored only as hashes. */
import type { AuditEntry } from '../audit/audit-entry.js';
import type { Principal } from './credential.js';

/** What is known of a credential, without its token. */
export interface StoredCredential extends Principal {
  readonly createdAt: string;
  /** ISO time after which the credential is refused; null: it does not expire. */
  readonly expiresAt: string | null;
  readonly label?: string;
}

export interface CredentialPage {
  readonly credentials: StoredCredential[];
  readonly nextCursor: string | null;
}

export interface CredentialStore {
  issue(token: string, credential: StoredCredential, audit?: AuditEntry): Promise<'issued' | 'exists'>;
  findWithExpiry(token: string, now: Date, signal?: AbortSignal): Promise<{ principal: Principal; expiresAt: string | null } | undefined>;
  list(limit: number, cursor?: string): Promise<CredentialPage>;
  /** Undefined when no such credential exists; the audit entry is built from what was revoked. */
  revoke(credentialId: string, audit: (revoked: StoredCredential) => AuditEntry): Promise<StoredCredential | undefined>;
}

/** A new bearer token and the credential id it will be known by. */
export type TokenGenerator = () => { token: string; credentialId: string };
