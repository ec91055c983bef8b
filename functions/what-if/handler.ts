/** The what-if function's composition root: read-only adapters (account, decisions, peer index) and the reference data. */
import { makeWhatIf } from '../../domain/policy/run-what-if.js';
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { DecisionHistoryRepository } from '../adapters/dynamodb/decision-history.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { PeerIndexRepository } from '../adapters/dynamodb/peer-index-repository.js';
import { referenceDataOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeWhatIfEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config, logger } = runtime;
  const peers = new PeerIndexRepository(client, config.tableName);
  const whatIf = makeWhatIf({
    accounts: new AccountRepository(client, config.tableName),
    history: new DecisionHistoryRepository(client, config.tableName, new DynamoLiveCallStore(client, config.tableName)),
    // Every account has its entry in the peer index: the one listing of all accounts that needs no Scan.
    directory: { accountIds: async () => (await peers.readAll()).map((entry) => entry.accountId) },
    referenceData: referenceDataOf(runtime),
    settings: {
      sipResponses: config.sipResponses,
      maxCallDurationSeconds: config.maxCallDurationSeconds,
      minimumBillableSeconds: config.minimumBillableSeconds,
      detection: config.detection,
      ...config.credit,
    },
  });
  return makeWhatIfEndpoint({ whatIf, logger });
}

export const handler = composedOnFirstCall(compose);
