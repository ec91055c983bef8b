/**
 * The authorize path's storage: one round of parallel requests per call when the process knows the account.
 *
 *   - PutItem of the decision record (`CALL#<callId>`), conditioned on the callId being new (the idempotency key);
 *     a later round of the same request replaces it, conditioned on its own decisionId;
 *   - in parallel, the account write the decision needs: one UpdateItem on the account's item, conditioned on the
 *     version decided on and on the limits (see domain/policy/call-commitment.ts and ./ledger-attributes.ts), that
 *     takes the slot, the reservation and the counts; or, for a denial that takes nothing, a consistent GetItem of
 *     the account to confirm the version. A failed condition returns the item as it is (ALL_OLD), so deciding again
 *     needs no extra read.
 *   - a burst crossing instead writes one transaction: the record, the restriction (version-checked), its
 *     `Destination Restricted` outbox event and the to-end marker.
 *
 * Single-item writes on the account keep a busy account's concurrent calls from conflicting: DynamoDB serialises
 * them on the item, where transactions on one hot item would cancel each other (TransactionConflict).
 */
import {
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  AccountOutcome,
  AccountSnapshot,
  AuthorizationStore,
  CommitRequest,
  CommitResult,
  DecisionRecord,
  RecordOutcome,
  SentCommit,
} from '../../../domain/policy/authorize-call.js';
import type { CallCommitment } from '../../../domain/policy/call-commitment.js';
import type { AccountKey } from '../../../domain/policy/evaluate-call.js';
import { initialiseLedgerFields, parseAccountItem } from './account-repository.js';
import { parseDecisionRecord } from './decision-record.js';
import { isConditionalCheckFailed, keys } from './keys.js';
import { applyUpdated, ExpressionBuilder, ledgerNames, liveCallValue, marshalled, needsLedgerFields, parseLedger, spendCheckConditions } from './ledger-attributes.js';
import { outboxPut } from './outbox.js';
import { toEndMarkerPut } from './to-end-marker.js';

export interface DynamoAuthorizationStoreOptions {
  readonly decisionTtlDays: number;
  readonly aliasCacheMs: number;
  /** How long this process decides on its copy of an account without reading it (the write's conditions keep it honest). */
  readonly accountCacheMs: number;
}

interface CachedAccount {
  readonly snapshot: AccountSnapshot;
  readonly at: number;
}

export class DynamoAuthorizationStore implements AuthorizationStore {
  private readonly aliasCache = new Map<string, { accountId: string | undefined; expires: number }>();
  private readonly accounts = new Map<string, CachedAccount>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly options: DynamoAuthorizationStoreOptions,
    private readonly nowMs: () => number = Date.now,
  ) {}

  cachedAccount(accountKey: AccountKey, now: Date): AccountSnapshot | undefined {
    const accountId = this.cachedAccountId(accountKey, now.getTime());
    const cached = accountId ? this.accounts.get(accountId) : undefined;
    if (!cached || now.getTime() - cached.at > this.options.accountCacheMs) return undefined;
    return cached.snapshot;
  }

  lastKnownAccount(accountKey: AccountKey): AccountSnapshot | undefined {
    const accountId = accountKey.by === 'accountId' ? accountKey.value : this.aliasCache.get(aliasCacheKey(accountKey))?.accountId;
    return accountId ? this.accounts.get(accountId)?.snapshot : undefined;
  }

  async withdraw(sent: readonly SentCommit[], given: DecisionRecord): Promise<{ liveCallsWithdrawn: number }> {
    // A live call the switch was never told about must not hold a slot or money: give back what any round took, and
    // leave the settled-call mark, so that a round the database has yet to apply is refused by its own condition.
    let liveCallsWithdrawn = 0;
    for (const round of sent) {
      if (round.commitment?.liveCall && (await this.fence(round.commitment))) liveCallsWithdrawn += 1;
    }
    const sentIds = [...new Set(sent.map((round) => round.record.decisionId))];
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(this.decisionItem(given), { removeUndefinedValues: true }),
          ConditionExpression: ['attribute_not_exists(pk)', ...sentIds.map((_id, index) => `#record.decisionId = :sent${index}`)].join(' OR '),
          ...(sentIds.length ? { ExpressionAttributeNames: { '#record': 'record' } } : {}),
          ...(sentIds.length ? { ExpressionAttributeValues: marshall(Object.fromEntries(sentIds.map((id, index) => [`:sent${index}`, id]))) } : {}),
        }),
      );
    } catch (error) {
      // Another request's decision holds the callId (a reuse): it stays.
      if (!isConditionalCheckFailed(error)) throw error;
    }
    return { liveCallsWithdrawn };
  }

  /** Withdraws one round's live call, or fences it off if it has not arrived; true when a live call was given back. */
  private async fence(commitment: CallCommitment): Promise<boolean> {
    const live = commitment.liveCall?.call;
    if (!live) return false;
    const key = marshall(keys.account(commitment.accountId));
    const mark = marshall({ ':mark': { c: 0, s: 0, t: this.nowMs() } });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (await this.undo(commitment, undefined, ledgerNames.settled(live.callId))) return true;
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET #settled = :mark',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#live)',
            ExpressionAttributeNames: { '#settled': ledgerNames.settled(live.callId), '#live': ledgerNames.live(live.callId) },
            ExpressionAttributeValues: mark,
          }),
        );
        return false;
      } catch (error) {
        // The round arrived between the two writes: withdraw it on the next attempt.
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new Error(`call ${live.callId} could not be withdrawn`);
  }

  /** Forgets this process's copy (after a change made here that the copy does not show). */
  forget(accountId: string): void {
    this.accounts.delete(accountId);
  }

  async readAccount(accountKey: AccountKey, signal?: AbortSignal): Promise<AccountSnapshot | undefined> {
    const accountId = await this.accountIdFor(accountKey, signal);
    if (!accountId) return undefined;
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.account(accountId)), ConsistentRead: true }), { abortSignal: signal });
    if (!result.Item) return undefined;
    let item = unmarshall(result.Item);
    if (needsLedgerFields(item)) item = await this.initialiseLedger(accountId, item, signal);
    return this.remember(item);
  }

  async commit(request: CommitRequest, signal?: AbortSignal): Promise<CommitResult> {
    if (request.restriction) return this.commitRestriction(request, signal);
    const [record, account] = await Promise.all([this.writeRecord(request.record, request.replacing, signal), this.accountOperation(request, signal)]);
    return { record, account };
  }

  async undo(commitment: CallCommitment, signal?: AbortSignal, markSettled?: string): Promise<boolean> {
    const expression = new ExpressionBuilder();
    const live = commitment.liveCall?.call;
    if (live) {
      const name = expression.name(ledgerNames.live(live.callId));
      expression.condition(`${name}.e = ${expression.value(live.expiresAtMs)} AND ${name}.r = ${expression.value(live.reservedMicros)}`);
      expression
        .remove(ledgerNames.live(live.callId))
        .add('liveCalls', -1)
        .add('availableMicros', live.reservedMicros);
      if (commitment.velocity) expression.add(ledgerNames.minute(commitment.velocity.minute), -1);
      for (const { window, bucket, micros } of commitment.spend?.adjustments ?? []) expression.add(ledgerNames.spend(window, bucket), -micros);
    }
    if (commitment.unusual) {
      expression.add(ledgerNames.unusualTotal(commitment.unusual.window), -1).add(ledgerNames.unusualCountry(commitment.unusual.window, commitment.unusual.country), -1);
    }
    if (!expression.hasActions) return false;
    expression.remove('balanceChanged');
    if (markSettled) expression.set(markSettled, { c: 0, s: 0, t: this.nowMs() });
    try {
      const result = await this.client.send(
        new UpdateItemCommand({ TableName: this.tableName, Key: marshall(keys.account(commitment.accountId)), ...marshalled(expression.build()), ReturnValues: 'UPDATED_NEW' }),
        { abortSignal: signal },
      );
      this.fold(commitment.accountId, unmarshall(result.Attributes ?? {}), expression.removedAttributes);
      return true;
    } catch (error) {
      // The call was settled or released meanwhile (or never taken): nothing of it is left to give back.
      if (!isConditionalCheckFailed(error)) throw error;
      return false;
    }
  }

  async readDecision(callId: string, signal?: AbortSignal): Promise<DecisionRecord | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.decision(callId)), ConsistentRead: true }), { abortSignal: signal });
    return result.Item ? parseDecisionRecord(unmarshall(result.Item).record, callId) : undefined;
  }

  private async writeRecord(record: DecisionRecord, replacing: string | undefined, signal?: AbortSignal): Promise<RecordOutcome> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(this.decisionItem(record), { removeUndefinedValues: true }),
          ...this.recordCondition(replacing),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: signal },
      );
      return { kind: 'stored' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const returned = (error as { Item?: Record<string, AttributeValue> }).Item;
      const existing = returned ? parseDecisionRecord(unmarshall(returned).record, record.callId) : await this.readDecision(record.callId, signal);
      if (!existing) throw new Error(`decision for call ${record.callId} vanished while it was being replaced`);
      return { kind: 'exists', existing };
    }
  }

  private recordCondition(replacing: string | undefined) {
    if (!replacing) return { ConditionExpression: 'attribute_not_exists(pk)' };
    return {
      ConditionExpression: '#record.decisionId = :replacing',
      ExpressionAttributeNames: { '#record': 'record' },
      ExpressionAttributeValues: marshall({ ':replacing': replacing }),
    };
  }

  private async accountOperation(request: CommitRequest, signal?: AbortSignal): Promise<AccountOutcome> {
    if (request.commitment) return this.applyCommitment(request.commitment, signal);
    if (!request.verifyAccountId) return { kind: 'none' };
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.account(request.verifyAccountId)), ConsistentRead: true }),
      { abortSignal: signal },
    );
    return { kind: 'read', snapshot: result.Item ? this.remember(unmarshall(result.Item)) : undefined };
  }

  private async applyCommitment(commitment: CallCommitment, signal?: AbortSignal): Promise<AccountOutcome> {
    const expression = commitmentExpression(commitment);
    try {
      // Only what the write changed comes back (the item carries every live call of the account): it is folded
      // into this process's copy, which the conditions keep honest.
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.account(commitment.accountId)),
          ...marshalled(expression.build()),
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: signal },
      );
      return { kind: 'committed', snapshot: this.fold(commitment.accountId, unmarshall(result.Attributes ?? {}), expression.removedAttributes) };
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        const returned = (error as { Item?: Record<string, AttributeValue> }).Item;
        return { kind: 'rejected', snapshot: returned ? this.remember(unmarshall(returned)) : undefined };
      }
      // A reviewer's or admin's transaction on the same account was in flight: decide again on a fresh read.
      if ((error as { name?: string }).name === 'TransactionConflictException') return { kind: 'rejected', snapshot: undefined };
      throw error;
    }
  }

  private async commitRestriction(request: CommitRequest, signal?: AbortSignal): Promise<CommitResult> {
    const restriction = request.restriction;
    if (!restriction) throw new Error('commitRestriction needs a restriction');
    const { event, expectedVersion } = restriction;
    const recordPut: TransactWriteItem = {
      Put: {
        TableName: this.tableName,
        Item: marshall(this.decisionItem(request.record), { removeUndefinedValues: true }),
        ...this.recordCondition(request.replacing),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
    const restrict: TransactWriteItem = {
      Update: {
        TableName: this.tableName,
        Key: marshall(keys.account(event.accountId)),
        UpdateExpression: 'ADD restrictedDestinations :destination, #version :one',
        ConditionExpression: '#version = :seen AND NOT contains(restrictedDestinations, :name)',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: marshall({ ':destination': new Set([event.destination]), ':name': event.destination, ':one': 1, ':seen': expectedVersion }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            recordPut,
            restrict,
            outboxPut(this.tableName, 'Destination Restricted', event),
            toEndMarkerPut(this.tableName, event.accountId, 'DESTINATION_RESTRICTED', event.occurredAt),
          ],
        }),
        { abortSignal: signal },
      );
      this.forget(event.accountId);
      return { record: { kind: 'stored' }, account: { kind: 'committed', snapshot: undefined } };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [recordReason, accountReason] = error.CancellationReasons ?? [];
      if (recordReason?.Code === 'ConditionalCheckFailed') {
        const existing = recordReason.Item ? parseDecisionRecord(unmarshall(recordReason.Item).record, request.record.callId) : await this.readDecision(request.record.callId, signal);
        if (existing) return { record: { kind: 'exists', existing }, account: { kind: 'none' } };
      }
      // The account moved on (another attempt restricted it first, or its version changed), or a conflict:
      // the record was not written either, so the next round writes it as it did (creating or replacing).
      const snapshot = accountReason?.Code === 'ConditionalCheckFailed' && accountReason.Item ? this.remember(unmarshall(accountReason.Item)) : undefined;
      return { record: { kind: 'not-written' }, account: { kind: 'rejected', snapshot } };
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

  /** An account created before live calls existed gets its counters before its first conditional write. */
  private async initialiseLedger(accountId: string, item: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    await initialiseLedgerFields(this.client, this.tableName, accountId);
    const again = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.account(accountId)), ConsistentRead: true }), { abortSignal: signal });
    return again.Item ? unmarshall(again.Item) : item;
  }

  private remember(item: Record<string, unknown>): AccountSnapshot {
    const accountId = String(item.accountId);
    // The policy is parsed through its schema once per version, not on every read of the account.
    const snapshot: AccountSnapshot = { account: parseAccountItem(item, this.accounts.get(accountId)?.snapshot.account), ledger: parseLedger(item, this.nowMs()) };
    remember(this.accounts, accountId, { snapshot, at: this.nowMs() });
    return snapshot;
  }

  /** Folds a write's UPDATED_NEW into this process's copy; undefined when there is no copy to fold into. */
  private fold(accountId: string, updated: Record<string, unknown>, removed: readonly string[]): AccountSnapshot | undefined {
    const cached = this.accounts.get(accountId);
    if (!cached) return undefined;
    const snapshot: AccountSnapshot = { account: cached.snapshot.account, ledger: applyUpdated(cached.snapshot.ledger, updated, removed) };
    remember(this.accounts, accountId, { snapshot, at: this.nowMs() });
    return snapshot;
  }

  private cachedAccountId(accountKey: AccountKey, nowMs: number): string | undefined {
    if (accountKey.by === 'accountId') return accountKey.value;
    const cached = this.aliasCache.get(aliasCacheKey(accountKey));
    return cached && cached.expires > nowMs ? cached.accountId : undefined;
  }

  private async accountIdFor(accountKey: AccountKey, signal?: AbortSignal): Promise<string | undefined> {
    if (accountKey.by === 'accountId') return accountKey.value;
    const nowMs = this.nowMs();
    const cacheKey = aliasCacheKey(accountKey);
    const cached = this.aliasCache.get(cacheKey);
    if (cached && cached.expires > nowMs) return cached.accountId;
    const aliasKey = accountKey.by === 'techPrefix' ? keys.techPrefixAlias(accountKey.value) : keys.sipUsernameAlias(accountKey.value);
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(aliasKey) }), { abortSignal: signal });
    const accountId = result.Item ? String(unmarshall(result.Item).accountId) : undefined;
    // Unknown aliases are cached briefly too, so a flood of calls with a bogus tech prefix costs one read per period.
    remember(this.aliasCache, cacheKey, { accountId, expires: nowMs + this.options.aliasCacheMs });
    return accountId;
  }
}

/** The one conditional write of a call: see domain/policy/call-commitment.ts for what each part guards. */
export function commitmentExpression(commitment: CallCommitment): ExpressionBuilder {
  const expression = new ExpressionBuilder();
  const missingOrBelow = (attribute: string, bound: number, inclusive = false) => {
    const name = expression.name(attribute);
    return `attribute_not_exists(${name}) OR ${name} ${inclusive ? '<=' : '<'} ${expression.value(bound)}`;
  };
  const never = 'attribute_not_exists(pk)';
  // The balance does not move here: clear the flag that lets a balance change through the stream filter.
  expression.remove('balanceChanged');
  expression.condition('attribute_exists(pk)').condition(`${expression.name('version')} = ${expression.value(commitment.expectedVersion)}`);

  const live = commitment.liveCall;
  if (live) {
    const { call } = live;
    const liveName = expression.name(ledgerNames.live(call.callId));
    const settledName = expression.name(ledgerNames.settled(call.callId));
    expression.condition(`attribute_not_exists(${liveName}) AND attribute_not_exists(${settledName})`);
    if (live.concurrencyLimit !== null) {
      expression.condition(`${expression.name('liveCalls')} < ${expression.value(live.concurrencyLimit)}`);
    }
    expression.condition(`${expression.name('availableMicros')} >= ${expression.value(live.requiredAvailableMicros)}`);
    expression
      .set(ledgerNames.live(call.callId), liveCallValue(call))
      .add('liveCalls', 1)
      .add('availableMicros', -call.reservedMicros);
  }
  const velocity = commitment.velocity;
  if (velocity) {
    if (velocity.allowedBefore !== null) {
      expression.condition(missingOrBelow(ledgerNames.minute(velocity.minute), velocity.allowedBefore));
      expression.condition(missingOrBelow(ledgerNames.minute(velocity.minute - 1), velocity.previousSeen, true));
    }
    expression.add(ledgerNames.minute(velocity.minute), 1);
  }
  const spend = commitment.spend;
  if (spend && live) {
    for (const check of spend.checks) spendCheckConditions(expression, check);
    for (const { window, bucket, micros } of spend.adjustments) expression.add(ledgerNames.spend(window, bucket), micros);
  }
  const unusual = commitment.unusual;
  if (unusual) {
    const countryName = ledgerNames.unusualCountry(unusual.window, unusual.country);
    const totalName = ledgerNames.unusualTotal(unusual.window);
    for (const [attribute, allowed] of [
      [countryName, unusual.countryAllowedBefore],
      [totalName, unusual.totalAllowedBefore],
    ] as const) {
      expression.condition(allowed > 0 ? missingOrBelow(attribute, allowed) : never);
    }
    expression.condition(missingOrBelow(ledgerNames.unusualCountry(unusual.window - 1, unusual.country), unusual.previousCountrySeen, true));
    expression.condition(missingOrBelow(ledgerNames.unusualTotal(unusual.window - 1), unusual.previousTotalSeen, true));
    expression.add(countryName, 1).add(totalName, 1);
  }

  const { cleanup } = commitment;
  for (const minute of cleanup.minutes) expression.remove(ledgerNames.minute(minute));
  for (const { window, bucket } of cleanup.spendBuckets) expression.remove(ledgerNames.spend(window, bucket));
  for (const { window, index } of cleanup.legacySpend) expression.remove(ledgerNames.legacySpend(window, index));
  for (const { window, countries } of cleanup.unusual) {
    expression.remove(ledgerNames.unusualTotal(window));
    for (const country of countries) expression.remove(ledgerNames.unusualCountry(window, country));
  }
  for (const callId of cleanup.settledCallIds) expression.remove(ledgerNames.settled(callId));
  return expression;
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
