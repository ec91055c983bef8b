/** The per-account access log: decisions newest first, paged with an opaque cursor. */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DecisionLog, DecisionPage } from '../../../domain/policy/decision-log.js';
import { keys } from './keys.js';
import { decodeCursor, encodeCursor } from './pagination.js';
import { storedDecisionSchema } from './decision-record.js';
import { parseStored } from './stored-record.js';

/** What a cursor into an account's decisions (index gsi1) must hold: anything else is refused as forged. */
export function decisionCursorShape(accountId: string) {
  return {
    pk: { startsWith: keys.decision('').pk },
    sk: { equals: keys.decision('').sk },
    gsi1pk: { equals: keys.decisionsByAccount(accountId) },
    gsi1sk: { startsWith: '' },
  };
}

export class DecisionRepository implements DecisionLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async listForAccount(accountId: string, limit: number, cursor?: string): Promise<DecisionPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': keys.decisionsByAccount(accountId) }),
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, decisionCursorShape(accountId)),
      }),
    );
    return {
      decisions: (result.Items ?? []).map((raw) => {
        const item = unmarshall(raw);
        return parseStored(storedDecisionSchema, item.record, `decision ${String(item.pk)}`);
      }),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }
}
