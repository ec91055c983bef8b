/**
 * Issue 11, item 8: credentials can be listed (never the token or its hash), revoked with effect everywhere within
 * CREDENTIAL_REVOCATION_SECONDS (the authorizer cache included), issued with an expiry; `npm start` reuses its demo
 * credentials and its bootstrap admin instead of adding more at every start.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { CREDENTIAL_REVOCATION_SECONDS } from '../../domain/contract/routes.js';
import type { Clock } from '../../domain/shared/ports.js';
import { loadDemoData } from '../../functions/local/demo-data.js';
import { startLocalStack } from '../../functions/local/local-stack.js';
import { silentLogger, startTestStack, type TestStack } from '../support/test-stack.js';

/** A clock the test moves forward; the authorizer and the handlers read it. */
const clock: Clock & { offsetMs: number } = { offsetMs: 0, now: (): Date => new Date(Date.now() + clock.offsetMs) };

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ clock });
  expect((await stack.call('POST', '/v1/accounts', { token: stack.adminToken, body: { accountId: 'acme', name: 'Acme', homeCountry: 'US' } })).status).toBe(201);
});

afterAll(async () => {
  await stack?.stop();
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function issue(body: Record<string, unknown>) {
  const response = await stack.call('POST', '/v1/credentials', { token: stack.adminToken, body });
  expect(response.status).toBe(201);
  return response.body as { token: string; credentialId: string; expiresAt: string | null };
}

describe('GET /v1/credentials', () => {
  it('lists each credential with its id, role, account, creation and expiry, never the token or its hash', async () => {
    const customer = await issue({ role: 'customer', accountId: 'acme', label: 'portal' });
    const reviewer = await issue({ role: 'reviewer', expiresInDays: 30 });

    const response = await stack.call('GET', '/v1/credentials', { token: stack.adminToken });

    expect(response.status).toBe(200);
    expect(response.body.credentials).toEqual(
      expect.arrayContaining([
        { credentialId: customer.credentialId, role: 'customer', accountId: 'acme', label: 'portal', createdAt: expect.any(String), expiresAt: null, expired: false },
        { credentialId: reviewer.credentialId, role: 'reviewer', accountId: null, label: null, createdAt: expect.any(String), expiresAt: reviewer.expiresAt, expired: false },
        expect.objectContaining({ credentialId: 'bootstrap-admin', role: 'admin' }),
      ]),
    );
    for (const secret of [customer.token, reviewer.token, stack.adminToken]) {
      expect(response.text).not.toContain(secret);
      expect(response.text).not.toContain(sha256(secret));
    }
    expect(customer.credentialId).not.toBe(sha256(customer.token));
  });

  it('pages with a cursor', async () => {
    for (let index = 0; index < 3; index += 1) await issue({ role: 'switch' });

    const first = await stack.call('GET', '/v1/credentials?limit=2', { token: stack.adminToken });
    const second = await stack.call('GET', `/v1/credentials?limit=2&cursor=${first.body.nextCursor}`, { token: stack.adminToken });

    expect(first.body.credentials).toHaveLength(2);
    expect(second.status).toBe(200);
    const ids = [...first.body.credentials, ...second.body.credentials].map((credential: { credentialId: string }) => credential.credentialId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is for admins only', async () => {
    const reviewer = await issue({ role: 'reviewer' });

    expect((await stack.call('GET', '/v1/credentials', { token: reviewer.token })).status).toBe(403);
  });
});

describe('POST /v1/credentials with expiresInDays', () => {
  it.each([0, 3_651, 1.5, '7', null])('refuses expiresInDays %s with a 400 naming it', async (expiresInDays) => {
    const response = await stack.call('POST', '/v1/credentials', { token: stack.adminToken, body: { role: 'switch', expiresInDays } });

    expect(response.status).toBe(400);
    expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['expiresInDays']);
  });

  it('answers 401 for a credential once it has expired', async () => {
    const issued = await issue({ role: 'switch', expiresInDays: 1 });
    expect(Date.parse(issued.expiresAt ?? '') - clock.now().getTime()).toBeGreaterThan(86_000_000);
    expect((await stack.call('GET', '/v1/bans', { token: issued.token })).status).toBe(200);

    clock.offsetMs += 86_400_000 + 1_000;
    const afterExpiry = await stack.call('GET', '/v1/bans', { token: issued.token });
    clock.offsetMs = 0;

    expect(afterExpiry.status).toBe(401);
    expect(afterExpiry.body.error.code).toBe('UNAUTHORIZED');
  });
});

describe('DELETE /v1/credentials/{credentialId}', () => {
  it('revokes at once when nothing is cached, audited without the token', async () => {
    const issued = await issue({ role: 'switch' });
    expect((await stack.call('GET', '/v1/bans', { token: issued.token })).status).toBe(200);

    const revoked = await stack.call('DELETE', `/v1/credentials/${issued.credentialId}`, { token: stack.adminToken });

    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ credentialId: issued.credentialId, role: 'switch', revoked: true, effectiveWithinSeconds: CREDENTIAL_REVOCATION_SECONDS });
    expect((await stack.call('GET', '/v1/bans', { token: issued.token })).status).toBe(401);
    const listed = await stack.call('GET', '/v1/credentials?limit=200', { token: stack.adminToken });
    expect(listed.body.credentials.map((credential: { credentialId: string }) => credential.credentialId)).not.toContain(issued.credentialId);
    const audit = await stack.adapters.audit.list('carrier', 50);
    const record = audit.records.find((entry) => entry.action === 'credential.revoked' && (entry.before as { credentialId?: string }).credentialId === issued.credentialId);
    expect(record).toMatchObject({ actor: 'admin:bootstrap-admin', after: null });
    expect(JSON.stringify(audit.records)).not.toContain(issued.token);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await stack.call('DELETE', '/v1/credentials/no-such-credential', { token: stack.adminToken })).status).toBe(404);
    const malformed = await stack.call('DELETE', `/v1/credentials/${'x'.repeat(65)}`, { token: stack.adminToken });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details[0].field).toBe('credentialId');
  });

  it(`takes effect through the authorizer cache within ${CREDENTIAL_REVOCATION_SECONDS} s`, async () => {
    // The stack's default cache TTL, as `npm start` runs it (the other tests here run without a cache).
    const cached = await startTestStack({ authorizerCacheMs: undefined });
    try {
      const issuedResponse = await cached.call('POST', '/v1/credentials', { token: cached.adminToken, body: { role: 'switch' } });
      const { token, credentialId } = issuedResponse.body as { token: string; credentialId: string };
      expect((await cached.call('GET', '/v1/bans', { token })).status).toBe(200); // now cached

      const revokedAt = Date.now();
      expect((await cached.call('DELETE', `/v1/credentials/${credentialId}`, { token: cached.adminToken })).status).toBe(200);
      let status = 200;
      let lastAcceptedAt = revokedAt;
      while (status !== 401 && Date.now() - revokedAt < (CREDENTIAL_REVOCATION_SECONDS + 5) * 1000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const askedAt = Date.now();
        status = (await cached.call('GET', '/v1/bans', { token })).status;
        if (status === 200) lastAcceptedAt = askedAt;
      }

      expect(status).toBe(401);
      // No request sent later than 10 s after the revocation was accepted.
      expect(lastAcceptedAt - revokedAt).toBeLessThan(CREDENTIAL_REVOCATION_SECONDS * 1000);
    } finally {
      await cached.stop();
    }
  }, 30_000);
});

describe('npm start keeps its credentials across restarts', () => {
  it('reuses the demo tokens kept in the data directory and replaces the bootstrap admin instead of adding one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-demo-'));
    const credentialsFile = join(dataDir, 'demo-credentials.json');
    const tableName = `t_restart_${Date.now()}`;
    const start = (adminToken: string) =>
      startLocalStack({ port: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName, adminToken, authorizerCacheMs: 0, logger: silentLogger });
    const listIds = async (url: string, adminToken: string) => {
      const response = await fetch(`${url}/v1/credentials?limit=200`, { headers: { authorization: `Bearer ${adminToken}` } });
      return ((await response.json()) as { credentials: Array<{ credentialId: string }> }).credentials.map((credential) => credential.credentialId).sort();
    };
    try {
      const first = await start('first-admin-token-0123456789');
      const demoBefore = await loadDemoData(first.adapters, { credentialsFile });
      await first.stop();

      const second = await start('second-admin-token-0123456789');
      const demoAfter = await loadDemoData(second.adapters, { credentialsFile });
      const ids = await listIds(second.url, second.adminToken);
      const oldAdmin = await fetch(`${second.url}/v1/credentials`, { headers: { authorization: 'Bearer first-admin-token-0123456789' } });
      rmSync(credentialsFile);
      const demoRenewed = await loadDemoData(second.adapters, { credentialsFile });
      const idsAfterRenewal = await listIds(second.url, second.adminToken);
      const oldDemo = await fetch(`${second.url}/v1/bans`, { headers: { authorization: `Bearer ${demoBefore.switchToken}` } });
      await second.stop();

      expect(demoAfter).toEqual(demoBefore);
      expect(ids).toEqual(['bootstrap-admin', 'demo-customer', 'demo-switch']);
      expect(oldAdmin.status).toBe(401);
      expect(demoRenewed.switchToken).not.toBe(demoBefore.switchToken);
      expect(idsAfterRenewal).toEqual(ids);
      expect(oldDemo.status).toBe(401);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('GET /v1/me', () => {
  it('answers the role and account of the presented credential, for every role', async () => {
    const customer = await issue({ role: 'customer', accountId: 'acme' });
    const reviewer = await issue({ role: 'reviewer' });

    const asCustomer = await stack.call('GET', '/v1/me', { token: customer.token });
    const asReviewer = await stack.call('GET', '/v1/me', { token: reviewer.token });
    const asAdmin = await stack.call('GET', '/v1/me', { token: stack.adminToken });

    expect(asCustomer.status).toBe(200);
    expect(asCustomer.body).toEqual({ credentialId: customer.credentialId, role: 'customer', accountId: 'acme' });
    expect(asReviewer.body).toEqual({ credentialId: reviewer.credentialId, role: 'reviewer', accountId: null });
    expect(asAdmin.body).toEqual({ credentialId: 'bootstrap-admin', role: 'admin', accountId: null });
    expect(asCustomer.text).not.toContain(customer.token);
  });

  it('refuses a wrong or missing token with 401', async () => {
    const wrong = await stack.call('GET', '/v1/me', { token: 'tg_0000000000000000_not-a-real-token' });
    const missing = await stack.call('GET', '/v1/me', {});

    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    expect(missing.status).toBe(401);
  });
});
