/** Accounts: one item per account holding identity, status, balance, policy and automatic restrictions. */
import { randomUUID } from 'node:crypto';
import {
  GetItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  ACCOUNT_STATUSES,
  accountPolicySchema,
  defaultPolicy,
  type Account,
  type AccountPolicy,
  type NewAccount,
} from '../../../domain/accounts/account.js';
import type {
  AccountStore,
  ChangeStatusOutcome,
  CreateAccountOutcome,
  PolicyChangeContext,
  ReplaceCarrierPolicyOutcome,
  UpdatePolicyOutcome,
} from '../../../domain/accounts/ports.js';
import { carrierPolicySchema, defaultCarrierPolicy, effectivePolicy, type CarrierPolicy } from '../../../domain/accounts/carrier-policy.js';
import { changedPolicyFields } from '../../../domain/accounts/policy-change.js';
import { isConditionalCheckFailed, keys } from './keys.js';
import { auditPut, outboxPut } from './outbox.js';
import { toEndMarkerPut } from './to-end-marker.js';
import { peerIndexPut } from './peer-index-repository.js';
import { transact } from './transactions.js';

const POLICY_WRITE_ATTEMPTS = 3;

/** For callers outside a request (demo data, scripts): the change is still audited, as the system's. */
function systemPolicyChange(): PolicyChangeContext {
  return { actor: 'system', at: new Date().toISOString(), auditId: randomUUID() };
}

export class AccountRepository implements AccountStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async create(input: NewAccount, createdAt: string): Promise<CreateAccountOutcome> {
    const account: Account = {
      accountId: input.accountId,
      name: input.name,
      homeCountry: input.homeCountry,
      ...(input.techPrefix ? { techPrefix: input.techPrefix } : {}),
      sipUsernames: input.sipUsernames,
      status: 'active',
      balanceMicros: 0,
      policy: defaultPolicy(),
      restrictedDestinations: [],
      knownCountries: [],
      createdAt,
      version: 1,
    };
    const aliases = [
      ...(input.techPrefix ? [{ field: 'techPrefix' as const, value: input.techPrefix, key: keys.techPrefixAlias(input.techPrefix) }] : []),
      ...input.sipUsernames.map((name) => ({ field: 'sipUsernames' as const, value: name, key: keys.sipUsernameAlias(name) })),
    ];
    const notExists = 'attribute_not_exists(pk)';
    try {
      // The account and every alias are written together or not at all: no half-created account.
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { ...toAccountItem(account), ...marshall(EMPTY_LEDGER_FIELDS) }, ConditionExpression: notExists } },
            ...aliases.map((alias) => ({
              Put: {
                TableName: this.tableName,
                Item: marshall({ ...alias.key, entity: 'alias', accountId: account.accountId }),
                ConditionExpression: notExists,
              },
            })),
            peerIndexPut(this.tableName, account.accountId, account.policy.allowedIps),
          ],
        }),
      );
      return { kind: 'created', account };
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const failedIndex = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
        if (failedIndex === 0) return { kind: 'conflict', field: 'accountId', value: account.accountId };
        const alias = aliases[failedIndex - 1];
        if (alias) return { kind: 'conflict', field: alias.field, value: alias.value };
      }
      throw error;
    }
  }

  async get(accountId: string): Promise<Account | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.account(accountId)), ConsistentRead: true }),
    );
    return result.Item ? parseAccountItem(unmarshall(result.Item)) : undefined;
  }

  /**
   * Replaces the customer's policy together with its audit record and its `Policy Changed` event (one
   * transaction), so no change goes unrecorded. Identical policies write nothing.
   */
  async replacePolicy(accountId: string, policy: AccountPolicy, change: PolicyChangeContext = systemPolicyChange()): Promise<UpdatePolicyOutcome> {
    const outcome = await this.replaceVersioned(accountId, change, (current) => {
      const before = current.customerPolicy ?? current.policy;
      return { attribute: 'policy', action: 'policy.replaced', before, after: policy, fieldPrefix: '', customerPolicy: policy, carrierPolicy: current.carrierPolicy ?? defaultCarrierPolicy() };
    });
    if (outcome.kind !== 'updated') return outcome;
    return { ...outcome, before: outcome.before as AccountPolicy };
  }

  /**
   * Replaces the carrier's controls on the account, with the audit record and `Policy Changed` (its fields
   * prefixed `carrierPolicy.`), in one transaction.
   */
  async replaceCarrierPolicy(accountId: string, carrierPolicy: CarrierPolicy, change: PolicyChangeContext): Promise<ReplaceCarrierPolicyOutcome> {
    return this.replaceVersioned(accountId, change, (current) => ({
      attribute: 'carrierPolicy',
      action: 'carrier-policy.replaced',
      before: current.carrierPolicy ?? defaultCarrierPolicy(),
      after: carrierPolicy,
      fieldPrefix: 'carrierPolicy.',
      customerPolicy: current.customerPolicy ?? current.policy,
      carrierPolicy,
    }));
  }

  /**
   * One policy attribute replaced, version-checked: with its audit record, `Policy Changed`, the to-end marker (a
   * new block or a stricter control may end live calls) and the peer index (the effective source list), in one
   * transaction. The version moves, so every process's copy of the account is refused at its next write; a
   * concurrent change makes the transaction fail and the change is re-applied on the fresh account.
   */
  private async replaceVersioned(
    accountId: string,
    change: PolicyChangeContext,
    plan: (current: Account) => {
      readonly attribute: 'policy' | 'carrierPolicy';
      readonly action: string;
      readonly before: object;
      readonly after: object;
      readonly fieldPrefix: string;
      readonly customerPolicy: AccountPolicy;
      readonly carrierPolicy: CarrierPolicy;
    },
  ): Promise<{ kind: 'updated'; account: Account; before: object; changedFields: readonly string[] } | { kind: 'not-found' } | { kind: 'conflict' }> {
    for (let attempt = 1; attempt <= POLICY_WRITE_ATTEMPTS; attempt += 1) {
      const current = await this.get(accountId);
      if (!current) return { kind: 'not-found' };
      const { attribute, action, before, after, fieldPrefix, customerPolicy, carrierPolicy } = plan(current);
      const changedFields = changedPolicyFields(before, after).map((field) => `${fieldPrefix}${field}`);
      if (changedFields.length === 0) return { kind: 'updated', account: current, before, changedFields };
      const version = current.version + 1;
      const effective = effectivePolicy(customerPolicy, carrierPolicy);
      const outcome = await transact(this.client, [
        {
          Update: {
            TableName: this.tableName,
            Key: marshall(keys.account(accountId)),
            UpdateExpression: 'SET #attribute = :value, #version = :next',
            ConditionExpression: '#version = :seen',
            ExpressionAttributeNames: { '#attribute': attribute, '#version': 'version' },
            ExpressionAttributeValues: marshall({ ':value': after, ':next': version, ':seen': current.version }),
          },
        },
        auditPut(this.tableName, { scope: accountId, id: change.auditId, at: change.at, actor: change.actor, action, before, after }),
        outboxPut(this.tableName, 'Policy Changed', { eventId: `policy-changed:${accountId}:${version}`, occurredAt: change.at, accountId, changedBy: change.actor, changedFields, version }),
        toEndMarkerPut(this.tableName, accountId, 'POLICY_CHANGED', change.at),
        peerIndexPut(this.tableName, accountId, effective.allowedIps),
      ]);
      if (outcome.ok) return { kind: 'updated', account: { ...current, policy: effective, customerPolicy, carrierPolicy, version }, before, changedFields };
    }
    return { kind: 'conflict' };
  }

  /**
   * Adds to the balance and to what is available atomically (ADD), so concurrent credits, reservations and charges
   * never lose an update.
   */
  async credit(accountId: string, amountMicros: number): Promise<Account | undefined> {
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      try {
        const result = await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: marshall(keys.account(accountId)),
            UpdateExpression: 'ADD balanceMicros :amount, availableMicros :amount SET balanceChanged = :changed',
            ConditionExpression: 'attribute_exists(pk) AND attribute_exists(availableMicros)',
            ExpressionAttributeValues: marshall({ ':amount': amountMicros, ':changed': true }),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return parseAccountItem(unmarshall(result.Attributes ?? {}));
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        if (!(await initialiseLedgerFields(this.client, this.tableName, accountId))) return undefined;
      }
    }
    return undefined;
  }

  /**
   * Suspends or reactivates an account (outside a review too), with its audit record, in one transaction. A
   * suspension also writes the to-end marker, so switches end the account's live calls on their next pull. The
   * version moves, so every process's copy of the account is refused at its next write.
   */
  async changeStatus(accountId: string, to: 'active' | 'suspended', change: PolicyChangeContext & { readonly note: string }): Promise<ChangeStatusOutcome> {
    for (let attempt = 1; attempt <= POLICY_WRITE_ATTEMPTS; attempt += 1) {
      const current = await this.get(accountId);
      if (!current) return { kind: 'not-found' };
      if (current.status === to) return { kind: 'unchanged', account: current };
      const outcome = await transact(this.client, [
        {
          Update: {
            TableName: this.tableName,
            Key: marshall(keys.account(accountId)),
            UpdateExpression: 'SET #status = :to ADD #version :one',
            ConditionExpression: '#version = :seen',
            ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
            ExpressionAttributeValues: marshall({ ':to': to, ':one': 1, ':seen': current.version }),
          },
        },
        auditPut(this.tableName, {
          scope: accountId,
          id: change.auditId,
          at: change.at,
          actor: change.actor,
          action: to === 'suspended' ? 'account.suspended' : 'account.reactivated',
          before: { status: current.status },
          after: { status: to, note: change.note },
        }),
        ...(to === 'suspended' ? [toEndMarkerPut(this.tableName, accountId, 'ACCOUNT_SUSPENDED', change.at)] : []),
      ]);
      if (outcome.ok) return { kind: 'changed', before: current.status, account: { ...current, status: to, version: current.version + 1 } };
    }
    return { kind: 'conflict' };
  }
}

/**
 * An account created before live calls existed gets its counters (available = balance) in one conditional write.
 * Returns false when the account does not exist.
 */
export async function initialiseLedgerFields(client: DynamoDBClient, tableName: string, accountId: string): Promise<boolean> {
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: marshall(keys.account(accountId)),
        UpdateExpression: 'SET availableMicros = balanceMicros, liveCalls = :zero',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(availableMicros)',
        ExpressionAttributeValues: marshall({ ':zero': 0 }),
      }),
    );
    return true;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    // Either someone initialised it first, or the account does not exist.
    const result = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall(keys.account(accountId)), ConsistentRead: true, ProjectionExpression: 'pk' }));
    return Boolean(result.Item);
  }
}

/** The live side of a new account (functions/adapters/dynamodb/ledger-attributes.ts): nothing reserved, nothing live. */
const EMPTY_LEDGER_FIELDS = { availableMicros: 0, liveCalls: 0 };

/**
 * restrictedDestinations, knownCountries and confirmedCountries are stored as string sets so that concurrent writers can ADD and
 * DELETE members atomically; DynamoDB has no empty set, so empty ones are simply absent.
 */
export function toAccountItem(account: Account) {
  // The stored `policy` is the customer's own; the effective one is derived on every read.
  const { restrictedDestinations, knownCountries, confirmedCountries, customerPolicy, carrierPolicy, ...rest } = account;
  return marshall(
    {
      ...keys.account(account.accountId),
      entity: 'account',
      ...rest,
      policy: customerPolicy ?? account.policy,
      ...(carrierPolicy ? { carrierPolicy } : {}),
      ...(restrictedDestinations.length ? { restrictedDestinations: new Set(restrictedDestinations) } : {}),
      ...(knownCountries.length ? { knownCountries: new Set(knownCountries) } : {}),
      ...(confirmedCountries?.length ? { confirmedCountries: new Set(confirmedCountries) } : {}),
    },
    { removeUndefinedValues: true },
  );
}

/** The customer's policy, the carrier's, and the effective one; a copy at the same version lends its parsed ones. */
function policiesOf(item: Record<string, unknown>, sameVersion: Account | undefined): Pick<Account, 'policy' | 'customerPolicy' | 'carrierPolicy'> {
  if (sameVersion?.customerPolicy && sameVersion.carrierPolicy) {
    return { policy: sameVersion.policy, customerPolicy: sameVersion.customerPolicy, carrierPolicy: sameVersion.carrierPolicy };
  }
  const customerPolicy = accountPolicySchema.parse(item.policy ?? {});
  const carrierPolicy = carrierPolicySchema.parse(item.carrierPolicy ?? {});
  return { policy: effectivePolicy(customerPolicy, carrierPolicy), customerPolicy, carrierPolicy };
}

function stringList(value: unknown): string[] {
  if (value instanceof Set) return [...value].map(String).sort();
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * Parses a stored account; the policy goes through its schema so fields added later get their defaults. A copy of
 * the same account at the same version lends its parsed policy (every policy change moves the version).
 */
export function parseAccountItem(item: Record<string, unknown>, sameVersion?: Account): Account {
  // An unknown status must never read as active: refuse the record instead of deciding on a guess.
  const status = ACCOUNT_STATUSES.find((candidate) => candidate === item.status);
  if (!status) throw new Error(`account ${String(item.accountId)} has an unreadable status ${JSON.stringify(item.status)}`);
  return {
    accountId: String(item.accountId),
    name: String(item.name ?? ''),
    homeCountry: String(item.homeCountry),
    ...(typeof item.techPrefix === 'string' ? { techPrefix: item.techPrefix } : {}),
    sipUsernames: Array.isArray(item.sipUsernames) ? item.sipUsernames.map(String) : [],
    status,
    balanceMicros: Number(item.balanceMicros ?? 0),
    ...policiesOf(item, sameVersion && sameVersion.accountId === item.accountId && sameVersion.version === Number(item.version ?? 1) ? sameVersion : undefined),
    restrictedDestinations: stringList(item.restrictedDestinations),
    knownCountries: stringList(item.knownCountries),
    ...(item.confirmedCountries instanceof Set ? { confirmedCountries: stringList(item.confirmedCountries) } : {}),
    createdAt: String(item.createdAt ?? ''),
    version: Number(item.version ?? 1),
    ...(typeof item.openReviewId === 'string' ? { openReviewId: item.openReviewId } : {}),
  };
}
