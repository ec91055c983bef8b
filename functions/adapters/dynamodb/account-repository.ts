/** Accounts: one item per account holding identity, status, balance, policy and automatic restrictions. */
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
import type { AccountKey } from '../../../domain/policy/evaluate-call.js';
import { isConditionalCheckFailed, keys } from './keys.js';

export type CreateAccountOutcome =
  | { readonly kind: 'created'; readonly account: Account }
  | { readonly kind: 'conflict'; readonly field: 'accountId' | 'techPrefix' | 'sipUsernames'; readonly value: string };

export type UpdatePolicyOutcome = { readonly kind: 'updated'; readonly account: Account; readonly before: AccountPolicy } | { readonly kind: 'not-found' };

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

  async resolveAlias(key: AccountKey): Promise<string | undefined> {
    if (key.by === 'accountId') return key.value;
    const aliasKey = key.by === 'techPrefix' ? keys.techPrefixAlias(key.value) : keys.sipUsernameAlias(key.value);
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(aliasKey) }));
    const accountId = result.Item ? unmarshall(result.Item).accountId : undefined;
    return typeof accountId === 'string' ? accountId : undefined;
  }

  /** Replaces the policy; `version` guards against two writers overwriting each other silently. */
  async replacePolicy(accountId: string, policy: AccountPolicy): Promise<UpdatePolicyOutcome> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(keys.account(accountId)),
          UpdateExpression: 'SET #policy = :policy ADD #version :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#policy': 'policy', '#version': 'version' },
          ExpressionAttributeValues: marshall({ ':policy': policy, ':one': 1 }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      const before = parseAccountItem(unmarshall(result.Attributes ?? {}));
      return { kind: 'updated', before: before.policy, account: { ...before, policy, version: before.version + 1 } };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return { kind: 'not-found' };
      throw error;
    }
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

export function toAccountItem(account: Account) {
  return marshall({ ...keys.account(account.accountId), entity: 'account', ...account }, { removeUndefinedValues: true });
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
    restrictedDestinations: Array.isArray(item.restrictedDestinations) ? item.restrictedDestinations.map(String) : [],
    createdAt: String(item.createdAt ?? ''),
    version: Number(item.version ?? 1),
  };
}
