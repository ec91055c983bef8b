import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';
import { makeIssueCredential, makeRevokeCredential } from '../../../domain/credentials/manage-credentials.js';
import type { CredentialStore, StoredCredential } from '../../../domain/credentials/ports.js';
import { account } from '../../support/fixtures.js';

const NOW = new Date('2026-11-29T12:00:00.000Z');

function inMemoryCredentials() {
  const byId = new Map<string, StoredCredential>();
  const audit: AuditEntry[] = [];
  const store: Pick<CredentialStore, 'issue' | 'revoke'> = {
    async issue(_token, credential, entry) {
      if (byId.has(credential.credentialId)) return 'exists';
      byId.set(credential.credentialId, credential);
      if (entry) audit.push(entry);
      return 'issued';
    },
    async revoke(credentialId, entryOf) {
      const found = byId.get(credentialId);
      if (!found) return undefined;
      byId.delete(credentialId);
      audit.push(entryOf(found));
      return found;
    },
  };
  return { store, byId, audit };
}

function ports(ids: string[] = ['cred-1', 'cred-2', 'cred-3']) {
  const credentials = inMemoryCredentials();
  let drawn = 0;
  let auditIds = 0;
  return {
    credentials,
    ports: {
      credentials: credentials.store,
      accounts: { get: async (accountId: string) => (accountId === 'acme' ? account({ accountId: 'acme' }) : undefined) },
      generateToken: () => ({ token: `token-${drawn}`, credentialId: ids[Math.min(drawn++, ids.length - 1)] ?? 'none' }),
      clock: { now: () => NOW },
      ids: { newId: () => `audit-${++auditIds}` },
    },
  };
}

describe('issueCredential', () => {
  it('issues an expiring customer credential, audited in the carrier scope without the token', async () => {
    const { ports: p, credentials } = ports();
    const issued = await makeIssueCredential(p)({ role: 'customer', accountId: 'acme', expiresInDays: 30, label: 'PBX' }, 'admin:root');

    expect(issued).toMatchObject({ kind: 'issued', token: 'token-0', summary: { credentialId: 'cred-1', role: 'customer', accountId: 'acme', label: 'PBX', expiresAt: '2026-12-29T12:00:00.000Z', expired: false } });
    expect(credentials.audit).toEqual([expect.objectContaining({ scope: 'carrier', actor: 'admin:root', action: 'credential.issued', before: null })]);
    expect(JSON.stringify(credentials.audit)).not.toContain('token-0');
  });

  it('draws another id when the first is taken', async () => {
    const { ports: p, credentials } = ports(['taken', 'fresh']);
    credentials.byId.set('taken', { credentialId: 'taken', role: 'admin', createdAt: NOW.toISOString(), expiresAt: null });
    const issued = await makeIssueCredential(p)({ role: 'admin' }, 'admin:root');
    expect(issued.kind === 'issued' && issued.credential.credentialId).toBe('fresh');
  });

  it('gives up after three taken ids instead of looping', async () => {
    const { ports: p, credentials } = ports(['taken']);
    credentials.byId.set('taken', { credentialId: 'taken', role: 'admin', createdAt: NOW.toISOString(), expiresAt: null });
    await expect(makeIssueCredential(p)({ role: 'admin' }, 'admin:root')).rejects.toThrow(/3 attempts/);
  });

  it('refuses a credential for an account that does not exist, storing nothing', async () => {
    const { ports: p, credentials } = ports();
    expect(await makeIssueCredential(p)({ role: 'customer', accountId: 'ghost' }, 'admin:root')).toEqual({ kind: 'account-not-found', accountId: 'ghost' });
    expect(credentials.byId.size).toBe(0);
  });
});

describe('revokeCredential', () => {
  it('revokes and audits what was revoked; an unknown id answers undefined', async () => {
    const { ports: p, credentials } = ports();
    await makeIssueCredential(p)({ role: 'switch' }, 'admin:root');
    const revoke = makeRevokeCredential(p);

    expect(await revoke('cred-1', 'admin:root')).toMatchObject({ revoked: { credentialId: 'cred-1', role: 'switch' }, at: NOW });
    expect(credentials.audit.at(-1)).toMatchObject({ action: 'credential.revoked', before: { credentialId: 'cred-1' }, after: null });
    expect(await revoke('cred-1', 'admin:root')).toBeUndefined();
  });
});
