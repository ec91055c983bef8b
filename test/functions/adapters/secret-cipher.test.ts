import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSecretCipher, secretCipherOf, KmsSecretCipher } from '../../../functions/adapters/secrets/secret-cipher.js';
import { readConfig } from '../../../functions/shared/config.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('the local stand-in for KMS', () => {
  it('round-trips a secret, bound to its account', async () => {
    const cipher = LocalSecretCipher.fromKeyFile(join(mkdtempSync(join(tmpdir(), 'tollgate-key-')), 'webhook-secret.key'));

    const sealed = await cipher.encrypt('whsec_abc', { accountId: 'acme' });

    expect(sealed).toMatch(/^local-aes-gcm:/);
    expect(sealed).not.toContain('whsec_abc');
    await expect(cipher.decrypt(sealed, { accountId: 'acme' })).resolves.toBe('whsec_abc');
    await expect(cipher.decrypt(sealed, { accountId: 'globex' })).rejects.toThrow();
  });

  it('refuses a tampered ciphertext and one sealed with another key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-key-'));
    const cipher = LocalSecretCipher.fromKeyFile(join(dir, 'a.key'));
    const other = LocalSecretCipher.fromKeyFile(join(dir, 'b.key'));
    const sealed = await cipher.encrypt('whsec_abc', { accountId: 'acme' });
    const raw = Buffer.from(sealed.slice('local-aes-gcm:'.length), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;

    await expect(cipher.decrypt(`local-aes-gcm:${raw.toString('base64')}`, { accountId: 'acme' })).rejects.toThrow();
    await expect(other.decrypt(sealed, { accountId: 'acme' })).rejects.toThrow();
  });

  it('keeps its key in the data directory, owner-only, and reuses it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-data-'));
    const config = readConfig({ TOLLGATE_STAGE: 'local', TOLLGATE_DATA_DIR: dataDir });
    const sealed = await secretCipherOf(config).encrypt('whsec_abc', { accountId: 'acme' });

    expect(readdirSync(dataDir)).toEqual(['webhook-secret.key']);
    expect(statSync(join(dataDir, 'webhook-secret.key')).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(join(dataDir, 'webhook-secret.key'), 'utf8'), 'base64')).toHaveLength(32);
    await expect(LocalSecretCipher.fromKeyFile(join(dataDir, 'webhook-secret.key')).decrypt(sealed, { accountId: 'acme' })).resolves.toBe('whsec_abc');
  });
});

describe('the cipher the configuration selects', () => {
  it('is KMS outside the local stage, and needs its key', () => {
    expect(() => secretCipherOf(readConfig({ TOLLGATE_STAGE: 'prod' }))).toThrow(/TOLLGATE_WEBHOOK_SECRET_KEY_ID/);
    expect(secretCipherOf(readConfig({ TOLLGATE_STAGE: 'prod', TOLLGATE_WEBHOOK_SECRET_KEY_ID: 'arn:aws:kms:us-east-1:111122223333:key/k' }))).toBeInstanceOf(KmsSecretCipher);
  });

  it('is built by the notifier and webhook-secret roots only', () => {
    const builders = readdirSync(join(ROOT, 'functions'))
      .filter((name) => {
        try {
          return readFileSync(join(ROOT, 'functions', name, 'handler.ts'), 'utf8').includes('adapters/secrets/secret-cipher');
        } catch {
          return false;
        }
      })
      .sort();
    expect(builders).toEqual(['notifier', 'webhook-secret']);
  });
});
