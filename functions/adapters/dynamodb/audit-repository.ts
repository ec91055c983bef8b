/** Reads the audit trail (written by auditPut inside each change's transaction): one partition per scope, by time. */
import { GetItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { keys } from './keys.js';
import type { AuditEntry, AuditTrail, AuditPage } from '../../../domain/audit/audit-entry.js';
import { decodeCursor, encodeCursor } from './pagination.js';
import { parseStored } from './stored-record.js';

/** `before`/`after` are whatever the change recorded (absent is stored as nothing and read as null). */
const auditRecordSchema = z.object({
  scope: z.string().min(1),
  id: z.string().min(1),
  at: z.iso.datetime(),
  actor: z.string().min(1),
  action: z.string().min(1),
  before: z.unknown().transform((value) => value ?? null),
  after: z.unknown().transform((value) => value ?? null),
});

export class AuditRepository implements AuditTrail {
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
        ExclusiveStartKey: decodeCursor(cursor, { pk: { equals: keys.auditOf(scope) }, sk: { startsWith: '' } }),
      }),
    );
    const records = (result.Items ?? []).map((raw) => {
      const item = unmarshall(raw);
      return parseStored(auditRecordSchema, item, `audit record ${String(item.sk)} of ${scope}`);
    });
    return { records, nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  /** One record, by the scope, time and id it was written with (a change that points at its audit record). */
  async get(scope: string, at: string, id: string): Promise<AuditEntry | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.audit(scope, at, id)), ConsistentRead: true }));
    if (!result.Item) return undefined;
    const item = unmarshall(result.Item);
    return parseStored(auditRecordSchema, item, `audit record ${String(item.sk)} of ${scope}`);
  }
}
