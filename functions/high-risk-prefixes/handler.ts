/** The high-risk-prefixes function's composition root: the adapters its ports need, built once per process. */
import { ReferenceDataRepository } from '../adapters/dynamodb/reference-data-repository.js';
import { referenceDataOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeHighRiskPrefixesEndpoint } from './endpoint.js';

export function compose(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return makeHighRiskPrefixesEndpoint({
    referenceDataRepository: new ReferenceDataRepository(client, tableName),
    referenceData: referenceDataOf(runtime),
    clock: runtime.clock,
    logger: runtime.logger,
  });
}

export const handler = composedOnFirstCall(compose);
