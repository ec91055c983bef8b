/**
 * Which calls in progress must end now. The same answer drives the switch's interim updates (`stop`) and the
 * to-end list the switch pulls: a suspended account, a destination blocked or restricted since the call began, or
 * a balance that no longer covers what the live calls hold.
 */
import type { Account } from '../accounts/account.js';
import type { AccountLedger, LiveCall } from './ledger.js';

export const STOP_REASONS = ['ACCOUNT_SUSPENDED', 'DESTINATION_BLOCKED', 'DESTINATION_RESTRICTED', 'INSUFFICIENT_BALANCE'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

export function reasonToEnd(account: Account, ledger: AccountLedger, call: LiveCall): StopReason | null {
  if (account.status === 'suspended') return 'ACCOUNT_SUSPENDED';
  const { policy } = account;
  if (policy.blockedCountries.includes(call.country) || policy.blockedPrefixes.some((prefix) => call.digits.startsWith(prefix))) {
    return 'DESTINATION_BLOCKED';
  }
  if (account.restrictedDestinations.some((entry) => entry === call.country || call.digits.startsWith(entry))) return 'DESTINATION_RESTRICTED';
  // A charge beyond a call's reservation (a switch that ran past its grant) can leave less than nothing available.
  if (ledger.availableMicros < 0) return 'INSUFFICIENT_BALANCE';
  return null;
}
