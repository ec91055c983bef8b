/** How domain objects look on the wire: money in units (not micros), nothing internal. */
import type { Account } from '../../domain/accounts/account.js';
import { fromMicros } from '../../domain/shared/money.js';

export function accountView(account: Account) {
  return {
    accountId: account.accountId,
    name: account.name,
    homeCountry: account.homeCountry,
    techPrefix: account.techPrefix ?? null,
    sipUsernames: account.sipUsernames,
    status: account.status,
    balance: fromMicros(account.balanceMicros),
    policy: account.policy,
    restrictedDestinations: account.restrictedDestinations,
    createdAt: account.createdAt,
    version: account.version,
    openReviewId: account.openReviewId ?? null,
  };
}
