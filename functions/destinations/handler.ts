/** The destinations function's composition root: the learned profile and the lift of automatic restrictions. */
import { makeDescribeDestinations, makeUnblockDestination } from '../../domain/profiling/destinations.js';
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { DestinationProfileRepository } from '../adapters/dynamodb/destination-profile-repository.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeDestinationsEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config, clock, ids, logger } = runtime;
  const ports = {
    accounts: new AccountRepository(client, config.tableName),
    profiles: new DestinationProfileRepository(client, config.tableName),
    liveCalls: new DynamoLiveCallStore(client, config.tableName),
    windowMinutes: config.detection.windowMinutes,
    clock,
    ids,
  };
  return makeDestinationsEndpoint({ describeDestinations: makeDescribeDestinations(ports), unblockDestination: makeUnblockDestination(ports), logger });
}

export const handler = composedOnFirstCall(compose);
