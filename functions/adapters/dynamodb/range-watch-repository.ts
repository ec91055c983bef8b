/**
 * The range watch's storage (domain/profiling/watch-range.ts) and the carrier's restricted ranges:
 *  - `RANGE#<range>` / `W#<window>#S<shard>`: the accounts (and numbers) that dialled the range while it was unusual
 *    for them, one item per shard and window, expiring two windows later;
 *  - `RANGE_RESTRICTION#<range>` / `RESTRICTION`: a restriction with its evidence; lifted ones stay (status `lifted`)
 *    so the accounts that tripped it are not counted again; its carrier review (`REVIEW#<id>`, review-repository.ts)
 *    is written and closed in the same transactions as it;
 *  - `RANGE_RESTRICTIONS` / `CURRENT`: the set of ranges restricted now and its version, what every authorize
 *    process holds in memory (one GetItem per refresh, never per call).
 */
import {
  BatchGetItemCommand,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';
import type { EventDetail } from '../../../domain/events/contracts.js';
import { dialledKey } from '../../../domain/profiling/range-watch.js';
import type { RangeReview } from '../../../domain/reviews/review.js';
import type {
  LiftOutcome,
  RangeDialled,
  RangeRestriction,
  RangeRestrictions,
  RangeShard,
  RangeWatchStore,
  StoredRangeRestriction,
} from '../../../domain/profiling/watch-range.js';
import { keys, rangeWindowSk } from './keys.js';
import { auditPut, outboxPut } from './outbox.js';
import { openReviewPut, reviewItem } from './review-repository.js';
import { parseStored } from './stored-record.js';
import { transact } from './transactions.js';

const shardSchema = z.object({
  window: z.number().int(),
  shard: z.number().int(),
  accounts: z.instanceof(Set).optional(),
  numbers: z.instanceof(Set).optional(),
  times: z.record(z.string(), z.string()).optional(),
  dialled: z.record(z.string(), z.string()).optional(),
});
const restrictionSchema = z.object({
  range: z.string(),
  status: z.enum(['active', 'lifted']),
  restrictedAt: z.string(),
  accounts: z.array(z.string()),
  numbers: z.array(z.string()),
  times: z.record(z.string(), z.string()),
  dialled: z.record(z.string(), z.record(z.string(), z.string())).optional(),
  distinctAccounts: z.number(),
  threshold: z.number(),
  windowMinutes: z.number(),
  reviewId: z.string().optional(),
  liftedAt: z.string().optional(),
  liftedBy: z.string().optional(),
});
const listSchema = z.object({ ranges: z.instanceof(Set).optional(), version: z.number().int() });

export class RangeWatchRepository implements RangeWatchStore, RangeRestrictions {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(dialled: RangeDialled): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(keys.rangeShard(dialled.range, dialled.window, dialled.shard)),
        UpdateExpression:
          'ADD accounts :account, numbers :number SET entity = :entity, #window = :window, #shard = :shard, expiresAt = :expiresAt, #times = if_not_exists(#times, :empty), #dialled = if_not_exists(#dialled, :empty)',
        ExpressionAttributeNames: { '#window': 'window', '#shard': 'shard', '#times': 'times', '#dialled': 'dialled' },
        ExpressionAttributeValues: marshall({
          ':account': new Set([dialled.accountId]),
          ':number': new Set([dialled.number]),
          ':entity': 'range-shard',
          ':window': dialled.window,
          ':shard': dialled.shard,
          ':expiresAt': dialled.expiresAt,
          ':empty': {},
        }),
      }),
    );
    // When the account first dialled the range, and this number, in this window (a second update: a map path needs
    // the map to exist).
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(keys.rangeShard(dialled.range, dialled.window, dialled.shard)),
        UpdateExpression: 'SET #times.#account = if_not_exists(#times.#account, :at), #dialled.#pair = if_not_exists(#dialled.#pair, :at)',
        ExpressionAttributeNames: { '#times': 'times', '#account': dialled.accountId, '#dialled': 'dialled', '#pair': dialledKey(dialled.number, dialled.accountId) },
        ExpressionAttributeValues: marshall({ ':at': dialled.at }),
      }),
    );
  }

  async shards(range: string, fromWindow: number, toWindow: number): Promise<RangeShard[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: marshall({ ':pk': keys.rangeOf(range), ':from': rangeWindowSk(fromWindow), ':to': `${rangeWindowSk(toWindow)}~` }),
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map((item) => {
      const stored = parseStored(shardSchema, unmarshall(item), `range ${range} shard`);
      return {
        window: stored.window,
        shard: stored.shard,
        accounts: [...(stored.accounts ?? [])].map(String),
        numbers: [...(stored.numbers ?? [])].map(String),
        times: stored.times ?? {},
        dialled: stored.dialled ?? {},
      };
    });
  }

  async state(range: string): Promise<{ readonly restricted: boolean; readonly liftedAt?: string | undefined }> {
    const restriction = await this.get(range);
    return restriction ? { restricted: restriction.status === 'active', liftedAt: restriction.liftedAt } : { restricted: false };
  }

  async restrict(restriction: RangeRestriction, review: RangeReview, event: EventDetail<'Range Restricted'>, audit: AuditEntry): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: marshall({ ...keys.rangeRestriction(restriction.range), entity: 'range-restriction', status: 'active', ...restriction }, { removeUndefinedValues: true }),
                ConditionExpression: 'attribute_not_exists(pk) OR #status = :lifted',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: marshall({ ':lifted': 'lifted' }),
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: marshall(keys.rangeRestrictionList()),
                UpdateExpression: 'ADD ranges :range, version :one SET entity = :entity',
                ExpressionAttributeValues: marshall({ ':range': new Set([restriction.range]), ':one': 1, ':entity': 'range-restrictions' }),
              },
            },
            { Put: { TableName: this.tableName, Item: reviewItem(review), ConditionExpression: 'attribute_not_exists(pk)' } },
            outboxPut(this.tableName, 'Range Restricted', event),
            auditPut(this.tableName, audit),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  /** Lifts an active restriction, audited, and closes `closes` (its carrier review) if it is still open, at once. */
  async lift(range: string, liftedAt: string, liftedBy: string, audit: AuditEntry, closes?: RangeReview): Promise<LiftOutcome> {
    const outcome = await transact(this.client, [
            {
              Update: {
                TableName: this.tableName,
                Key: marshall(keys.rangeRestriction(range)),
                UpdateExpression: 'SET #status = :lifted, liftedAt = :at, liftedBy = :by',
                ConditionExpression: '#status = :active',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: marshall({ ':lifted': 'lifted', ':active': 'active', ':at': liftedAt, ':by': liftedBy }),
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: marshall(keys.rangeRestrictionList()),
                UpdateExpression: 'DELETE ranges :range ADD version :one',
                ExpressionAttributeValues: marshall({ ':range': new Set([range]), ':one': 1 }),
              },
            },
            auditPut(this.tableName, audit),
            ...(closes ? [openReviewPut(this.tableName, closes)] : []),
          ]);
    if (outcome.ok) return 'lifted';
    // The restriction (item 0) was not active; else the review (the last item) was resolved meanwhile.
    return outcome.failedConditions.includes(0) ? 'not-restricted' : 'review-changed';
  }

  async get(range: string): Promise<StoredRangeRestriction | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.rangeRestriction(range)), ConsistentRead: true }));
    return result.Item ? parseStored(restrictionSchema, unmarshall(result.Item), `range restriction ${range}`) : undefined;
  }

  /** The ranges restricted now and the list's version (what authorize holds in memory). */
  async restrictedRanges(): Promise<{ readonly ranges: string[]; readonly version: string }> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.rangeRestrictionList()), ConsistentRead: true }));
    if (!result.Item) return { ranges: [], version: '0' };
    const list = parseStored(listSchema, unmarshall(result.Item), 'range restrictions');
    return { ranges: [...(list.ranges ?? [])].map(String).sort(), version: String(list.version) };
  }

  /** The active restrictions with their evidence. */
  async listActive(): Promise<StoredRangeRestriction[]> {
    const { ranges } = await this.restrictedRanges();
    const found: StoredRangeRestriction[] = [];
    for (let offset = 0; offset < ranges.length; offset += 100) {
      const batch = ranges.slice(offset, offset + 100);
      const result = await this.client.send(
        new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: batch.map((range) => marshall(keys.rangeRestriction(range))), ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[this.tableName] ?? []) found.push(parseStored(restrictionSchema, unmarshall(item), 'range restriction'));
    }
    return found.filter((restriction) => restriction.status === 'active').sort((a, b) => a.range.localeCompare(b.range));
  }
}
