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
import { changedPolicyFields } from '../../../domain/accounts/policy-change.js';
import { isConditionalCheckFailed, keys } from './keys.js';
import { auditPut, outboxPut } from './outbox.js';
import { peerIndexPut } from './peer-index-repository.js';
import { transact } from './transactions.js';

export type CreateAccountOutcome =
  | { readonly kind: 'created'; readonly account: Account }
  | { readonly kind: 'conflict'; readonly field: 'accountId' | 'techPrefix' | 'sipUsernames'; readonly value: string };

export type UpdatePolicyOutcome =
  | { readonly kind: 'updated'; readonly account: Account; readonly before: AccountPolicy; readonly changedFields: readonly string[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'conflict' };

/** Who changes a policy, when, and the audit record's id (ids and time come from the caller's ports). */
export interface PolicyChangeContext {
  readonly actor: string;
  readonly at: string;
  readonly auditId: string;
}

const POLICY_WRITE_ATTEMPTS = 3;

/** For callers outside a request (demo data, scripts): the change is still audited, as the system's. */
function systemPolicyChange(): PolicyChangeContext {
  return { actor: 'system', at: new Date().toISOString(), auditId: randomUUID() };
}

export class AccountRepository {
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
            { Put: { TableName: this.tableName, Item: toAccountItem(account), ConditionExpression: notExists } },
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
   * Replaces the policy together with its audit record and its `Policy Changed` event (one transaction), so no
   * change goes unrecorded. `version` guards the before-image: a concurrent policy or status change makes the
   * transaction fail and the change is re-applied on the fresh account. Identical policies write nothing.
   */
  async replacePolicy(accountId: string, policy: AccountPolicy, change: PolicyChangeContext = systemPolicyChange()): Promise<UpdatePolicyOutcome> {
    for (let attempt = 1; attempt <= POLICY_WRITE_ATTEMPTS; attempt += 1) {
      const current = await this.get(accountId);
      if (!current) return { kind: 'not-found' };
      const changedFields = changedPolicyFields(current.policy, policy);
      if (changedFields.length === 0) return { kind: 'updated', before: current.policy, account: current, changedFields };
      const version = current.version + 1;
      const outcome = await transact(this.client, [
        {
          Update: {
            TableName: this.tableName,
            Key: marshall(keys.account(accountId)),
            UpdateExpression: 'SET #policy = :policy, #version = :next',
            ConditionExpression: '#version = :seen',
            ExpressionAttributeNames: { '#policy': 'policy', '#version': 'version' },
            ExpressionAttributeValues: marshall({ ':policy': policy, ':next': version, ':seen': current.version }),
          },
        },
        auditPut(this.tableName, { scope: accountId, id: change.auditId, at: change.at, actor: change.actor, action: 'policy.replaced', before: current.policy, after: policy }),
        outboxPut(this.tableName, 'Policy Changed', { eventId: `policy-changed:${accountId}:${version}`, occurredAt: change.at, accountId, changedBy: change.actor, changedFields, version }),
        peerIndexPut(this.tableName, accountId, policy.allowedIps),
      ]);
      if (outcome.ok) return { kind: 'updated', before: current.policy, account: { ...current, policy, version }, changedFields };
    }
    return { kind: 'conflict' };
  }

  /** Adds to the balance atomically (ADD), so concurrent credits and charges never lose an update. */
  async credit(accountId: string, amountMicros: number): Promise<Account | undefined> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.account(accountId)),
          UpdateExpression: 'ADD balanceMicros :amount',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: marshall({ ':amount': amountMicros }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return parseAccountItem(unmarshall(result.Attributes ?? {}));
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}

/**
 * restrictedDestinations and knownCountries are stored as string sets so that concurrent writers can ADD and
 * DELETE members atomically; DynamoDB has no empty set, so empty ones are simply absent.
 */
export function toAccountItem(account: Account) {
  const { restrictedDestinations, knownCountries, ...rest } = account;
  return marshall(
    {
      ...keys.account(account.accountId),
      entity: 'account',
      ...rest,
      ...(restrictedDestinations.length ? { restrictedDestinations: new Set(restrictedDestinations) } : {}),
      ...(knownCountries.length ? { knownCountries: new Set(knownCountries) } : {}),
    },
    { removeUndefinedValues: true },
  );
}

function stringList(value: unknown): string[] {
  if (value instanceof Set) return [...value].map(String).sort();
  return Array.isArray(value) ? value.map(String) : [];
}

/** Parses a stored account; the policy goes through its schema so fields added later get their defaults. */
export function parseAccountItem(item: Record<string, unknown>): Account {
  const status = ACCOUNT_STATUSES.find((candidate) => candidate === item.status) ?? 'active';
  return {
    accountId: String(item.accountId),
    name: String(item.name ?? ''),
    homeCountry: String(item.homeCountry),
    ...(typeof item.techPrefix === 'string' ? { techPrefix: item.techPrefix } : {}),
    sipUsernames: Array.isArray(item.sipUsernames) ? item.sipUsernames.map(String) : [],
    status,
    balanceMicros: Number(item.balanceMicros ?? 0),
    policy: accountPolicySchema.parse(item.policy ?? {}),
    restrictedDestinations: stringList(item.restrictedDestinations),
    knownCountries: stringList(item.knownCountries),
    createdAt: String(item.createdAt ?? ''),
    version: Number(item.version ?? 1),
    ...(typeof item.openReviewId === 'string' ? { openReviewId: item.openReviewId } : {}),
  };
}
