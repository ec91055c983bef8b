/**
 * GET /v1/openapi.json (public): the OpenAPI 3.1 document of the contract (domain/contract/openapi.ts). It depends on
 * the code alone, so it is generated once, when the function loads, and served from memory as it was serialized.
 */
import { buildOpenApiDocument } from '../../domain/contract/openapi.js';
import { httpEndpoint } from '../shared/http.js';

const DOCUMENT = JSON.stringify(buildOpenApiDocument());

export const handler = httpEndpoint({ routes: ['GET /v1/openapi.json'] }, async () => ({
  status: 200,
  text: DOCUMENT,
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
}));
