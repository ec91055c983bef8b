/**
 * What the account use cases need of storage, owned here so an endpoint or a use case names the methods it calls
 * (e.g. `Pick<AccountStore, 'get'>`) and a test can hand it an in-memory account book.
 */
import type { Account, AccountPolicy, AccountStatus, NewAccount } from './account.js';
import type { CarrierPolicy } from './carrier-policy.js';

export type CreateAccountOutcome =
  | { readonly kind: 'created'; readonly account: Account }
  | { readonly kind: 'conflict'; readonly field: 'accountId' | 'techPrefix' | 'sipUsernames'; readonly value: string };

export type UpdatePolicyOutcome =
  | { readonly kind: 'updated'; readonly account: Account; readonly before: AccountPolicy; readonly changedFields: readonly string[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'conflict' };

export type ReplaceCarrierPolicyOutcome =
  | { readonly kind: 'updated'; readonly account: Account; readonly changedFields: readonly string[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'conflict' };

export type ChangeStatusOutcome =
  | { readonly kind: 'changed'; readonly before: AccountStatus; readonly account: Account }
  | { readonly kind: 'unchanged'; readonly account: Account }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'conflict' };

/** Who changes a policy, when, and the audit record's id (ids and time come from the caller's ports). */
export interface PolicyChangeContext {
  readonly actor: string;
  readonly at: string;
  readonly auditId: string;
}

/** One page of account ids, in id order, from the admin listing (`GET /v1/accounts`). */
export interface AccountIdPage {
  readonly accountIds: readonly string[];
  readonly nextCursor: string | null;
}

/** The admin listing of accounts: every account by id, searchable by the start of its id, without a Scan. */
export interface AccountDirectory {
  /** `prefix` keeps the ids that start with it; `cursor` is a previous page's `nextCursor` for the same prefix. */
  listIds(query: { readonly limit: number; readonly cursor?: string; readonly prefix?: string }): Promise<AccountIdPage>;
}

/** Every change is audited and emits its event in the same write (the adapter's transaction). */
export interface AccountStore {
  create(input: NewAccount, createdAt: string): Promise<CreateAccountOutcome>;
  get(accountId: string): Promise<Account | undefined>;
  replacePolicy(accountId: string, policy: AccountPolicy, change: PolicyChangeContext): Promise<UpdatePolicyOutcome>;
  replaceCarrierPolicy(accountId: string, carrierPolicy: CarrierPolicy, change: PolicyChangeContext): Promise<ReplaceCarrierPolicyOutcome>;
  /** Adds (or, negative, takes) an amount to the balance atomically; undefined when the account does not exist. */
  credit(accountId: string, amountMicros: number): Promise<Account | undefined>;
  changeStatus(accountId: string, to: 'active' | 'suspended', change: PolicyChangeContext & { readonly note: string }): Promise<ChangeStatusOutcome>;
}
