/**
 * Live calls after authorization: interim updates, settlement and the to-end list. Every change to money or to a
 * live call is one conditional UpdateItem on the account's item (layout in ./ledger-attributes.ts), so it
 * serialises with the authorize path's writes on that item instead of conflicting with them.
 */
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { LiveCall, SettledCall } from '../../../domain/calls/ledger.js';
import type { SpendAdjustment } from '../../../domain/calls/spend-windows.js';
import type { ClaimOutcome, Completion, CompletionClaim, CountryProfile, ExtensionGuard, GrantChange, LedgerWrite, LiveCallStore, StoredCall } from '../../../domain/calls/ports.js';
import type { AccountSnapshot } from '../../../domain/policy/authorize-call.js';
import type { Destination } from '../../../domain/policy/decision.js';
import { parseAccountItem } from './account-repository.js';
import { parseStoredCall } from './decision-record.js';
import { isConditionalCheckFailed, keys } from './keys.js';
import { ExpressionBuilder, ledgerNames, marshalled, parseLedger, settledCallValue, spendCheckConditions } from './ledger-attributes.js';
import { queryPartition } from './query-partition.js';
import { toEndMarkerItem } from './to-end-marker.js';

const BATCH_GET_LIMIT = 100;
const SETTLED_DROPS_PER_WRITE = 50;

export class DynamoLiveCallStore implements LiveCallStore {
  /**
   * Settled-call marks on accounts whose calls are marked applied: dropped by this process's next write on the
   * account, so settling costs no extra write on the account's busy item. A mark left by a process that stops is
   * dropped by the authorize path's cleanup after an hour.
   */
  private readonly settledToDrop = new Map<string, Set<string>>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async loadCall(callId: string): Promise<StoredCall | undefined> {
    const item = await this.get(keys.decision(callId));
    return item ? parseStoredCall(item) : undefined;
  }

  async loadCalls(callIds: readonly string[]): Promise<Map<string, StoredCall>> {
    const calls = new Map<string, StoredCall>();
    for (const item of await this.batchGet(callIds.map((callId) => keys.decision(callId)))) {
      const call = parseStoredCall(item);
      calls.set(call.record.callId, call);
    }
    return calls;
  }

  async readAccount(accountId: string): Promise<AccountSnapshot | undefined> {
    const item = await this.get(keys.account(accountId));
    return item ? snapshotOf(item) : undefined;
  }

  async extend(accountId: string, call: LiveCall, change: GrantChange, guard: ExtensionGuard): Promise<LedgerWrite> {
    const expression = new ExpressionBuilder();
    const extra = change.reservedMicros - call.reservedMicros;
    liveCallCondition(expression, call);
    expression
      .condition(`${expression.name('version')} = ${expression.value(guard.expectedVersion)}`)
      .condition(`${expression.name('availableMicros')} >= ${expression.value(extra)}`);
    for (const check of guard.spendChecks) spendCheckConditions(expression, check);
    addSpend(expression, guard.spend);
    // The live call's fields are replaced one by one: its identity fields (authorization time, destination) stay.
    const callName = ledgerNames.live(call.callId);
    expression
      .setField(callName, 'r', change.reservedMicros)
      .setField(callName, 'g', change.grantedSeconds)
      .setField(callName, 'e', change.expiresAtMs)
      .setField(callName, 's', change.spendBucket)
      .remove('balanceChanged')
      .add('availableMicros', -extra);
    return this.update(accountId, expression);
  }

  async settle(accountId: string, call: LiveCall, settled: SettledCall, spend: readonly SpendAdjustment[]): Promise<LedgerWrite> {
    const expression = new ExpressionBuilder();
    const chargedMicros = settled.chargedMicros;
    const adjustment = chargedMicros - call.reservedMicros;
    liveCallCondition(expression, call);
    expression
      .remove(ledgerNames.live(call.callId))
      .set(ledgerNames.settled(call.callId), settledCallValue(settled))
      .set('balanceChanged', true)
      .add('liveCalls', -1)
      .add('availableMicros', -adjustment)
      .add('balanceMicros', -chargedMicros);
    addSpend(expression, spend);
    return this.update(accountId, expression);
  }

  async release(accountId: string, call: LiveCall, spend: readonly SpendAdjustment[]): Promise<LedgerWrite> {
    const expression = new ExpressionBuilder();
    liveCallCondition(expression, call);
    expression
      .remove(ledgerNames.live(call.callId))
      .remove('balanceChanged')
      .add('liveCalls', -1)
      .add('availableMicros', call.reservedMicros);
    addSpend(expression, spend);
    return this.update(accountId, expression);
  }

  async chargeReleased(accountId: string, callId: string, settled: SettledCall, spend: readonly SpendAdjustment[]): Promise<LedgerWrite> {
    const expression = new ExpressionBuilder();
    expression
      // attribute_exists(pk): a report for a call of a deleted account must not create a stub item.
      .condition('attribute_exists(pk)')
      .condition(`attribute_not_exists(${expression.name(ledgerNames.live(callId))}) AND attribute_not_exists(${expression.name(ledgerNames.settled(callId))})`)
      .set(ledgerNames.settled(callId), settledCallValue(settled))
      .set('balanceChanged', true)
      .add('availableMicros', -settled.chargedMicros)
      .add('balanceMicros', -settled.chargedMicros);
    addSpend(expression, spend);
    return this.update(accountId, expression, true);
  }

  async markApplied(accountId: string, callId: string, appliedAt: string, chargedMicros: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(keys.decision(callId)),
        UpdateExpression: 'SET completion.appliedAt = :at, completion.chargedMicros = :charged',
        ConditionExpression: 'attribute_exists(completion) AND attribute_not_exists(completion.appliedAt)',
        ExpressionAttributeValues: marshall({ ':at': appliedAt, ':charged': chargedMicros }),
      }),
    ).catch((error: unknown) => {
      if (!isConditionalCheckFailed(error)) throw error;
    });
    // The call says it is applied: its settled-call mark on the account can go with this process's next write there.
    const pending = this.settledToDrop.get(accountId) ?? new Set<string>();
    pending.add(callId);
    this.settledToDrop.set(accountId, pending);
  }

  async claimCompletion(callId: string, claim: CompletionClaim): Promise<ClaimOutcome> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.decision(callId)),
          UpdateExpression: 'SET completion = :claim',
          ConditionExpression: 'attribute_exists(pk) AND #record.decision = :allow AND attribute_not_exists(completion)',
          ExpressionAttributeNames: { '#record': 'record' },
          ExpressionAttributeValues: marshall({ ':claim': claim, ':allow': 'allow' }),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const stored = parseStoredCall(unmarshall(result.Attributes ?? {}));
      return { kind: 'claimed', record: stored.record, completion: stored.completion ?? claim };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const returned = (error as { Item?: Record<string, AttributeValue> }).Item;
      if (!returned) return { kind: 'not-found' };
      const stored = parseStoredCall(unmarshall(returned));
      if (stored.record.decision !== 'allow') return { kind: 'not-allowed', record: stored.record };
      if (!stored.completion) throw new Error(`call ${callId} could not be claimed and has no completion`);
      return { kind: 'exists', record: stored.record, completion: stored.completion };
    }
  }

  async recordProfile(accountId: string, destination: Destination, completion: Completion): Promise<CountryProfile> {
    const profileUpdate = (dimension: string) =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.profile(accountId, dimension)),
          // completedDays: the UTC dates with a completed call, a set so a retried report adds nothing (knownCountry).
          UpdateExpression:
            'ADD completedCalls :one, seconds :seconds, spendMicros :charge, completedDays :day SET firstCompletedAt = if_not_exists(firstCompletedAt, :at), lastCompletedAt = :at, country = :country, entity = :entity',
          ExpressionAttributeValues: marshall({
            ':day': new Set([completion.completedAt.slice(0, 10)]),
            ':one': 1,
            ':seconds': completion.durationSeconds,
            ':charge': completion.chargedMicros,
            ':at': completion.completedAt,
            ':country': destination.country,
            ':entity': 'profile',
          }),
          ReturnValues: 'ALL_NEW',
        }),
      );
    const [country] = await Promise.all([profileUpdate(`C#${destination.country}`), profileUpdate(`P#${destination.prefix}`)]);
    const row = unmarshall(country.Attributes ?? {});
    return {
      completedCalls: Number(row.completedCalls ?? 0),
      firstCompletedAt: typeof row.firstCompletedAt === 'string' ? row.firstCompletedAt : undefined,
      distinctDays: row.completedDays instanceof Set ? row.completedDays.size : 0,
    };
  }

  async addKnownCountry(accountId: string, country: string): Promise<void> {
    // Known countries widen what is usual, which only relaxes detection: no version change is needed for it.
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(keys.account(accountId)),
        UpdateExpression: 'ADD knownCountries :country',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: marshall({ ':country': new Set([country]) }),
      }),
    );
  }

  async markToEnd(accountId: string, reason: string, at: string): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall(toEndMarkerItem(accountId, reason, at)) }));
  }

  async toEndMarkers(): Promise<{ accountId: string; at: string }[]> {
    const items = await queryPartition(this.client, this.tableName, keys.toEndMarkers(), { consistent: true });
    return items.flatMap((item) => (typeof item.accountId === 'string' && typeof item.at === 'string' ? [{ accountId: item.accountId, at: item.at }] : []));
  }

  async readAccounts(accountIds: readonly string[]): Promise<AccountSnapshot[]> {
    return (await this.batchGet(accountIds.map((accountId) => keys.account(accountId)))).map(snapshotOf);
  }

  /** Consistent reads of any number of items, 100 keys a request, unprocessed keys retried. */
  private async batchGet(itemKeys: readonly { pk: string; sk: string }[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (let start = 0; start < itemKeys.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, AttributeValue>[] = itemKeys.slice(start, start + BATCH_GET_LIMIT).map((key) => marshall(key));
      for (let attempt = 0; pending.length > 0 && attempt < 5; attempt += 1) {
        const result = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
        items.push(...(result.Responses?.[this.tableName] ?? []).map((item) => unmarshall(item)));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
      if (pending.length > 0) throw new Error(`BatchGetItem left ${pending.length} items unread`);
    }
    return items;
  }

  async clearToEndMarker(accountId: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.toEndMarker(accountId)),
          ConditionExpression: '#at = :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: marshall({ ':at': at }),
        }),
      );
    } catch (error) {
      // A newer change rewrote the marker: it stays for the next pull.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** `wholeItem`: read the counters back from the whole item (for a write that does not change them itself). */
  private async update(accountId: string, expression: ExpressionBuilder, wholeItem = false): Promise<LedgerWrite> {
    // A mark this very write sets (the same call settled again by a repeat) is not dropped by it.
    const dropping = [...(this.settledToDrop.get(accountId) ?? [])].filter((callId) => !expression.touches(ledgerNames.settled(callId))).slice(0, SETTLED_DROPS_PER_WRITE);
    for (const callId of dropping) expression.remove(ledgerNames.settled(callId));
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.account(accountId)),
          ...marshalled(expression.build()),
          // Only the changed attributes: the item carries every live call of the account.
          ReturnValues: wholeItem ? 'ALL_NEW' : 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const pending = this.settledToDrop.get(accountId);
      for (const callId of dropping) pending?.delete(callId);
      if (pending?.size === 0) this.settledToDrop.delete(accountId);
      const updated = unmarshall(result.Attributes ?? {});
      return { ok: true, counters: { availableMicros: Number(updated.availableMicros ?? 0), liveCallCount: Number(updated.liveCalls ?? 0) } };
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        const returned = (error as { Item?: Record<string, AttributeValue> }).Item;
        return { ok: false, snapshot: returned ? snapshotOf(unmarshall(returned)) : undefined };
      }
      if ((error as { name?: string }).name === 'TransactionConflictException') return { ok: false, snapshot: undefined };
      throw error;
    }
  }

  private async get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }));
    return result.Item ? unmarshall(result.Item) : undefined;
  }
}

/**
 * The live call is there as seen: its expiry, its reservation, the spend bucket that reservation is counted in and
 * whether it counts in the unusual window (a release must go back to the windows the reservation went to).
 */
function liveCallCondition(expression: ExpressionBuilder, call: LiveCall): void {
  const live = expression.name(ledgerNames.live(call.callId));
  expression.condition(`${live}.e = ${expression.value(call.expiresAtMs)} AND ${live}.r = ${expression.value(call.reservedMicros)}`);
  expression.condition(call.spendBucket === undefined ? `attribute_not_exists(${live}.s)` : `${live}.s = ${expression.value(call.spendBucket)}`);
  expression.condition(call.unusual ? `${live}.u = ${expression.value(1)}` : `attribute_not_exists(${live}.u)`);
}

function addSpend(expression: ExpressionBuilder, spend: readonly SpendAdjustment[]): void {
  for (const { window, bucket, micros } of spend) expression.add(ledgerNames.spend(window, bucket), micros);
}

function snapshotOf(item: Record<string, unknown>): AccountSnapshot {
  return { account: parseAccountItem(item), ledger: parseLedger(item) };
}
