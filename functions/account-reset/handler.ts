/** The account-reset function's composition root: the reset use case on the account item, its audit and its event. */
import { makeResetAccount } from '../../domain/accounts/reset-account.js';
import { AccountResetRepository } from '../adapters/dynamodb/account-reset-repository.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeAccountResetEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName }, clock, ids, logger } = runtime;
  return makeAccountResetEndpoint({ resetAccount: makeResetAccount({ store: new AccountResetRepository(client, tableName), clock, ids }), logger });
}

export const handler = composedOnFirstCall(compose);
