/** The per-account access log: decisions newest first, paged with an opaque cursor. */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { keys } from './keys.js';

export interface DecisionPage {
  readonly decisions: DecisionRecord[];
  readonly nextCursor: string | null;
}

export class DecisionRepository {
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
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor) } : {}),
      }),
    );
    return {
      decisions: (result.Items ?? []).map((item) => unmarshall(item).record as DecisionRecord),
      nextCursor: result.LastEvaluatedKey ? Buffer.from(JSON.stringify(unmarshall(result.LastEvaluatedKey))).toString('base64url') : null,
    };
  }
}

export class InvalidCursorError extends Error {}

function decodeCursor(cursor: string) {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    return marshall(parsed as Record<string, unknown>);
  } catch {
    throw new InvalidCursorError('cursor is not one this API returned');
  }
}
