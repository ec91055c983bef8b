/** The policy function's composition root: read and replace an account's own policy. */
import { makeChangePolicy } from '../../domain/accounts/change-policy.js';
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makePolicyEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config, clock, ids, logger } = runtime;
  const accounts = new AccountRepository(client, config.tableName);
  const changePolicy = makeChangePolicy({
    accounts,
    webhookRules: { allowPrivateTargets: config.webhookAllowPrivateHosts, requireHttps: config.webhookRequireHttps },
    detection: config.detection,
    clock,
    ids,
  });
  return makePolicyEndpoint({ changePolicy, accounts, logger });
}

export const handler = composedOnFirstCall(compose);
