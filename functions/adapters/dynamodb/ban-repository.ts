/**
 * IP bans and the failed-authentication log behind them.
 *
 * - A ban is one item per IP (`BAN#<ip>`, read by the authorize path in its one BatchGetItem). It stays after it
 *   expires, for the repeat-offence window, so the next ban knows the offence number; `bannedUntil` decides.
 * - Active bans are listed without a Scan: every ban item is on GSI1 under `BANS`, sorted by `bannedUntil`, so
 *   `gsi1sk > now` returns exactly the active ones.
 * - Each reported failure is its own item (`AUTHFAIL#<ip>`, sorted by time), so concurrent reports never contend,
 *   and the count is a sliding-window Query that stops after `threshold` items. The failures that earn a ban are
 *   copied onto the ban item: the failure items expire within hours, the reason for a ban must outlive them.
 * - A ban withheld from a known peer is a second item in the ban's partition (`BAN#<ip>` / `WITHHELD`), so one
 *   Query reads both; it is not on GSI1 and the authorize path never reads it.
 */
import { GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import type { WithheldBan } from '../../../domain/bans/known-peer.js';
import type { AuthFailure, BanState, BanStore, FailureCount, StoredBan } from '../../../domain/bans/ports.js';
import type { EventDetail } from '../../../domain/events/contracts.js';
import { keys } from './keys.js';
import { auditPut, outboxPut} from './outbox.js';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';
import { parseStored } from './stored-record.js';
import { transact } from './transactions.js';

export class BanRepository implements BanStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(ip: string): Promise<StoredBan | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.ban(ip)), ConsistentRead: true }));
    return result.Item ? parseBan(unmarshall(result.Item)) : undefined;
  }

  /** The ban and the withheld ban of an IP in one consistent Query of their partition. */
  async state(ip: string): Promise<BanState> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': keys.banStateOf(ip) }),
        ConsistentRead: true,
      }),
    );
    let state: BanState = {};
    for (const raw of result.Items ?? []) {
      const item = unmarshall(raw);
      if (item.sk === keys.ban(ip).sk) state = { ...state, ban: parseBan(item) };
      if (item.sk === keys.withheldBan(ip).sk) state = { ...state, withheld: parseWithheld(item) };
    }
    return state;
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
        ProjectionExpression: '#at, sipUsername, accountId',
        ExpressionAttributeNames: { '#at': 'at' },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    const items = (result.Items ?? []).map((item) => parseStored(failureProjectionSchema, unmarshall(item), `auth failure of ${ip}`));
    const distinct = (values: Array<string | undefined>) => [...new Set(values.filter((value): value is string => value !== undefined))];
    const failures = items.map((item) => ({ at: item.at, ...(item.sipUsername !== undefined ? { sipUsername: item.sipUsername } : {}) }));
    return { count: items.length, sipUsernames: distinct(items.map((item) => item.sipUsername)).slice(0, 20), accountIds: distinct(items.map((item) => item.accountId)), failures };
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

  /**
   * Records that failures from a known peer reached the threshold and the ban was withheld: the marker (which keeps
   * the IP quiet for a window), one `Known Peer Auth Failures` per protecting account and the carrier audit record,
   * together. The condition on the previous marker lets one of two concurrent reporters flag the accounts.
   */
  async withhold(
    withheld: WithheldBan,
    previous: WithheldBan | undefined,
    expiresAt: number,
    events: readonly EventDetail<'Known Peer Auth Failures'>[],
    audit: AuditEntry,
  ): Promise<'withheld' | 'conflict'> {
    const outcome = await transact(this.client, [
      {
        Put: {
          TableName: this.tableName,
          Item: marshall({ ...keys.withheldBan(withheld.ip), entity: 'ban-withheld', ...withheld, expiresAt }),
          ...(previous
            ? { ConditionExpression: 'withheldAt = :previousAt', ExpressionAttributeValues: marshall({ ':previousAt': previous.withheldAt }) }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      },
      ...events.map((event) => outboxPut(this.tableName, 'Known Peer Auth Failures', event)),
      auditPut(this.tableName, audit),
    ]);
    return outcome.ok ? 'withheld' : 'conflict';
  }

  /** Ends an active ban now. The item (and its offence count) stays; failures before the lift no longer count. */
  async lift(ban: StoredBan, liftedAt: string, failuresCountFrom: string, liftedBy: string, audit: AuditEntry): Promise<'lifted' | 'conflict'> {
    const outcome = await transact(this.client, [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.ban(ban.ip)),
          UpdateExpression: 'SET bannedUntil = :now, gsi1sk = :now, liftedAt = :now, liftedBy = :by, liftAuditId = :auditId, failuresCountFrom = :from',
          ConditionExpression: 'bannedUntil = :seen',
          ExpressionAttributeValues: marshall({ ':now': liftedAt, ':by': liftedBy, ':auditId': audit.id, ':from': failuresCountFrom, ':seen': ban.bannedUntil }),
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
  liftAuditId: z.string().min(1).optional(),
  failureLog: z.array(z.object({ at: z.string(), sipUsername: z.string().optional() })).optional(),
  threshold: z.number().int().min(1).optional(),
  windowSeconds: z.number().int().min(1).optional(),
});

const withheldBanSchema = z.object({
  ip: z.string().min(1),
  withheldAt: z.iso.datetime(),
  quietUntil: z.iso.datetime(),
  accountIds: z.array(z.string()),
  failures: z.number().int().min(0),
});

const failureProjectionSchema = z.object({ at: z.string(), sipUsername: z.string().optional(), accountId: z.string().optional() });

function parseBan(item: Record<string, unknown>): StoredBan {
  return parseStored(storedBanSchema, item, `ban of ${String(item.ip ?? item.pk)}`);
}

function parseWithheld(item: Record<string, unknown>): WithheldBan {
  return parseStored(withheldBanSchema, item, `withheld ban of ${String(item.ip ?? item.pk)}`);
}
