/** The per-account access log: decisions newest first, paged with an opaque cursor. */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import type { DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { DENY_REASONS } from '../../../domain/policy/decision.js';
import { keys } from './keys.js';
import { decodeCursor, encodeCursor } from './pagination.js';
import { parseStored } from './stored-record.js';

const decisionReason = z.enum([...DENY_REASONS, 'ALLOWED']);

/**
 * The record as the authorize path stores it (the `record` attribute of `CALL#<callId>` / `DECISION`). Loose: fields
 * the authorize path adds later are kept for the access log, while the ones listed here must be readable.
 */
const storedDecisionSchema: z.ZodType<DecisionRecord> = z.looseObject({
  decisionId: z.string().min(1),
  callId: z.string().min(1),
  decidedAt: z.iso.datetime(),
  request: z.object({ to: z.string(), from: z.string(), sourceIp: z.string(), authMethod: z.enum(['ip', 'digest']) }),
  decision: z.enum(['allow', 'deny']),
  reason: decisionReason,
  sipCode: z.number().int(),
  sipReason: z.string(),
  accountId: z.string().nullable(),
  destination: z.object({ e164: z.string(), country: z.string(), prefix: z.string(), description: z.string(), ratePerMinute: z.number() }).nullable(),
  maxDurationSeconds: z.number().nullable(),
  rule: z.object({ rule: decisionReason, step: z.number().int(), detail: z.string(), evidence: z.record(z.string(), z.unknown()) }),
});

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
        ExclusiveStartKey: decodeCursor(cursor, {
          pk: { startsWith: keys.decision('').pk },
          sk: { equals: keys.decision('').sk },
          gsi1pk: { equals: keys.decisionsByAccount(accountId) },
          gsi1sk: { startsWith: '' },
        }),
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
