/**
 * Credentials are stored by the SHA-256 of the token, never the token. Tokens carry 256 bits of randomness, so
 * a fast hash is enough (no dictionary to attack) and lookups stay a single GetItem.
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createHash, randomBytes } from 'node:crypto';
import { ROLES, type Role } from '../../../domain/contract/routes.js';
import type { Principal } from '../../../domain/credentials/credential.js';
import { keys } from './keys.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): { token: string; credentialId: string } {
  const credentialId = randomBytes(6).toString('hex');
  return { credentialId, token: `tg_${credentialId}_${randomBytes(32).toString('base64url')}` };
}

export class CredentialRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Stores a credential for `token`; overwriting the same token (the bootstrap admin at every start) is harmless. */
  async save(token: string, principal: Principal, createdAt: string, label?: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(
          { ...keys.credential(hashToken(token)), entity: 'credential', ...principal, createdAt, label },
          { removeUndefinedValues: true },
        ),
      }),
    );
  }

  async findByToken(token: string): Promise<Principal | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.credential(hashToken(token))) }),
    );
    if (!result.Item) return undefined;
    const item = unmarshall(result.Item);
    const role = ROLES.find((candidate) => candidate === item.role);
    if (!role) return undefined;
    return {
      role: role as Role,
      credentialId: String(item.credentialId),
      ...(typeof item.accountId === 'string' ? { accountId: item.accountId } : {}),
    };
  }
}
