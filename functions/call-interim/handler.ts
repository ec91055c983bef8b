/** The call-interim function's composition root: credit control (domain/calls/interim-update.ts) on the live-call store. */
import { makeInterimUpdate } from '../../domain/calls/interim-update.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeCallInterimEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config, clock, logger } = runtime;
  return makeCallInterimEndpoint({
    interimUpdate: makeInterimUpdate({
      store: new DynamoLiveCallStore(client, config.tableName),
      clock,
      credit: { ...config.credit, maxCallDurationSeconds: config.maxCallDurationSeconds, minimumBillableSeconds: config.minimumBillableSeconds },
      detection: config.detection,
    }),
    logger,
  });
}

export const handler = composedOnFirstCall(compose);
