/**
 * GET /v1/accounts (admin): accounts in id order, a page at a time, optionally those whose id starts with a search
 * prefix; each with its status, balance, reservations and policy as GET /v1/accounts/{id} shows it.
 */
import type { LiveCallStore } from '../calls/ports.js';
import type { AccountSnapshot } from '../policy/authorize-call.js';
import type { AccountDirectory } from './ports.js';

export interface ListAccountsPorts {
  readonly directory: AccountDirectory;
  readonly liveCalls: Pick<LiveCallStore, 'readAccounts'>;
}

export interface ListAccountsQuery {
  readonly limit: number;
  readonly cursor?: string | undefined;
  readonly search?: string | undefined;
}

export interface AccountsPage {
  readonly accounts: readonly AccountSnapshot[];
  readonly nextCursor: string | null;
}

export function makeListAccounts(ports: ListAccountsPorts) {
  return async function listAccounts(query: ListAccountsQuery): Promise<AccountsPage> {
    const page = await ports.directory.listIds({
      limit: query.limit,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      ...(query.search ? { prefix: query.search } : {}),
    });
    if (page.accountIds.length === 0) return { accounts: [], nextCursor: page.nextCursor };
    // One batch read for the page; kept in the listing's order. An id whose account is gone is left out.
    const snapshots = new Map((await ports.liveCalls.readAccounts(page.accountIds)).map((snapshot) => [snapshot.account.accountId, snapshot]));
    const accounts = page.accountIds.flatMap((accountId) => {
      const snapshot = snapshots.get(accountId);
      return snapshot ? [snapshot] : [];
    });
    return { accounts, nextCursor: page.nextCursor };
  };
}
