/**
 * Encryption of webhook signing secrets at rest. In AWS a customer-managed KMS key: the webhook-secret function and
 * the notifier may encrypt (a secret is created at rotation or at first need), only the notifier may decrypt (it
 * signs deliveries). Locally there is no KMS: an explicit stand-in, AES-256-GCM with a key kept in the local data
 * directory, selected by `TOLLGATE_WEBHOOK_SECRET_CIPHER=local` (the default on the `local` stage only).
 *
 * Both bind the ciphertext to its account through the encryption context (KMS) or the associated data (local), so a
 * ciphertext copied to another account's item does not decrypt. Only the notifier's and the webhook-secret
 * function's composition roots import this module, so no other bundle carries the KMS client.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { WEBHOOK_SECRET_PURPOSE } from '../../../domain/contract/secrets.js';
import type { RuntimeConfig } from '../../shared/config.js';

/** What a ciphertext is bound to: the purpose and the account whose secret it is. */
export interface SecretContext {
  readonly accountId: string;
}

export interface SecretCipher {
  encrypt(plaintext: string, context: SecretContext): Promise<string>;
  decrypt(ciphertext: string, context: SecretContext): Promise<string>;
}


function encryptionContext(context: SecretContext): Record<string, string> {
  return { purpose: WEBHOOK_SECRET_PURPOSE, accountId: context.accountId };
}

const KMS_PREFIX = 'kms:';
const LOCAL_PREFIX = 'local-aes-gcm:';

export class KmsSecretCipher implements SecretCipher {
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  async encrypt(plaintext: string, context: SecretContext): Promise<string> {
    const result = await this.client.send(
      new EncryptCommand({ KeyId: this.keyId, Plaintext: Buffer.from(plaintext, 'utf8'), EncryptionContext: encryptionContext(context) }),
    );
    if (!result.CiphertextBlob) throw new Error('KMS Encrypt returned no ciphertext');
    return `${KMS_PREFIX}${Buffer.from(result.CiphertextBlob).toString('base64')}`;
  }

  async decrypt(ciphertext: string, context: SecretContext): Promise<string> {
    if (!ciphertext.startsWith(KMS_PREFIX)) throw new Error(`webhook secret of ${context.accountId} was not encrypted with KMS`);
    const result = await this.client.send(
      new DecryptCommand({
        KeyId: this.keyId,
        CiphertextBlob: Buffer.from(ciphertext.slice(KMS_PREFIX.length), 'base64'),
        EncryptionContext: encryptionContext(context),
      }),
    );
    if (!result.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
    return Buffer.from(result.Plaintext).toString('utf8');
  }
}

/** The local stand-in: AES-256-GCM, a random 96-bit IV per secret, the context as associated data. */
export class LocalSecretCipher implements SecretCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the local webhook-secret key must be 32 bytes');
  }

  /** The key in `file`, created (32 random bytes, owner-only) when absent. */
  static fromKeyFile(file: string): LocalSecretCipher {
    try {
      return new LocalSecretCipher(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dirname(file), { recursive: true });
      const key = randomBytes(32);
      try {
        writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
        return new LocalSecretCipher(key);
      } catch (raced) {
        // Another process of the same data directory created it first: use that one.
        if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
        return new LocalSecretCipher(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
      }
    }
  }

  encrypt(plaintext: string, context: SecretContext): Promise<string> {
    return settle(() => this.seal(plaintext, context));
  }

  decrypt(ciphertext: string, context: SecretContext): Promise<string> {
    return settle(() => this.open(ciphertext, context));
  }

  private seal(plaintext: string, context: SecretContext): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(JSON.stringify(encryptionContext(context)), 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${LOCAL_PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')}`;
  }

  private open(ciphertext: string, context: SecretContext): string {
    if (!ciphertext.startsWith(LOCAL_PREFIX)) throw new Error(`webhook secret of ${context.accountId} was not encrypted by the local stand-in`);
    const raw = Buffer.from(ciphertext.slice(LOCAL_PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(JSON.stringify(encryptionContext(context)), 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** A synchronous step as a promise: its throw becomes a rejection, as with KMS. */
function settle<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

const localCiphers = new Map<string, LocalSecretCipher>();

/** The cipher the configuration selects; KMS needs `TOLLGATE_WEBHOOK_SECRET_KEY_ID`. */
export function secretCipherOf(config: RuntimeConfig): SecretCipher {
  const selected = config.webhookSecretCipher;
  if (selected.kind === 'local') {
    const cached = localCiphers.get(selected.keyFile) ?? LocalSecretCipher.fromKeyFile(selected.keyFile);
    localCiphers.set(selected.keyFile, cached);
    return cached;
  }
  if (!selected.keyId) throw new Error('TOLLGATE_WEBHOOK_SECRET_KEY_ID is required when TOLLGATE_WEBHOOK_SECRET_CIPHER is kms');
  return new KmsSecretCipher(new KMSClient({ region: config.region }), selected.keyId);
}
