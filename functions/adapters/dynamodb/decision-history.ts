/**
 * An account's decisions of a span, oldest first, with the completions of its allowed calls: what a what-if replays
 * (domain/policy/run-what-if.ts). The records come from `gsi1` (which projects the record only); the completions are
 * read from the decision items themselves, for the allowed calls of each page.
 */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { StoredCall } from '../../../domain/calls/ports.js';
import type { DecisionHistory } from '../../../domain/policy/run-what-if.js';
import { storedDecisionSchema } from './decision-record.js';
import { decisionCursorShape } from './decision-repository.js';
import { keys } from './keys.js';
import type { DynamoLiveCallStore } from './live-call-store.js';
import { decodeCursor, encodeCursor } from './pagination.js';
import { parseStored } from './stored-record.js';

export class DecisionHistoryRepository implements DecisionHistory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly calls: Pick<DynamoLiveCallStore, 'loadCalls'>,
  ) {}

  async span(accountId: string, from: string, to: string, limit: number, cursor?: string): Promise<{ calls: StoredCall[]; nextCursor: string | null }> {
    // gsi1sk is `<decidedAt>#<callId>`: from `from` (inclusive) up to `to` (exclusive: `<to>#…` sorts after `<to>`).
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        ExpressionAttributeValues: marshall({ ':pk': keys.decisionsByAccount(accountId), ':from': from, ':to': to }),
        ScanIndexForward: true,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, decisionCursorShape(accountId)),
      }),
    );
    const records = (result.Items ?? []).map((raw) => {
      const item = unmarshall(raw);
      return parseStored(storedDecisionSchema, item.record, `decision ${String(item.pk)}`);
    });
    const allowed = records.filter((record) => record.decision === 'allow').map((record) => record.callId);
    const stored = allowed.length > 0 ? await this.calls.loadCalls(allowed) : new Map<string, StoredCall>();
    return {
      calls: records.filter((record) => record.decidedAt < to).map((record) => ({ record, completion: stored.get(record.callId)?.completion })),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }
}
