/**
 * The HTTP edge shared by every API handler: one middy stack that authenticates the caller, checks the route's
 * roles and account ownership, parses and validates input with zod, and turns every failure into the contract's
 * error shape `{ error: { code, message, details } }`. Only HttpErrors reach the caller as they are; anything
 * else is logged with context and answered as a 500 without internals. In Lambda the same stack adds the logger's
 * Lambda context, the X-Ray handler subsegment and the EMF metrics of every request (./observability.ts).
 */
import { fieldProblems, type FieldProblem } from '../../domain/contract/field-problems.js';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { routeKeyOf, routeSchemasOf, type BodyOf, type QueryOf, type RouteKey, type RouteSchemas } from '../../domain/contract/http-schemas.js';
import { isPathParameterName, PATH_PARAMETER_SCHEMAS, pathParameterNames } from '../../domain/contract/path-parameters.js';
import { ROLES, ROUTES, type RouteDefinition } from '../../domain/contract/routes.js';
import { mayActOnAccount, type Principal } from '../../domain/credentials/credential.js';
import { readConfig } from './config.js';
import { getLogger, type Logger } from './logger.js';
import { observeEndpoint, traceError } from './observability.js';
import { InvalidCursorError } from '../../domain/shared/page.js';
import { isUnavailable, UNVERIFIED_ROLE } from './unavailable.js';

export type { FieldProblem } from '../../domain/contract/field-problems.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** Declared in the domain with the registry's other schemas; re-exported for the listings that import it from here. */
export { pageQueryFields, pageQuerySchema } from '../../domain/shared/page.js';

export const httpErrors = {
  badRequest: (message: string, details: readonly FieldProblem[] = []) => new HttpError(400, 'INVALID_REQUEST', message, details),
  unauthorized: () => new HttpError(401, 'UNAUTHORIZED', 'a valid bearer credential is required (Authorization: Bearer <token>)'),
  forbidden: (message: string) => new HttpError(403, 'FORBIDDEN', message),
  notFound: (message: string) => new HttpError(404, 'NOT_FOUND', message),
  conflict: (message: string, details: readonly FieldProblem[] = []) => new HttpError(409, 'CONFLICT', message, details),
  unavailable: (message: string) => new HttpError(503, 'SERVICE_UNAVAILABLE', message),
  payloadTooLarge: (maxBytes: number) =>
    new HttpError(413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${maxBytes} bytes`, [{ field: 'body', message: `must be at most ${maxBytes} bytes` }]),
};

/** The authorizer's context as API Gateway (HTTP API, simple responses) passes it to the integration. */
export type ApiEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & { authorizer?: { lambda?: Record<string, unknown> } };
};

export interface ParsedRequest<TBody, TQuery> {
  readonly body: TBody;
  readonly query: TQuery;
  readonly rawBody: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly principal: Principal | undefined;
  readonly route: RouteDefinition;
  readonly event: ApiEvent;
}

export interface JsonResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Plain text instead of JSON (e.g. the ban list for ipset). */
  readonly text?: string;
}

export interface EndpointOptions<K extends RouteKey> {
  /**
   * The routes this endpoint serves, by their key in domain/contract/http-schemas.ts (ROUTE_SCHEMAS): each request is
   * validated with its route's entry there (the schemas the OpenAPI document is generated from), and `body` and
   * `query` are typed from them. An endpoint has no schema of its own: a new body or query is a registry entry.
   */
  readonly routes: readonly K[];
  readonly logger?: Logger;
}

/** A route's body limit: its own for bulk uploads (declared in the route table), `TOLLGATE_MAX_BODY_BYTES` otherwise. */
export function bodyLimitOf(route: RouteDefinition, configuredMaxBodyBytes: number): number {
  return route.maxBodyBytes ?? configuredMaxBodyBytes;
}

let processMaxBodyBytes: number | undefined;

/**
 * `TOLLGATE_MAX_BODY_BYTES` of this process, read once: in AWS each function's environment is its configuration.
 * The local stack's server applies the stack's own configuration before a handler runs (functions/local/server.ts),
 * so locally the stricter of the two holds.
 */
function configuredMaxBodyBytes(): number {
  processMaxBodyBytes ??= readConfig().maxBodyBytes;
  return processMaxBodyBytes;
}

export type ApiHandler = (event: ApiEvent, context: Context) => Promise<APIGatewayProxyResultV2>;

/** An API handler, with the routes it serves (the local stack checks them against the route table). */
export type RoutedApiHandler = ApiHandler & { readonly routeKeys: readonly RouteKey[] };

export function httpEndpoint<K extends RouteKey>(
  options: EndpointOptions<K>,
  serve: (request: ParsedRequest<BodyOf<K>, QueryOf<K>>) => Promise<JsonResult>,
): RoutedApiHandler {
  const unknown = options.routes.filter((key) => !ROUTES.some((route) => routeKeyOf(route) === key));
  if (unknown.length > 0) throw new Error(`httpEndpoint: ${unknown.join(', ')} is not a route of domain/contract/routes.ts`);
  const logger = options.logger ?? getLogger();
  const observed = observeEndpoint({ logger });
  const handler = middy<ApiEvent, APIGatewayProxyResultV2>();
  for (const middleware of observed.middlewares) handler.use(middleware);
  handler
    .use({
      // What escapes the handler below (a middleware's own failure) still gets the contract's error shape.
      onError: async (request) => {
        request.response = errorResponse(request.error, request.event, logger);
      },
    })
    .handler(async (event) => {
      // Errors are answered here rather than in onError, so that the tracer and the metrics see an answer, and a
      // 4xx is not recorded as a fault of the function.
      try {
        const route = findRoute(event);
        const principal = authenticate(event, route);
        const pathParameters = parsePathParameters(route, event.pathParameters);
        if (principal && pathParameters.accountId && !mayActOnAccount(principal, pathParameters.accountId)) {
          throw httpErrors.forbidden('this credential may act on its own account only');
        }
        const schemas = schemasServed(route, options.routes);
        const rawBody = readBody(event, bodyLimitOf(route, configuredMaxBodyBytes()));
        const body = (schemas.body ? validate(schemas.body, parseJson(rawBody), 'body') : undefined) as BodyOf<K>;
        const query = (schemas.query ? validate(schemas.query, event.queryStringParameters ?? {}, 'query') : {}) as QueryOf<K>;
        return toResponse(await serve({ body, query, rawBody, pathParameters, principal, route, event }));
      } catch (error) {
        const response = errorResponse(error, event, logger);
        if (response.statusCode >= 500) traceError(error);
        return response;
      }
    });
  const run: ApiHandler = (event, context) => observed.run(event.routeKey, () => handler(event, context));
  return Object.assign(run, { routeKeys: options.routes });
}

/**
 * The registry entry the request is validated with. A route this endpoint does not declare, or one without an entry,
 * is a wiring mistake (the route table and the registry drifted): a 500, logged, never an unvalidated request.
 */
function schemasServed(route: RouteDefinition, served: readonly RouteKey[]): RouteSchemas {
  const key = routeKeyOf(route);
  const schemas = routeSchemasOf(route);
  if (!schemas || !(served as readonly string[]).includes(key)) {
    throw new Error(`${key} is served by an endpoint that does not declare it, or has no entry in domain/contract/http-schemas.ts`);
  }
  return schemas;
}

function findRoute(event: ApiEvent): RouteDefinition {
  const route = ROUTES.find((candidate) => `${candidate.method} ${candidate.path}` === event.routeKey);
  if (!route) throw httpErrors.notFound(`no route ${event.routeKey}`);
  return route;
}

function authenticate(event: ApiEvent, route: RouteDefinition): Principal | undefined {
  if (route.access === 'public') return undefined;
  const context = event.requestContext.authorizer?.lambda;
  if (context?.role === UNVERIFIED_ROLE) {
    // The database is down and this credential was never seen: authorize answers its fail-mode refusal, the rest 503.
    if (route.functionName === 'authorize') return { role: 'switch', credentialId: 'unverified', unverified: true };
    throw httpErrors.unavailable('credentials cannot be checked while the database is unavailable; retry shortly');
  }
  const role = ROLES.find((candidate) => candidate === context?.role);
  if (!context || !role) throw httpErrors.unauthorized();
  if (!route.access.includes(role)) throw httpErrors.forbidden(`the ${role} role may not call ${route.method} ${route.path}`);
  return {
    role,
    credentialId: String(context.credentialId ?? ''),
    ...(typeof context.accountId === 'string' && context.accountId ? { accountId: context.accountId } : {}),
    ...(context.verifiedEarlier === 'true' ? { verifiedEarlier: true } : {}),
  };
}


/**
 * Path parameters arrive decoded once (by API Gateway, or the local server standing in for it); each is parsed with
 * its one schema from domain/contract/path-parameters.ts. A route naming a parameter without a schema is a
 * programming error, caught by a test over the whole route table.
 */
function parsePathParameters(route: RouteDefinition, raw: ApiEvent['pathParameters']): Readonly<Record<string, string>> {
  const parsed: Record<string, string> = {};
  const problems: FieldProblem[] = [];
  for (const name of pathParameterNames(route.path)) {
    if (!isPathParameterName(name)) throw new Error(`${route.method} ${route.path}: path parameter {${name}} has no schema in domain/contract/path-parameters.ts`);
    const value = raw?.[name];
    const result = PATH_PARAMETER_SCHEMAS[name].safeParse(value);
    if (result.success) parsed[name] = result.data;
    else problems.push({ field: name, message: value === undefined ? 'is required' : (result.error.issues[0]?.message ?? 'is invalid') });
  }
  if (problems.length > 0) throw httpErrors.badRequest('the request path is invalid', problems);
  return parsed;
}

function readBody(event: ApiEvent, maxBytes: number): string {
  if (!event.body) return '';
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw httpErrors.payloadTooLarge(maxBytes);
  return text;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') throw httpErrors.badRequest('a JSON body is required', [{ field: 'body', message: 'is required' }]);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw httpErrors.badRequest('the body is not valid JSON', [{ field: 'body', message: (error as Error).message }]);
  }
}

export function validate<T>(schema: z.ZodType<T>, input: unknown, where: 'body' | 'query'): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw httpErrors.badRequest(`the request ${where} is invalid`, fieldProblems(result.error, input, where));
}


function toResponse(result: JsonResult): APIGatewayProxyStructuredResultV2 & { statusCode: number } {
  if (result.text !== undefined) {
    return { statusCode: result.status, headers: { 'content-type': 'text/plain; charset=utf-8', ...result.headers }, body: result.text };
  }
  return {
    statusCode: result.status,
    headers: { 'content-type': 'application/json', ...result.headers },
    body: result.body === undefined ? '' : JSON.stringify(result.body),
  };
}

function errorResponse(error: unknown, event: ApiEvent | undefined, logger: Logger): APIGatewayProxyStructuredResultV2 & { statusCode: number } {
  if (error instanceof HttpError) {
    return toResponse({ status: error.status, body: { error: { code: error.code, message: error.message, details: error.details } } });
  }
  if (error instanceof InvalidCursorError) {
    // A listing's cursor that it did not hand out: the caller's mistake, named like any other bad query field.
    return errorResponse(httpErrors.badRequest('the request query is invalid', [{ field: 'cursor', message: error.message }]), event, logger);
  }
  if (isUnavailable(error)) {
    logger.warn('dependency unavailable', { error: error instanceof Error ? { name: error.name, message: error.message } : String(error), routeKey: event?.routeKey, requestId: event?.requestContext?.requestId });
    return toResponse({ status: 503, headers: { 'retry-after': '1' }, body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'the database is unavailable; retry shortly', details: [] } } });
  }
  logger.error('unhandled error', { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error), routeKey: event?.routeKey, requestId: event?.requestContext?.requestId });
  return toResponse({ status: 500, body: { error: { code: 'INTERNAL', message: 'an internal error occurred; it has been logged', details: [] } } });
}


