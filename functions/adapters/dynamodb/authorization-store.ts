/**
 * The authorize path's storage. loadContext is one BatchGetItem (account + ban on the source IP, strongly
 * consistent); recordDecision is one conditional PutItem that also returns the earlier decision on a replay.
 * Tech-prefix and SIP-username aliases are immutable once created, so they are cached in memory: only the first
 * call for an alias in a process pays an extra read.
 */
import { BatchGetItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuthorizationContext, AuthorizationStore, DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { NO_USAGE, type AccountKey, type ActiveBan } from '../../../domain/policy/evaluate-call.js';
import { parseAccountItem } from './account-repository.js';
import { isConditionalCheckFailed, keys } from './keys.js';

export interface DynamoAuthorizationStoreOptions {
  readonly decisionTtlDays: number;
  readonly aliasCacheMs: number;
}

export class DynamoAuthorizationStore implements AuthorizationStore {
  private readonly aliasCache = new Map<string, { accountId: string | undefined; expires: number }>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly options: DynamoAuthorizationStoreOptions,
  ) {}

  async loadContext(accountKey: AccountKey | undefined, sourceIp: string, now: Date): Promise<AuthorizationContext> {
    const accountId = accountKey ? await this.accountIdFor(accountKey, now.getTime()) : undefined;
    const requestKeys = [keys.ban(sourceIp), ...(accountId ? [keys.account(accountId)] : [])];
    const result = await this.client.send(
      new BatchGetItemCommand({
        RequestItems: { [this.tableName]: { Keys: requestKeys.map((key) => marshall(key)), ConsistentRead: true } },
      }),
    );
    // Two small items never exceed BatchGetItem's limits, but honour UnprocessedKeys by failing loudly
    // rather than deciding on missing data.
    if (Object.keys(result.UnprocessedKeys ?? {}).length > 0) throw new Error('BatchGetItem left keys unprocessed');
    let account: AuthorizationContext['account'];
    let activeBan: ActiveBan | undefined;
    for (const raw of result.Responses?.[this.tableName] ?? []) {
      const item = unmarshall(raw);
      if (item.entity === 'account') account = parseAccountItem(item);
      if (item.entity === 'ban' && Date.parse(String(item.bannedUntil)) > now.getTime()) {
        activeBan = { ip: sourceIp, bannedUntil: String(item.bannedUntil), failures: Number(item.failures ?? 0) };
      }
    }
    return { account, activeBan, usage: NO_USAGE };
  }

  async recordDecision(record: DecisionRecord): Promise<{ stored: true } | { stored: false; existing: DecisionRecord }> {
    const decidedAtSeconds = Math.floor(Date.parse(record.decidedAt) / 1000);
    const item = {
      ...keys.decision(record.callId),
      entity: 'decision',
      ...(record.accountId
        ? { gsi1pk: keys.decisionsByAccount(record.accountId), gsi1sk: `${record.decidedAt}#${record.callId}` }
        : {}),
      expiresAt: decidedAtSeconds + this.options.decisionTtlDays * 86_400,
      record,
    };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(item, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { stored: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const returned = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      const existing = returned ? unmarshall(returned) : await this.readDecision(record.callId);
      return { stored: false, existing: existing?.record as DecisionRecord };
    }
  }

  private async readDecision(callId: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.decision(callId)), ConsistentRead: true }),
    );
    return result.Item ? unmarshall(result.Item) : undefined;
  }

  private async accountIdFor(accountKey: AccountKey, nowMs: number): Promise<string | undefined> {
    if (accountKey.by === 'accountId') return accountKey.value;
    const cacheKey = `${accountKey.by}:${accountKey.value}`;
    const cached = this.aliasCache.get(cacheKey);
    if (cached && cached.expires > nowMs) return cached.accountId;
    const aliasKey = accountKey.by === 'techPrefix' ? keys.techPrefixAlias(accountKey.value) : keys.sipUsernameAlias(accountKey.value);
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(aliasKey) }));
    const accountId = result.Item ? String(unmarshall(result.Item).accountId) : undefined;
    // Unknown aliases are cached briefly too, so a flood of calls with a bogus tech prefix costs one read each period.
    this.aliasCache.set(cacheKey, { accountId, expires: nowMs + this.options.aliasCacheMs });
    return accountId;
  }
}
