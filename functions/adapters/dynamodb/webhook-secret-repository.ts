/**
 * Per-account webhook signing secrets (`ACCOUNT#<id>` / `WEBHOOK_SECRET`). Created at first need; rotation keeps the
 * previous secret valid for a grace period, during which deliveries carry a signature with each, so a receiver can
 * switch secrets without rejecting anything.
 *
 * Stored encrypted (functions/adapters/secrets/secret-cipher.ts: KMS in AWS, a local stand-in otherwise): the item
 * shares its partition with the account, which many functions read. Rotation never decrypts: the current ciphertext
 * becomes the previous one as it is, so the webhook-secret function needs to encrypt only; the notifier decrypts.
 */
import { randomBytes } from 'node:crypto';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { isConditionalCheckFailed, keys } from './keys.js';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';
import type { RotatedSecret, WebhookSecretStore } from '../../../domain/notifications/ports.js';
import type { SecretCipher } from '../secrets/secret-cipher.js';
import { auditPut } from './outbox.js';
import { parseStored } from './stored-record.js';
import { transact } from './transactions.js';

export const ROTATION_GRACE_SECONDS = 24 * 3_600;
const ROTATION_ATTEMPTS = 3;

const ciphertext = z.string().regex(/^(kms|local-aes-gcm):[A-Za-z0-9+/=]+$/);
const secretItemSchema = z.object({
  encryptedSecret: ciphertext,
  createdAt: z.iso.datetime(),
  encryptedPreviousSecret: ciphertext.optional(),
  previousValidUntil: z.iso.datetime().optional(),
});
type SecretItem = z.infer<typeof secretItemSchema>;

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export class WebhookSecretRepository implements WebhookSecretStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly cipher: SecretCipher,
  ) {}

  /** The secrets to sign with now: the current one first, then the previous one while its grace period lasts. */
  async signingSecrets(accountId: string, now: Date): Promise<string[]> {
    const stored = (await this.read(accountId)) ?? (await this.createIfAbsent(accountId, now));
    const previousValid = stored.encryptedPreviousSecret && stored.previousValidUntil && Date.parse(stored.previousValidUntil) > now.getTime();
    const encrypted = previousValid && stored.encryptedPreviousSecret ? [stored.encryptedSecret, stored.encryptedPreviousSecret] : [stored.encryptedSecret];
    const secrets = await Promise.all(encrypted.map((sealed) => this.cipher.decrypt(sealed, { accountId })));
    // The record name carries the account, never the secret.
    if (secrets.some((secret) => !secret.startsWith('whsec_'))) throw new Error(`stored webhook secret of ${accountId} cannot be read: not a signing secret`);
    return secrets;
  }

  /**
   * Replaces the secret (audited, the secret itself never in the audit record) and returns the new one. The put is
   * conditional on the secret it replaces, so a secret created or rotated concurrently (a notifier creating it at
   * first need) is never overwritten unseen: it becomes the previous secret of a retried rotation instead.
   */
  async rotate(accountId: string, now: Date, audit: AuditEntry): Promise<RotatedSecret | undefined> {
    for (let attempt = 1; attempt <= ROTATION_ATTEMPTS; attempt += 1) {
      const current = await this.read(accountId);
      const secret = generateWebhookSecret();
      const next: SecretItem = {
        encryptedSecret: await this.cipher.encrypt(secret, { accountId }),
        createdAt: now.toISOString(),
        ...(current
          ? { encryptedPreviousSecret: current.encryptedSecret, previousValidUntil: new Date(now.getTime() + ROTATION_GRACE_SECONDS * 1000).toISOString() }
          : {}),
      };
      const outcome = await transact(this.client, [
        {
          Put: {
            TableName: this.tableName,
            Item: marshall({ ...keys.webhookSecret(accountId), entity: 'webhook-secret', accountId, ...next }, { removeUndefinedValues: true }),
            ...(current
              ? { ConditionExpression: 'encryptedSecret = :seen', ExpressionAttributeValues: marshall({ ':seen': current.encryptedSecret }) }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        },
        auditPut(this.tableName, { ...audit, id: attempt === 1 ? audit.id : `${audit.id}-${attempt}` }),
      ]);
      if (outcome.ok) return { secret, createdAt: next.createdAt, previousValidUntil: next.previousValidUntil ?? null };
    }
    return undefined;
  }

  private async read(accountId: string): Promise<SecretItem | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.webhookSecret(accountId)), ConsistentRead: true }));
    // The record name carries the account, never the secret (zod's messages do not echo values).
    return result.Item ? parseStored(secretItemSchema, unmarshall(result.Item), `webhook secret of ${accountId}`) : undefined;
  }

  private async createIfAbsent(accountId: string, now: Date): Promise<SecretItem> {
    const created: SecretItem = { encryptedSecret: await this.cipher.encrypt(generateWebhookSecret(), { accountId }), createdAt: now.toISOString() };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...keys.webhookSecret(accountId), entity: 'webhook-secret', accountId, ...created }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return created;
    } catch (error) {
      // Another delivery created it first: sign with that one.
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = await this.read(accountId);
      if (!existing) throw error;
      return existing;
    }
  }
}
