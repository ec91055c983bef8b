/** The rate-deck function's composition root: the adapters its ports need, built once per process. */
import { ReferenceDataRepository } from '../adapters/dynamodb/reference-data-repository.js';
import { referenceDataOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeRateDeckEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeRateDeckEndpoint({
    referenceDataRepository: new ReferenceDataRepository(client, tableName),
    referenceData: referenceDataOf(runtime),
    clock: runtime.clock,
    ids: runtime.ids,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
