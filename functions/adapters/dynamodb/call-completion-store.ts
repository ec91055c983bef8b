/**
 * Charging a completed call, once. One transaction marks the call completed (the condition that makes a repeated
 * report a no-op), takes the charge off the balance with an atomic ADD, and updates the destination profile and
 * the spend counters. Concurrent completions on one account conflict only inside DynamoDB's transaction check and
 * are retried, so none is lost; the Balance Low event follows from the account's change on the stream.
 */
import {
  GetItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { keys } from './keys.js';
import { dayBucket, hourBucket, slotAttribute } from './usage-buckets.js';

export interface StoredCompletion {
  readonly durationSeconds: number;
  readonly endedAt: string;
  readonly chargedMicros: number;
  readonly completedAt: string;
}

export interface CallForCompletion {
  readonly decision: DecisionRecord;
  readonly completion: StoredCompletion | undefined;
  readonly countryProfile: { completedCalls: number; firstCompletedAt: string | undefined } | undefined;
}

export interface CompletionWrite {
  readonly decision: DecisionRecord;
  readonly completion: StoredCompletion;
  readonly becomesKnown: boolean;
  readonly shard: number;
}

const MAX_ATTEMPTS = 12;

export class CallCompletionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** The decision, any earlier completion and the account's profile row for the call's country. */
  async load(callId: string, countryOf: (decision: DecisionRecord) => string | undefined): Promise<CallForCompletion | undefined> {
    const item = await this.getItem(keys.decision(callId));
    if (!item) return undefined;
    const stored = unmarshall(item);
    const decision = stored.record as DecisionRecord;
    const country = countryOf(decision);
    let countryProfile: CallForCompletion['countryProfile'];
    if (country && decision.accountId) {
      const row = await this.getItem(keys.profile(decision.accountId, `C#${country}`));
      const parsed = row ? unmarshall(row) : undefined;
      countryProfile = parsed
        ? { completedCalls: Number(parsed.completedCalls ?? 0), firstCompletedAt: typeof parsed.firstCompletedAt === 'string' ? parsed.firstCompletedAt : undefined }
        : { completedCalls: 0, firstCompletedAt: undefined };
    }
    return { decision, completion: stored.completion as StoredCompletion | undefined, countryProfile };
  }

  private async getItem(key: { pk: string; sk: string }) {
    return (await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }))).Item;
  }

  /** Returns false when another report completed the call first (nothing was written). */
  async complete(write: CompletionWrite): Promise<boolean> {
    const items = this.transactionItems(write);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        break;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
        const conflict = reasons.some((reason) => reason.Code === 'TransactionConflict');
        if (!conflict || attempt >= MAX_ATTEMPTS) throw error;
        // Full jitter: concurrent completions of one account spread out instead of colliding again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1_000, 20 * 2 ** attempt)));
      }
    }
    await this.releaseSlot(write.decision).catch(() => undefined); // the slot expires on its own if this fails
    return true;
  }

  private transactionItems({ decision, completion, becomesKnown, shard }: CompletionWrite): TransactWriteItem[] {
    const accountId = decision.accountId ?? '';
    const destination = decision.destination;
    const nowMs = Date.parse(completion.completedAt);
    const counterExpiry = Math.floor(nowMs / 1000) + 3 * 86_400;
    const profileUpdate = (dimension: string): TransactWriteItem => ({
      Update: {
        TableName: this.tableName,
        Key: marshall(keys.profile(accountId, dimension)),
        UpdateExpression:
          'ADD completedCalls :one, seconds :seconds, spendMicros :charge SET firstCompletedAt = if_not_exists(firstCompletedAt, :at), lastCompletedAt = :at, country = :country, entity = :entity',
        ExpressionAttributeValues: marshall({
          ':one': 1,
          ':seconds': completion.durationSeconds,
          ':charge': completion.chargedMicros,
          ':at': completion.completedAt,
          ':country': destination?.country ?? 'unknown',
          ':entity': 'profile',
        }),
      },
    });
    const spendUpdate = (bucket: string): TransactWriteItem => ({
      Update: {
        TableName: this.tableName,
        Key: marshall(keys.usage(accountId, shard, bucket)),
        UpdateExpression: 'ADD spendMicros :charge SET expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeValues: marshall({ ':charge': completion.chargedMicros, ':expires': counterExpiry }),
      },
    });
    return [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.decision(decision.callId)),
          UpdateExpression: 'SET completion = :completion',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(completion)',
          ExpressionAttributeValues: marshall({ ':completion': completion }),
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.account(accountId)),
          UpdateExpression: becomesKnown && destination ? 'ADD balanceMicros :charge, knownCountries :country' : 'ADD balanceMicros :charge',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: marshall({
            ':charge': -completion.chargedMicros,
            ...(becomesKnown && destination ? { ':country': new Set([destination.country]) } : {}),
          }),
        },
      },
      ...(destination ? [profileUpdate(`C#${destination.country}`), profileUpdate(`P#${destination.prefix}`)] : []),
      spendUpdate(hourBucket(nowMs)),
      spendUpdate(dayBucket(nowMs)),
    ];
  }

  private async releaseSlot(decision: DecisionRecord): Promise<void> {
    if (!decision.accountId) return;
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(keys.activeCalls(decision.accountId)),
        UpdateExpression: 'REMOVE #slot',
        ConditionExpression: 'attribute_exists(#slot)',
        ExpressionAttributeNames: { '#slot': slotAttribute(decision.callId) },
      }),
    );
  }
}
