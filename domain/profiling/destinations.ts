/**
 * What Tollgate has learned of an account's destinations (lifetime profile by country and prefix, attempts to
 * unusual countries in the current and previous detection windows) and what is blocked; and the reviewer's lift of
 * an automatic restriction, audited.
 */
import type { AccountStore } from '../accounts/ports.js';
import type { LiveCallStore } from '../calls/ports.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import { windowIndex } from './destination-detection.js';
import type { DestinationProfiles } from './ports.js';

export interface DestinationsPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly profiles: DestinationProfiles;
  readonly liveCalls: Pick<LiveCallStore, 'readAccount'>;
  readonly windowMinutes: number;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export function makeDescribeDestinations(ports: DestinationsPorts) {
  /** Undefined when the account does not exist. */
  return async function describeDestinations(accountId: string) {
    const [account, rows, snapshot] = await Promise.all([ports.accounts.get(accountId), ports.profiles.profile(accountId), ports.liveCalls.readAccount(accountId)]);
    if (!account) return undefined;
    const current = windowIndex(ports.clock.now().getTime(), ports.windowMinutes);
    const attempts = (window: number) => ({ ...snapshot?.ledger.unusualByWindow[window]?.byCountry });
    const byCompletedCalls = (dimension: 'country' | 'prefix') => rows.filter((row) => row.dimension === dimension).sort((a, b) => b.completedCalls - a.completedCalls);
    return {
      accountId,
      homeCountry: account.homeCountry,
      knownCountries: account.knownCountries,
      confirmedCountries: account.confirmedCountries ?? [],
      restrictedDestinations: account.restrictedDestinations,
      blockedCountries: account.policy.blockedCountries,
      blockedPrefixes: account.policy.blockedPrefixes,
      countries: byCompletedCalls('country'),
      prefixes: byCompletedCalls('prefix'),
      unusualAttempts: { windowMinutes: ports.windowMinutes, currentWindow: attempts(current), previousWindow: attempts(current - 1) },
    };
  };
}

/**
 * What lifting automatic restrictions records besides: a country a reviewer unblocks becomes known for the account
 * (so the same burst does not restrict it again); a prefix does not. Shared by the unblock of one destination and the
 * reset of all of them (domain/accounts/reset-account.ts).
 */
export function liftRestrictions(restricted: readonly string[], lifting: readonly string[]) {
  const lifted = new Set(lifting);
  return {
    remaining: restricted.filter((entry) => !lifted.has(entry)),
    knownCountries: lifting.filter(isCountryDestination),
  };
}

/** A restriction names a country (`FR`) or a dialled prefix (digits). */
export function isCountryDestination(destination: string): boolean {
  return /^[A-Z]{2}$/.test(destination);
}

export type UnblockOutcome =
  | { readonly kind: 'unblocked'; readonly restrictedDestinations: readonly string[] }
  | { readonly kind: 'account-not-found' }
  | { readonly kind: 'not-restricted' };

export function makeUnblockDestination(ports: Pick<DestinationsPorts, 'accounts' | 'profiles' | 'clock' | 'ids'>) {
  /** `destination` is a country (`FR`) or a prefix an automatic restriction named. */
  return async function unblockDestination(accountId: string, destination: string, actor: string): Promise<UnblockOutcome> {
    const account = await ports.accounts.get(accountId);
    if (!account) return { kind: 'account-not-found' };
    const { remaining } = liftRestrictions(account.restrictedDestinations, [destination]);
    const lifted = await ports.profiles.unblock(accountId, destination, {
      scope: accountId,
      id: ports.ids.newId(),
      at: ports.clock.now().toISOString(),
      actor,
      action: 'destination.unblock',
      before: { restrictedDestinations: account.restrictedDestinations },
      after: { restrictedDestinations: remaining },
    });
    return lifted ? { kind: 'unblocked', restrictedDestinations: remaining } : { kind: 'not-restricted' };
  };
}
