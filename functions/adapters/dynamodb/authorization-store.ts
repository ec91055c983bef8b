/**
 * The authorize path's storage: two rounds of parallel requests per call.
 *
 * Round 1, loadContext (all in parallel):
 *   - BatchGetItem, strongly consistent: the account, a ban on the source IP, the account's concurrency slots;
 *   - BatchGetItem, eventually consistent: the sharded minute/hour/day counters (approximate by nature);
 *   - UpdateItem ADD on this process's counter shard for the current minute (returns the new count);
 *   - UpdateItem ADD on the (account, window, country) attempt counter when the destination is unusual and known
 *     up front, and a Query of the account's destination windows: each concurrent attempt sees a distinct count.
 * Round 2, recordDecision: a conditional PutItem of the decision (TransactWriteItems with the restriction and its
 *   outbox event when the attempt crossed a threshold), in parallel with the concurrency slot write.
 *
 * Counters are sharded (TOLLGATE_COUNTER_SHARDS) so that one very busy account spreads its per-call writes over
 * several partitions; the destination counters are written only for unusual countries, which are rare by
 * definition, and live in one partition per account.
 */
import {
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Account } from '../../../domain/accounts/account.js';
import type { AuthorizationContext, AuthorizationStore, ContextQuery, DecisionEffects, DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { canonicalIp } from '../../../domain/bans/ip-ban.js';
import { NO_USAGE, type AccountKey, type ActiveBan } from '../../../domain/policy/evaluate-call.js';
import { slidingCount, windowIndex, type DestinationActivity } from '../../../domain/profiling/destination-detection.js';
import { fromMicros } from '../../../domain/shared/money.js';
import { parseAccountItem } from './account-repository.js';
import { isConditionalCheckFailed, keys } from './keys.js';
import { outboxPut } from './outbox.js';
import { SLOT_PREFIX, dayBucket, hourBucket, minuteBucket, slotAttribute } from './usage-buckets.js';

export interface DynamoAuthorizationStoreOptions {
  readonly decisionTtlDays: number;
  readonly aliasCacheMs: number;
  readonly counterShards: number;
  readonly detectionWindowMinutes: number;
}

const COUNTER_TTL_SECONDS = 2 * 86_400;
/** Expired concurrency slots removed per allowed call, so abandoned calls never accumulate. */
const SLOT_CLEANUP_BATCH = 10;


export class DynamoAuthorizationStore implements AuthorizationStore {
  private readonly aliasCache = new Map<string, { accountId: string | undefined; expires: number }>();
  /** The last copy of each account this process read; only steers which counters round one writes. */
  private readonly lastSeen = new Map<string, Account>();
  /** Expired concurrency slots seen on the last read of an account, removed by the next slot write. */
  private readonly expiredSlots = new Map<string, string[]>();
  /** This process's counter shard: processes spread over shards, one process keeps its writes together. */
  private readonly shard: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly options: DynamoAuthorizationStoreOptions,
  ) {
    this.shard = Math.floor(Math.random() * options.counterShards);
  }

  lastSeenAccount(accountKey: AccountKey): Account | undefined {
    const accountId = accountKey.by === 'accountId' ? accountKey.value : this.aliasCache.get(aliasCacheKey(accountKey))?.accountId;
    return accountId ? this.lastSeen.get(accountId) : undefined;
  }

  async loadContext(query: ContextQuery): Promise<AuthorizationContext> {
    const nowMs = query.now.getTime();
    const accountId = query.accountKey ? await this.accountIdFor(query.accountKey, nowMs) : undefined;
    const shards = Array.from({ length: this.options.counterShards }, (_unused, shard) => shard);
    const minuteNow = minuteBucket(nowMs);
    const minuteBefore = minuteBucket(nowMs - 60_000);
    const window = windowIndex(nowMs, this.options.detectionWindowMinutes);
    const countCountry = accountId ? query.countCountry : undefined;

    const [consistent, counters, ownMinute, ownCountry, windows] = await Promise.all([
      this.batchGet([keys.ban(canonicalIp(query.sourceIp)), ...(accountId ? [keys.account(accountId), keys.activeCalls(accountId)] : [])], true),
      accountId
        ? this.batchGet(
            shards.flatMap((shard) => [
              keys.usage(accountId, shard, minuteNow),
              keys.usage(accountId, shard, minuteBefore),
              keys.usage(accountId, shard, hourBucket(nowMs)),
              keys.usage(accountId, shard, dayBucket(nowMs)),
            ]),
            false,
          )
        : Promise.resolve([]),
      accountId ? this.increment(keys.usage(accountId, this.shard, minuteNow), 'calls', nowMs) : Promise.resolve(0),
      accountId && countCountry ? this.increment(keys.destinationWindow(accountId, window, countCountry), 'attempts', nowMs) : Promise.resolve(0),
      // The windows matter only for an unusual destination; skip the Query when this process knows the account and
      // its destination is usual for it (a stale copy at worst misses one spray count, never a burst count).
      accountId && (countCountry || !this.lastSeenAccount(query.accountKey as AccountKey)) ? this.destinationWindows(accountId, window) : Promise.resolve([]),
    ]);

    let account: Account | undefined;
    let activeBan: ActiveBan | undefined;
    let concurrentCalls = 0;
    for (const item of consistent) {
      if (item.entity === 'account') account = parseAccountItem(item);
      if (item.entity === 'ban' && Date.parse(String(item.bannedUntil)) > nowMs) {
        activeBan = { ip: query.sourceIp, bannedUntil: String(item.bannedUntil), failures: Number(item.failures ?? 0) };
      }
      if (item.entity === 'active-calls') {
        const slots = Object.keys(item).filter((name) => name.startsWith(SLOT_PREFIX));
        const expired = slots.filter((name) => Number(item[name]) <= nowMs);
        concurrentCalls = slots.length - expired.length;
        if (accountId) this.expiredSlots.set(accountId, expired.slice(0, SLOT_CLEANUP_BATCH));
      }
    }
    if (account) remember(this.lastSeen, account.accountId, account);
    if (!accountId || !account) return { account, activeBan, usage: NO_USAGE, activity: { current: {}, previous: {} }, countedCountry: undefined };

    const ownShardPk = keys.usage(accountId, this.shard, minuteNow).pk;
    const sum = (bucket: string, attribute: string, skipOwnShard: boolean) =>
      counters
        .filter((item) => item.sk === bucket && !(skipOwnShard && item.pk === ownShardPk))
        .reduce((total, item) => total + Number(item[attribute] ?? 0), 0);
    const callsThisMinute = ownMinute + sum(minuteNow, 'calls', true);
    const usage = {
      callsLastMinute: Math.ceil(slidingCount(callsThisMinute, sum(minuteBefore, 'calls', false), nowMs, 1)),
      concurrentCalls,
      spendLastHour: fromMicros(sum(hourBucket(nowMs), 'spendMicros', false)),
      spendToday: fromMicros(sum(dayBucket(nowMs), 'spendMicros', false)),
    };
    return { account, activeBan, usage, activity: destinationActivity(windows, window, countCountry, ownCountry), countedCountry: countCountry };
  }

  async recordDecision(record: DecisionRecord, effects: DecisionEffects): Promise<{ stored: true } | { stored: false; existing: DecisionRecord }> {
    const decisionPut = {
      TableName: this.tableName,
      Item: marshall(this.decisionItem(record), { removeUndefinedValues: true }),
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    const sideWrites: Promise<unknown>[] = [];
    if (effects.concurrencySlot) sideWrites.push(this.holdSlot(record.callId, effects.concurrencySlot.accountId, effects.concurrencySlot.expiresAtMs));
    if (effects.lateCount) {
      const { accountId, country, now } = effects.lateCount;
      const window = windowIndex(now.getTime(), this.options.detectionWindowMinutes);
      sideWrites.push(this.increment(keys.destinationWindow(accountId, window, country), 'attempts', now.getTime()));
    }
    try {
      if (effects.restriction) {
        const restriction = effects.restriction;
        await Promise.all([
          this.client.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                { Put: decisionPut },
                {
                  Update: {
                    TableName: this.tableName,
                    Key: marshall(keys.account(restriction.accountId)),
                    UpdateExpression: 'ADD restrictedDestinations :destination',
                    ExpressionAttributeValues: marshall({ ':destination': new Set([restriction.destination]) }),
                  },
                },
                outboxPut(this.tableName, 'Destination Restricted', restriction),
              ],
            }),
          ),
          ...sideWrites,
        ]);
      } else {
        await Promise.all([this.client.send(new PutItemCommand({ ...decisionPut, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })), ...sideWrites]);
      }
      return { stored: true };
    } catch (error) {
      const replay =
        isConditionalCheckFailed(error) ||
        (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed');
      if (!replay) throw error;
      const returned = (error as { Item?: Record<string, AttributeValue> }).Item;
      const existing = returned ? unmarshall(returned) : await this.readDecision(record.callId);
      return { stored: false, existing: existing?.record as DecisionRecord };
    }
  }

  private decisionItem(record: DecisionRecord) {
    const decidedAtSeconds = Math.floor(Date.parse(record.decidedAt) / 1000);
    return {
      ...keys.decision(record.callId),
      entity: 'decision',
      ...(record.accountId ? { gsi1pk: keys.decisionsByAccount(record.accountId), gsi1sk: `${record.decidedAt}#${record.callId}` } : {}),
      expiresAt: decidedAtSeconds + this.options.decisionTtlDays * 86_400,
      record,
    };
  }

  /** One attribute per call in progress; expired ones seen on the item are removed in the same write. */
  private async holdSlot(callId: string, accountId: string, expiresAtMs: number): Promise<void> {
    const expired = (this.expiredSlots.get(accountId) ?? []).filter((name) => name !== slotAttribute(callId));
    this.expiredSlots.delete(accountId);
    const removals = expired.map((_name, index) => `#expired${index}`);
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(keys.activeCalls(accountId)),
        UpdateExpression: `SET #slot = :expires, entity = :entity${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
        ExpressionAttributeNames: {
          '#slot': slotAttribute(callId),
          ...Object.fromEntries(expired.map((name, index) => [`#expired${index}`, name])),
        },
        ExpressionAttributeValues: marshall({ ':expires': expiresAtMs, ':entity': 'active-calls' }),
      }),
    );
  }

  private async increment(key: { pk: string; sk: string }, attribute: string, nowMs: number): Promise<number> {
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(key),
        UpdateExpression: 'ADD #counter :one SET expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeNames: { '#counter': attribute },
        ExpressionAttributeValues: marshall({ ':one': 1, ':expires': Math.floor(nowMs / 1000) + COUNTER_TTL_SECONDS }),
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(unmarshall(result.Attributes ?? {})[attribute] ?? 0);
  }

  private async destinationWindows(accountId: string, window: number): Promise<Record<string, unknown>[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: marshall({ ':pk': keys.destinationWindowsOf(accountId), ':from': `W#${window - 1}#`, ':to': `W#${window}#~` }),
      }),
    );
    return (result.Items ?? []).map((item) => unmarshall(item));
  }

  private async batchGet(requestKeys: readonly { pk: string; sk: string }[], consistent: boolean): Promise<Record<string, unknown>[]> {
    const result = await this.client.send(
      new BatchGetItemCommand({
        RequestItems: { [this.tableName]: { Keys: requestKeys.map((key) => marshall(key)), ConsistentRead: consistent } },
      }),
    );
    // A handful of small items never exceeds BatchGetItem's limits; fail loudly rather than decide on missing data.
    if (Object.keys(result.UnprocessedKeys ?? {}).length > 0) throw new Error('BatchGetItem left keys unprocessed');
    return (result.Responses?.[this.tableName] ?? []).map((item) => unmarshall(item));
  }

  private async readDecision(callId: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.decision(callId)), ConsistentRead: true }));
    return result.Item ? unmarshall(result.Item) : undefined;
  }

  private async accountIdFor(accountKey: AccountKey, nowMs: number): Promise<string | undefined> {
    if (accountKey.by === 'accountId') return accountKey.value;
    const cacheKey = aliasCacheKey(accountKey);
    const cached = this.aliasCache.get(cacheKey);
    if (cached && cached.expires > nowMs) return cached.accountId;
    const aliasKey = accountKey.by === 'techPrefix' ? keys.techPrefixAlias(accountKey.value) : keys.sipUsernameAlias(accountKey.value);
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(aliasKey) }));
    const accountId = result.Item ? String(unmarshall(result.Item).accountId) : undefined;
    // Unknown aliases are cached briefly too, so a flood of calls with a bogus tech prefix costs one read per period.
    remember(this.aliasCache, cacheKey, { accountId, expires: nowMs + this.options.aliasCacheMs });
    return accountId;
  }
}

/** Per-process caches keep the most recently used entries only, so memory stays flat with many accounts. */
const CACHE_ENTRIES = 10_000;

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > CACHE_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}

function aliasCacheKey(accountKey: AccountKey): string {
  return `${accountKey.by}:${accountKey.value}`;
}

function destinationActivity(
  items: readonly Record<string, unknown>[],
  window: number,
  countedCountry: string | undefined,
  countedValue: number,
): DestinationActivity {
  const current: Record<string, number> = {};
  const previous: Record<string, number> = {};
  for (const item of items) {
    const [, index, country] = String(item.sk).split('#');
    if (!country) continue;
    const target = Number(index) === window ? current : previous;
    target[country] = Number(item.attempts ?? 0);
  }
  // The Query ran alongside this attempt's own increment; the increment's result is the authoritative count.
  if (countedCountry) current[countedCountry] = countedValue;
  return { current, previous };
}
