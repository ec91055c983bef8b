/** How domain objects look on the wire: money in units (not micros), nothing internal. */
import type { Account } from '../../domain/accounts/account.js';
import { activeCalls, openReservationsMicros, type AccountLedger } from '../../domain/calls/ledger.js';
import { fromMicros } from '../../domain/shared/money.js';

/** The account; with its live side, what its calls in progress hold (expired reservations count as released). */
export function accountView(account: Account, ledger?: AccountLedger, nowMs: number = Date.now()) {
  const reservedMicros = ledger ? openReservationsMicros(ledger, nowMs) : undefined;
  return {
    accountId: account.accountId,
    name: account.name,
    homeCountry: account.homeCountry,
    techPrefix: account.techPrefix ?? null,
    sipUsernames: account.sipUsernames,
    status: account.status,
    balance: fromMicros(account.balanceMicros),
    ...(ledger && reservedMicros !== undefined
      ? { reserved: fromMicros(reservedMicros), available: fromMicros(account.balanceMicros - reservedMicros), liveCalls: activeCalls(ledger, nowMs).length }
      : {}),
    policy: account.policy,
    restrictedDestinations: account.restrictedDestinations,
    createdAt: account.createdAt,
    version: account.version,
    openReviewId: account.openReviewId ?? null,
  };
}
