/** The call-completed function's composition root: settlement (domain/calls/settle-call.ts) on the live-call store. */
import { makeSettleCall } from '../../domain/calls/settle-call.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeCallCompletedEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config, clock, logger } = runtime;
  return makeCallCompletedEndpoint({
    settleCall: makeSettleCall({
      store: new DynamoLiveCallStore(client, config.tableName),
      clock,
      detection: config.detection,
      reservationGraceSeconds: config.credit.reservationGraceSeconds,
    }),
    logger,
  });
}

export const handler = composedOnFirstCall(compose);
