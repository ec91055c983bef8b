/**
 * Who a bearer token belongs to, as the authorizer's context says it, and what a process remembers of the tokens it
 * verified so an outage does not lock out the switches it already knows.
 */
import { createHash } from 'node:crypto';
import type { CredentialStore } from '../../domain/credentials/ports.js';
import { isUnavailable, UNVERIFIED_ROLE } from '../shared/unavailable.js';

/** Tokens are kept in memory only as their SHA-256, like the stored credentials. */
function memoryKey(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Credentials this process verified, kept (hashed) so that while the database is unavailable a credential it has
 * seen is trusted as it was, until its own expiry; a revocation made during the outage takes effect once the
 * database answers again. A credential never seen gets role "unverified": authorize answers its fail-mode refusal,
 * every other route 503 (never a 500, never an allow for a token nobody checked).
 */
export class VerifiedCredentials {
  private readonly seen = new Map<string, { context: Record<string, string>; expiresAt: string | null }>();

  constructor(private readonly capacity = 10_000) {}

  remember(token: string, context: Record<string, string>, expiresAt: string | null): void {
    const key = memoryKey(token);
    this.seen.delete(key);
    this.seen.set(key, { context, expiresAt });
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  forget(token: string): void {
    this.seen.delete(memoryKey(token));
  }

  recall(token: string, now: Date): Record<string, string> | undefined {
    const entry = this.seen.get(memoryKey(token));
    if (!entry || (entry.expiresAt !== null && Date.parse(entry.expiresAt) <= now.getTime())) return undefined;
    return { ...entry.context, verifiedEarlier: 'true' };
  }
}

/** An unknown, revoked or expired token yields role "none": the handler answers 401. */
export async function principalContext(
  credentials: Pick<CredentialStore, 'findWithExpiry'>,
  authorization: string | undefined,
  now: Date,
  verified: VerifiedCredentials,
  lookupBudgetMs: number,
): Promise<Record<string, string>> {
  const token = bearerToken(authorization);
  if (!token) return { role: 'none' };
  let found: Awaited<ReturnType<CredentialStore['findWithExpiry']>>;
  try {
    found = await credentials.findWithExpiry(token, now, AbortSignal.timeout(lookupBudgetMs));
  } catch (error) {
    if (!isUnavailable(error)) throw error;
    return verified.recall(token, now) ?? { role: UNVERIFIED_ROLE };
  }
  if (!found) {
    verified.forget(token);
    return { role: 'none' };
  }
  const { principal } = found;
  const context = { role: principal.role, credentialId: principal.credentialId, ...(principal.accountId ? { accountId: principal.accountId } : {}) };
  verified.remember(token, context, found.expiresAt);
  return context;
}
