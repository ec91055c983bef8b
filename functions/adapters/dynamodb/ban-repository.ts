/**
 * IP bans and the failed-authentication log behind them.
 *
 * - A ban is one item per IP (`BAN#<ip>`, read by the authorize path in its one BatchGetItem). It stays after it
 *   expires, for the repeat-offence window, so the next ban knows the offence number; `bannedUntil` decides.
 * - Active bans are listed without a Scan: every ban item is on GSI1 under `BANS`, sorted by `bannedUntil`, so
 *   `gsi1sk > now` returns exactly the active ones.
 * - Each reported failure is its own item (`AUTHFAIL#<ip>`, sorted by time), so concurrent reports never contend,
 *   and the count is a sliding-window Query that stops after `threshold` items.
 */
import { GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import type { BanRecord } from '../../../domain/bans/ip-ban.js';
import type { EventDetail } from '../../../domain/events/contracts.js';
import { keys } from './keys.js';
import { auditPut, outboxPut, type AuditEntry } from './outbox.js';
import { parseStored } from './stored-record.js';
import { transact } from './transactions.js';

export interface StoredBan extends BanRecord {
  /** SIP usernames tried in the failures that led to the ban (evidence for the operator). */
  readonly sipUsernames: readonly string[];
  readonly accountId?: string;
}

export interface AuthFailure {
  readonly ip: string;
  readonly at: string;
  readonly id: string;
  readonly sipUsername?: string;
  readonly accountId?: string;
  readonly reportedBy: string;
}

export interface FailureCount {
  /** Failures counted, at most the limit asked for. */
  readonly count: number;
  readonly sipUsernames: readonly string[];
  readonly accountIds: readonly string[];
}

export class BanRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(ip: string): Promise<StoredBan | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.ban(ip)), ConsistentRead: true }));
    return result.Item ? parseBan(unmarshall(result.Item)) : undefined;
  }

  /** Stores one failure; it expires (TTL) once it can no longer fall inside a window. */
  async recordFailure(failure: AuthFailure, expiresAt: number): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...keys.authFailure(failure.ip, failure.at, failure.id), entity: 'auth-failure', ...failure, expiresAt }, { removeUndefinedValues: true }),
      }),
    );
  }

  async countFailuresSince(ip: string, from: string, limit: number): Promise<FailureCount> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk >= :from',
        ExpressionAttributeValues: marshall({ ':pk': keys.authFailuresOf(ip), ':from': from }),
        ProjectionExpression: 'sipUsername, accountId',
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    const items = (result.Items ?? []).map((item) => parseStored(failureProjectionSchema, unmarshall(item), `auth failure of ${ip}`));
    const distinct = (values: Array<string | undefined>) => [...new Set(values.filter((value): value is string => value !== undefined))];
    return { count: items.length, sipUsernames: distinct(items.map((item) => item.sipUsername)).slice(0, 20), accountIds: distinct(items.map((item) => item.accountId)) };
  }

  /**
   * Writes the ban, its `IP Banned` event and its audit record together. The condition on the previous ban makes
   * two concurrent reporters agree: the second finds the ban changed and gets `conflict`.
   */
  async ban(
    ban: StoredBan,
    previous: StoredBan | undefined,
    expiresAt: number,
    event: EventDetail<'IP Banned'>,
    audit: AuditEntry,
  ): Promise<'banned' | 'conflict'> {
    const item = { ...keys.ban(ban.ip), entity: 'ban', ...ban, gsi1pk: keys.activeBans(), gsi1sk: ban.bannedUntil, expiresAt };
    const outcome = await transact(this.client, [
      {
        Put: {
          TableName: this.tableName,
          Item: marshall(item, { removeUndefinedValues: true }),
          ...(previous
            ? { ConditionExpression: 'bannedUntil = :previousUntil', ExpressionAttributeValues: marshall({ ':previousUntil': previous.bannedUntil }) }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      },
      outboxPut(this.tableName, 'IP Banned', event),
      auditPut(this.tableName, audit),
    ]);
    return outcome.ok ? 'banned' : 'conflict';
  }

  /** Ends an active ban now. The item (and its offence count) stays; failures before the lift no longer count. */
  async lift(ban: StoredBan, liftedAt: string, failuresCountFrom: string, liftedBy: string, audit: AuditEntry): Promise<'lifted' | 'conflict'> {
    const outcome = await transact(this.client, [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.ban(ban.ip)),
          UpdateExpression: 'SET bannedUntil = :now, gsi1sk = :now, liftedAt = :now, liftedBy = :by, failuresCountFrom = :from',
          ConditionExpression: 'bannedUntil = :seen',
          ExpressionAttributeValues: marshall({ ':now': liftedAt, ':by': liftedBy, ':from': failuresCountFrom, ':seen': ban.bannedUntil }),
        },
      },
      auditPut(this.tableName, audit),
    ]);
    return outcome.ok ? 'lifted' : 'conflict';
  }

  /** Every ban whose end is after `now`, soonest to expire first. Ban volume is small: all pages are read. */
  async listActive(now: string): Promise<StoredBan[]> {
    const bans: StoredBan[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk > :now',
          ExpressionAttributeValues: marshall({ ':pk': keys.activeBans(), ':now': now }),
          ExclusiveStartKey: startKey,
        }),
      );
      bans.push(...(page.Items ?? []).map((item) => parseBan(unmarshall(item))));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return bans;
  }
}

const storedBanSchema = z.object({
  ip: z.string().min(1),
  bannedAt: z.iso.datetime(),
  // An unreadable end must not read as "not banned": it is refused instead.
  bannedUntil: z.iso.datetime(),
  offence: z.number().int().min(1),
  failures: z.number().int().min(0),
  failuresCountFrom: z.iso.datetime(),
  sipUsernames: z.array(z.string()),
  accountId: z.string().min(1).optional(),
  liftedAt: z.iso.datetime().optional(),
  liftedBy: z.string().min(1).optional(),
});

const failureProjectionSchema = z.object({ sipUsername: z.string().optional(), accountId: z.string().optional() });

function parseBan(item: Record<string, unknown>): StoredBan {
  return parseStored(storedBanSchema, item, `ban of ${String(item.ip ?? item.pk)}`);
}
