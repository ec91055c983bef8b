/**
 * Which calls in progress must end now. The same answer drives the switch's interim updates (`stop`) and the
 * to-end list the switch pulls: a suspended account, a destination blocked or restricted since the call began, or
 * a balance that no longer covers what the live calls hold.
 */
import type { Account } from '../accounts/account.js';
import type { Destination } from '../policy/decision.js';
import type { AccountLedger } from './ledger.js';

export const STOP_REASONS = ['ACCOUNT_SUSPENDED', 'DESTINATION_BLOCKED', 'DESTINATION_RESTRICTED', 'INSUFFICIENT_BALANCE'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/** Why a live call to `destination` must end now, or null. */
export function reasonToEnd(account: Account, ledger: AccountLedger, destination: Pick<Destination, 'country' | 'e164'>): StopReason | null {
  if (account.status === 'suspended') return 'ACCOUNT_SUSPENDED';
  const { policy } = account;
  const digits = destination.e164.replace(/^\+/, '');
  if (policy.blockedCountries.includes(destination.country) || policy.blockedPrefixes.some((prefix) => digits.startsWith(prefix))) {
    return 'DESTINATION_BLOCKED';
  }
  if (account.restrictedDestinations.some((entry) => entry === destination.country || digits.startsWith(entry))) return 'DESTINATION_RESTRICTED';
  // A charge beyond a call's reservation (a switch that ran past its grant) can leave less than nothing available.
  if (ledger.availableMicros < 0) return 'INSUFFICIENT_BALANCE';
  return null;
}
