/**
 * The OpenAPI 3.1 document of the HTTP contract, served at `GET /v1/openapi.json`. Generated, never written by hand:
 * 1. the operations from the route table (domain/contract/routes.ts): method, path, roles (`x-roles`, `security`);
 * 2. each operation's body, query and answers from the registry the HTTP edge validates with
 *    (domain/contract/http-schemas.ts), through zod's own JSON Schema output (`z.toJSONSchema`, draft 2020-12, the
 *    dialect of OpenAPI 3.1): request schemas as zod reads them (`io: 'input'`: a field with a default is optional),
 *    answers as the edge writes them;
 * 3. path parameters from domain/contract/path-parameters.ts, the schemas that parse them;
 * 4. the error answers each route may give, in the one error shape.
 */
import * as z from 'zod';
import { errorAnswerSchema, decisionReasonSchema, routeSchemasOf, type RouteSchemas } from './http-schemas.js';
import { isPathParameterName, PATH_PARAMETER_SCHEMAS, pathParameterNames } from './path-parameters.js';
import { ROUTES, type RouteDefinition } from './routes.js';

export const OPENAPI_VERSION = '3.1.0';
/** The contract's version (DESIGN.md, "Contract v1.1"). */
export const CONTRACT_VERSION = '1.1.0';

export type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & { readonly openapi: string; readonly paths: Record<string, Record<string, OpenApiOperation>> };
export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly 'x-roles': readonly string[];
  readonly security: ReadonlyArray<Record<string, readonly string[]>>;
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly in: 'path' | 'query'; readonly required: boolean; readonly schema: JsonSchema; readonly description?: string }>;
  readonly requestBody?: { readonly required: true; readonly content: Record<string, { readonly schema: JsonSchema; readonly examples?: unknown }> };
  readonly responses: Record<string, unknown>;
}

/** A zod schema as JSON Schema 2020-12, without the `$schema` line (the document's dialect already says it). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'INVALID_REQUEST: the body, query or path is invalid; `details` names each bad field.',
  401: 'UNAUTHORIZED: no valid bearer credential. (In AWS a request with no Authorization header at all is refused before Tollgate: by the front door with 403, or by API Gateway with `{ "message": "Unauthorized" }`.)',
  403: "FORBIDDEN: the credential's role may not call this route, or a customer credential names another account.",
  404: 'NOT_FOUND: what the path names does not exist.',
  409: 'CONFLICT: the state changed meanwhile, or the request conflicts with what exists; `message` says which.',
  413: 'PAYLOAD_TOO_LARGE: the body is larger than the route takes.',
  503: 'SERVICE_UNAVAILABLE: the database is unavailable (or credentials cannot be checked); retry shortly.',
};

/**
 * The error statuses a route may answer. Derived from what the HTTP edge does (functions/shared/http.ts) plus the
 * route's own (`errors` in its registry entry):
 * - 400 when it parses anything from the caller (a body, a query, a path parameter);
 * - 401 and 403 when it needs a credential; 503 too, as the credential or the data behind it may be unreachable,
 *   except for authorize, which answers its fail mode as a decision instead;
 * - 413 when it takes a body.
 */
export function errorStatusesOf(route: RouteDefinition, schemas: RouteSchemas): number[] {
  const statuses = new Set<number>(schemas.errors ?? []);
  const takesBody = route.method === 'POST' || route.method === 'PUT';
  if (takesBody || schemas.query || pathParameterNames(route.path).length > 0) statuses.add(400);
  if (route.access !== 'public') {
    statuses.add(401);
    statuses.add(403);
    if (route.functionName !== 'authorize') statuses.add(503);
  }
  if (takesBody) statuses.add(413);
  return [...statuses].sort((a, b) => a - b);
}

/** `GET /v1/accounts/{accountId}/calls` -> `getAccountsAccountIdCalls`: stable, unique per method and path. */
export function operationIdOf(route: RouteDefinition): string {
  const words = route.path
    .replace(/^\/v1\//, '/')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [route.method.toLowerCase(), ...words.map((word) => word.charAt(0).toUpperCase() + word.slice(1))].join('');
}

function rolesText(route: RouteDefinition): string {
  if (route.access === 'public') return 'Public: no credential.';
  const ownAccount = route.path.includes('{accountId}') && route.access.includes('customer') ? ' A customer credential reaches its own account only.' : '';
  return `Roles: ${route.access.join(', ')}.${ownAccount}`;
}

function operationOf(route: RouteDefinition): OpenApiOperation {
  const schemas = routeSchemasOf(route);
  if (!schemas) throw new Error(`${route.method} ${route.path} has no entry in domain/contract/http-schemas.ts (ROUTE_SCHEMAS)`);
  const pathParameters = pathParameterNames(route.path).map((name) => {
    if (!isPathParameterName(name)) throw new Error(`${route.method} ${route.path}: path parameter {${name}} has no schema in domain/contract/path-parameters.ts`);
    return { name, in: 'path' as const, required: true, schema: jsonSchemaOf(PATH_PARAMETER_SCHEMAS[name], 'input') };
  });
  const query = schemas.query ? jsonSchemaOf(schemas.query, 'input') : undefined;
  const queryRequired = new Set((query?.required as string[] | undefined) ?? []);
  const queryParameters = Object.entries((query?.properties as Record<string, JsonSchema> | undefined) ?? {}).map(([name, schema]) => ({
    name,
    in: 'query' as const,
    required: queryRequired.has(name),
    schema,
  }));
  const requestBody = schemas.body
    ? {
        required: true as const,
        content: { 'application/json': { schema: jsonSchemaOf(schemas.body, 'input'), ...(schemas.bodyExamples ? { examples: schemas.bodyExamples } : {}) } },
      }
    : schemas.rawBody
      ? { required: true as const, content: { [schemas.rawBody.contentType]: { schema: { type: 'string', description: schemas.rawBody.description } } } }
      : undefined;
  const limit = route.maxBodyBytes ? ` Takes a body of up to ${route.maxBodyBytes} bytes.` : '';

  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(schemas.responses)) {
    responses[status] = {
      description: answer.description,
      ...(answer.schema
        ? { content: { 'application/json': { schema: jsonSchemaOf(answer.schema, 'output'), ...(answer.examples ? { examples: answer.examples } : {}) } } }
        : {}),
    };
  }
  for (const status of errorStatusesOf(route, schemas)) responses[String(status)] = { $ref: `#/components/responses/Error${status}` };

  return {
    operationId: operationIdOf(route),
    summary: schemas.summary,
    description: `${schemas.summary} ${rolesText(route)}${limit}`,
    tags: [route.functionName],
    'x-roles': route.access === 'public' ? [] : route.access,
    security: route.access === 'public' ? [] : [{ bearer: [] }],
    parameters: [...pathParameters, ...queryParameters],
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** The document; the routes are the contract's unless a test passes others. */
export function buildOpenApiDocument(routes: readonly RouteDefinition[] = ROUTES): OpenApiDocument {
  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  for (const route of routes) {
    const operations = (paths[route.path] ??= {});
    operations[route.method.toLowerCase()] = operationOf(route);
  }
  const errorStatuses = [...new Set(routes.flatMap((route) => errorStatusesOf(route, routeSchemasOf(route) ?? { summary: '', responses: {} })))].sort((a, b) => a - b);
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Tollgate',
      version: CONTRACT_VERSION,
      summary: 'A call-fraud gate for VoIP carriers: it authorizes each outbound call before the switch places it.',
      description: [
        'Every route but `/health` and this document needs `Authorization: Bearer <token>`; each operation lists the roles allowed',
        '(`x-roles`). Every error answers `{ "error": { "code", "message", "details": [{ "field", "message" }] } }`.',
        'A denied call is not an error: `POST /v1/authorize` answers 200 with `decision: "deny"`, the reason and its SIP response.',
      ].join(' '),
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A credential issued by `POST /v1/credentials`; its role decides what it may call.' } },
      schemas: { Error: jsonSchemaOf(errorAnswerSchema, 'output'), DecisionReason: jsonSchemaOf(decisionReasonSchema, 'output') },
      responses: Object.fromEntries(
        errorStatuses.map((status) => [
          `Error${status}`,
          { description: ERROR_DESCRIPTIONS[status] ?? `Error ${status}.`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
}
