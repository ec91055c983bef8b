/**
 * GET /v1/accounts/{accountId}/destinations: what Tollgate has learned of the account's destinations (lifetime
 * profile by country and prefix, attempts to unusual countries in the current and previous detection windows)
 * and what is blocked (the policy's own blocks and automatic restrictions).
 * DELETE /v1/accounts/{accountId}/blocked-destinations/{destination} (reviewer, admin): lifts an automatic
 * restriction, audited.
 */
import { windowIndex } from '../../domain/profiling/destination-detection.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { RuntimeConfig } from '../shared/config.js';
import type { LiveCallStore } from '../../domain/calls/ports.js';
import type { DestinationProfiles } from '../../domain/profiling/ports.js';

export interface DestinationsPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly profiles: DestinationProfiles;
  readonly liveCalls: Pick<LiveCallStore, 'readAccount'>;
  readonly config: Pick<RuntimeConfig, 'detection'>;
  readonly clock: Runtime['clock'];
  readonly ids: Runtime['ids'];
  readonly logger: Runtime['logger'];
}

export function makeDestinationsEndpoint(ports: DestinationsPorts) {
  return httpEndpoint({}, async ({ route, pathParameters, principal }) => {
    const accountId = pathParameters.accountId ?? '';
    const account = await ports.accounts.get(accountId);
    if (!account) throw httpErrors.notFound(`account ${accountId} does not exist`);

    if (route.method === 'DELETE') {
      // Decoded once already, by API Gateway (or the local server); decoding again would turn `%2525` into an error.
      const destination = (pathParameters.destination ?? '').toUpperCase();
      const now = ports.clock.now().toISOString();
      const lifted = await ports.profiles.unblock(accountId, destination, {
        scope: accountId,
        id: ports.ids.newId(),
        at: now,
        actor: `${principal?.role ?? 'unknown'}:${principal?.credentialId ?? 'unknown'}`,
        action: 'destination.unblock',
        before: { restrictedDestinations: account.restrictedDestinations },
        after: { restrictedDestinations: account.restrictedDestinations.filter((entry) => entry !== destination) },
      });
      if (!lifted) throw httpErrors.notFound(`${destination} is not automatically restricted for account ${accountId}`);
      ports.logger.info('destination unblocked', { accountId, destination, by: principal?.credentialId });
      return { status: 200, body: { accountId, unblocked: destination, restrictedDestinations: account.restrictedDestinations.filter((entry) => entry !== destination) } };
    }

    const windowMinutes = ports.config.detection.windowMinutes;
    const current = windowIndex(ports.clock.now().getTime(), windowMinutes);
    const [rows, snapshot] = await Promise.all([ports.profiles.profile(accountId), ports.liveCalls.readAccount(accountId)]);
    const attempts = (window: number) => ({ ...snapshot?.ledger.unusualByWindow[window]?.byCountry });
    return {
      status: 200,
      body: {
        accountId,
        homeCountry: account.homeCountry,
        knownCountries: account.knownCountries,
        restrictedDestinations: account.restrictedDestinations,
        blockedCountries: account.policy.blockedCountries,
        blockedPrefixes: account.policy.blockedPrefixes,
        countries: rows.filter((row) => row.dimension === 'country').sort((a, b) => b.completedCalls - a.completedCalls),
        prefixes: rows.filter((row) => row.dimension === 'prefix').sort((a, b) => b.completedCalls - a.completedCalls),
        unusualAttempts: { windowMinutes, currentWindow: attempts(current), previousWindow: attempts(current - 1) },
      },
    };
  });
}

