/**
 * Bearer credentials. Two items per credential, written and deleted together:
 *  - the lookup item, keyed by the SHA-256 of the token (`CREDENTIAL#<hash>`), read by the authorizer with one
 *    consistent GetItem. Tokens carry 256 bits of randomness, so a fast hash is enough (no dictionary to attack);
 *  - the id item (`CREDENTIALID#<id>`), keyed by the credential's public id, which is random and unrelated to the
 *    token: it is what admins list (GSI1 under `CREDENTIALS`, by creation time) and revoke. It holds the token hash
 *    so that a revocation can delete the lookup item; the hash never leaves this file.
 * Neither item holds the token. An expired credential stays listed (marked by its `expiresAt`) until DynamoDB's TTL
 * removes it, 30 days after it expired.
 */
import { GetItemCommand, QueryCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { ROLES } from '../../../domain/contract/routes.js';
import type { Principal } from '../../../domain/credentials/credential.js';
import type { CredentialPage, CredentialStore, StoredCredential } from '../../../domain/credentials/ports.js';
import { keys } from './keys.js';
import { auditPut} from './outbox.js';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';
import { decodeCursor, encodeCursor } from './pagination.js';
import { parseStored } from './stored-record.js';
import { transact } from './transactions.js';

/** How long an expired credential stays listed before the table's TTL removes it. */
const EXPIRED_LISTING_SECONDS = 30 * 86_400;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): { token: string; credentialId: string } {
  const credentialId = randomBytes(8).toString('hex');
  return { credentialId, token: `tg_${credentialId}_${randomBytes(32).toString('base64url')}` };
}

const storedCredentialSchema = z.object({
  credentialId: z.string().min(1),
  role: z.enum(ROLES),
  accountId: z.string().min(1).optional(),
  createdAt: z.string().min(1),
  validUntil: z.string().min(1).optional(),
  label: z.string().optional(),
});
const idItemSchema = storedCredentialSchema.extend({ tokenHash: z.string().regex(/^[0-9a-f]{64}$/) });

export class CredentialRepository implements CredentialStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Stores a new credential under a new id; `exists` if the id is taken (the caller draws another). */
  async issue(token: string, credential: StoredCredential, audit?: AuditEntry): Promise<'issued' | 'exists'> {
    const tokenHash = hashToken(token);
    const outcome = await transact(this.client, [
      { Put: { TableName: this.tableName, Item: this.lookupItem(tokenHash, credential), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.tableName, Item: this.idItem(tokenHash, credential), ConditionExpression: 'attribute_not_exists(pk)' } },
      ...(audit ? [auditPut(this.tableName, audit)] : []),
    ]);
    return outcome.ok ? 'issued' : 'exists';
  }

  /**
   * Stores `token` as the credential with this fixed id (the bootstrap admin, the demo credentials), replacing the
   * token it had: the previous token stops working, so restarts never pile up credentials.
   */
  async replace(token: string, credential: StoredCredential): Promise<void> {
    const tokenHash = hashToken(token);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const previous = await this.readIdItem(credential.credentialId);
      const items: TransactWriteItem[] = [
        { Put: { TableName: this.tableName, Item: this.lookupItem(tokenHash, credential) } },
        {
          Put: {
            TableName: this.tableName,
            Item: this.idItem(tokenHash, credential),
            ...(previous
              ? { ConditionExpression: 'tokenHash = :seen', ExpressionAttributeValues: marshall({ ':seen': previous.tokenHash }) }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        },
      ];
      if (previous && previous.tokenHash !== tokenHash) items.push({ Delete: { TableName: this.tableName, Key: marshall(keys.credential(previous.tokenHash)) } });
      if ((await transact(this.client, items)).ok) return;
    }
    throw new Error(`credential ${credential.credentialId} kept changing while being replaced`);
  }

  /** The principal behind a token, if the token is known and not expired at `now`. */
  async findByToken(token: string, now: Date, signal?: AbortSignal): Promise<Principal | undefined> {
    return (await this.findWithExpiry(token, now, signal))?.principal;
  }

  /** The principal and when its credential expires (null: never), or undefined for an unknown or expired token. */
  async findWithExpiry(token: string, now: Date, signal?: AbortSignal): Promise<{ principal: Principal; expiresAt: string | null } | undefined> {
    // Consistent: a revocation must take effect on the next uncached request, not after replication.
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.credential(hashToken(token))), ConsistentRead: true }),
      { abortSignal: signal },
    );
    if (!result.Item) return undefined;
    const stored = toCredential(parseStored(storedCredentialSchema, unmarshall(result.Item), 'credential (looked up by token)'));
    if (stored.expiresAt !== null && Date.parse(stored.expiresAt) <= now.getTime()) return undefined;
    return { principal: { role: stored.role, credentialId: stored.credentialId, ...(stored.accountId ? { accountId: stored.accountId } : {}) }, expiresAt: stored.expiresAt };
  }

  async get(credentialId: string): Promise<StoredCredential | undefined> {
    const item = await this.readIdItem(credentialId);
    return item ? toCredential(item) : undefined;
  }

  /** Newest first. Throws InvalidCursorError for a cursor this method did not hand out. */
  async list(limit: number, cursor?: string): Promise<CredentialPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': keys.credentialsListing() }),
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, {
          pk: { startsWith: keys.credentialById('').pk },
          sk: { equals: keys.credentialById('').sk },
          gsi1pk: { equals: keys.credentialsListing() },
          gsi1sk: { startsWith: '' },
        }),
      }),
    );
    return {
      credentials: (result.Items ?? []).map((raw) => {
        const item = unmarshall(raw);
        return toCredential(parseStored(idItemSchema, item, `credential ${String(item.credentialId)}`));
      }),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  /** Deletes both items (and writes the audit record) together; undefined when no such credential exists. */
  async revoke(credentialId: string, audit: (revoked: StoredCredential) => AuditEntry): Promise<StoredCredential | undefined> {
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const item = await this.readIdItem(credentialId);
      if (!item) return undefined;
      const revoked = toCredential(item);
      const outcome = await transact(this.client, [
        {
          Delete: {
            TableName: this.tableName,
            Key: marshall(keys.credentialById(credentialId)),
            ConditionExpression: 'tokenHash = :hash',
            ExpressionAttributeValues: marshall({ ':hash': item.tokenHash }),
          },
        },
        { Delete: { TableName: this.tableName, Key: marshall(keys.credential(item.tokenHash)) } },
        auditPut(this.tableName, audit(revoked)),
      ]);
      if (outcome.ok) return revoked;
    }
    throw new Error(`credential ${credentialId} kept changing while being revoked`);
  }

  private async readIdItem(credentialId: string): Promise<z.infer<typeof idItemSchema> | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.credentialById(credentialId)), ConsistentRead: true }));
    return result.Item ? parseStored(idItemSchema, unmarshall(result.Item), `credential ${credentialId}`) : undefined;
  }

  private lookupItem(tokenHash: string, credential: StoredCredential) {
    return marshall({ ...keys.credential(tokenHash), entity: 'credential', ...storedFields(credential) }, { removeUndefinedValues: true });
  }

  private idItem(tokenHash: string, credential: StoredCredential) {
    return marshall(
      {
        ...keys.credentialById(credential.credentialId),
        entity: 'credential-id',
        ...storedFields(credential),
        tokenHash,
        gsi1pk: keys.credentialsListing(),
        gsi1sk: `${credential.createdAt}#${credential.credentialId}`,
      },
      { removeUndefinedValues: true },
    );
  }
}

/** `expiresAt` is the table's TTL attribute (epoch seconds), so the credential's own expiry is stored as `validUntil`. */
function storedFields(credential: StoredCredential) {
  return {
    credentialId: credential.credentialId,
    role: credential.role,
    accountId: credential.accountId,
    createdAt: credential.createdAt,
    label: credential.label,
    validUntil: credential.expiresAt ?? undefined,
    expiresAt: credential.expiresAt ? Math.floor(Date.parse(credential.expiresAt) / 1000) + EXPIRED_LISTING_SECONDS : undefined,
  };
}

function toCredential(item: z.infer<typeof storedCredentialSchema>): StoredCredential {
  return {
    credentialId: item.credentialId,
    role: item.role,
    ...(item.accountId ? { accountId: item.accountId } : {}),
    createdAt: item.createdAt,
    expiresAt: item.validUntil ?? null,
    ...(item.label !== undefined ? { label: item.label } : {}),
  };
}
