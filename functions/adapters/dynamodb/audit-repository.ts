/** Reads the audit trail (written by auditPut inside each change's transaction): one partition per scope, by time. */
import { GetItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { keys } from './keys.js';
import type { AuditEntry } from './outbox.js';
import { decodeCursor, encodeCursor } from './pagination.js';

export interface AuditPage {
  readonly records: AuditEntry[];
  readonly nextCursor: string | null;
}

export class AuditRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Newest first. Throws InvalidCursorError for a cursor this method did not hand out. */
  async list(scope: string, limit: number, cursor?: string): Promise<AuditPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': keys.auditOf(scope) }),
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, ['pk', 'sk'], { pk: keys.auditOf(scope) }),
      }),
    );
    const records = (result.Items ?? []).map((raw) => parseAuditEntry(unmarshall(raw)));
    return { records, nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  /** One record, by the scope, time and id it was written with (a change that points at its audit record). */
  async get(scope: string, at: string, id: string): Promise<AuditEntry | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.audit(scope, at, id)), ConsistentRead: true }));
    return result.Item ? parseAuditEntry(unmarshall(result.Item)) : undefined;
  }
}

function parseAuditEntry(item: Record<string, unknown>): AuditEntry {
  return { scope: String(item.scope), id: String(item.id), at: String(item.at), actor: String(item.actor), action: String(item.action), before: item.before ?? null, after: item.after ?? null };
}
