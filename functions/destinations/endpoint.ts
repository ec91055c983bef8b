/**
 * GET /v1/accounts/{accountId}/destinations: what Tollgate has learned of the account's destinations (lifetime
 * profile by country and prefix, attempts to unusual countries in the current and previous detection windows)
 * and what is blocked (the policy's own blocks and automatic restrictions).
 * DELETE /v1/accounts/{accountId}/blocked-destinations/{destination} (reviewer, admin): lifts an automatic
 * restriction, audited.
 */
import type { makeDescribeDestinations, makeUnblockDestination } from '../../domain/profiling/destinations.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';

export interface DestinationsPorts {
  readonly describeDestinations: ReturnType<typeof makeDescribeDestinations>;
  readonly unblockDestination: ReturnType<typeof makeUnblockDestination>;
  readonly logger: Logger;
}

export function makeDestinationsEndpoint(ports: DestinationsPorts) {
  return httpEndpoint({ routes: ['GET /v1/accounts/{accountId}/destinations', 'DELETE /v1/accounts/{accountId}/blocked-destinations/{destination}'] }, async ({ route, pathParameters, principal }) => {
    const accountId = pathParameters.accountId ?? '';
    if (route.method === 'GET') {
      const described = await ports.describeDestinations(accountId);
      if (!described) throw httpErrors.notFound(`account ${accountId} does not exist`);
      return { status: 200, body: described };
    }
    // Decoded once already, by API Gateway (or the local server); decoding again would turn `%2525` into an error.
    const destination = (pathParameters.destination ?? '').toUpperCase();
    const outcome = await ports.unblockDestination(accountId, destination, actorOf(principal));
    if (outcome.kind === 'account-not-found') throw httpErrors.notFound(`account ${accountId} does not exist`);
    if (outcome.kind === 'not-restricted') throw httpErrors.notFound(`${destination} is not automatically restricted for account ${accountId}`);
    ports.logger.info('destination unblocked', { accountId, destination, by: principal?.credentialId });
    return { status: 200, body: { accountId, unblocked: destination, restrictedDestinations: outcome.restrictedDestinations } };
  });
}
