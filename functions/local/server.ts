/**
 * The local stand-in for API Gateway (HTTP API, payload 2.0): matches the contract's routes, runs the same
 * Lambda authorizer (with the same cache TTL) and hands the same event shape to the same handlers.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';
import { ROUTES, type RouteDefinition } from '../../domain/contract/routes.js';
import type { CredentialRepository } from '../adapters/dynamodb/credential-repository.js';
import { principalContext, VerifiedCredentials } from '../authorizer/principal.js';
import { asFunction } from './table-access-guard.js';
import { bodyLimitOf, type ApiEvent } from '../shared/http.js';
import { UNVERIFIED_ROLE } from '../shared/unavailable.js';
import type { Runtime } from '../shared/runtime.js';
import { buildHttpHandlers } from './handlers.js';
import { consoleAnswer, isConsolePath } from '../console/assets.js';

/** Where `npm run build:console` puts the console (scripts/build-console.ts). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/console', import.meta.url));

const MAX_CACHED_AUTHORIZATIONS = 10_000;

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly parameterNames: string[];
}

export interface LocalServerOptions {
  /** Like API Gateway's authorizer cache TTL; at most CREDENTIAL_REVOCATION_SECONDS for revocation to hold. */
  readonly authorizerCacheMs: number;
  /** The authorizer's own repository: in AWS it is a separate function with its own client. */
  readonly authorizerCredentials: CredentialRepository;
  /** The built console served at /console/ (default dist/console). */
  readonly consoleDir?: string;
}

export function createLocalServer(runtime: Runtime, options: LocalServerOptions): Server {
  // Every function of the contract is composed here (the record is complete by type): no route goes unserved.
  const handlers = buildHttpHandlers(runtime);
  const routes = ROUTES.map(compileRoute);
  const authorizerCache = new Map<string, { context: Record<string, string>; expires: number }>();

  const verifiedCredentials = new VerifiedCredentials();

  async function authorizerContext(authorization: string | undefined): Promise<Record<string, string>> {
    const cacheKey = authorization ?? '';
    const cached = authorizerCache.get(cacheKey);
    if (cached && cached.expires > Date.now()) return cached.context;
    const context = await asFunction('authorizer', () => principalContext(options.authorizerCredentials, authorization, runtime.clock.now(), verifiedCredentials, runtime.config.credentialLookupBudgetMs));
    // An answer given while the database was unavailable is not kept: the next request asks again.
    if (options.authorizerCacheMs > 0 && context.role !== UNVERIFIED_ROLE && context.verifiedEarlier !== 'true') {
      // Random tokens must not grow the cache without bound; an emptied cache only costs lookups.
      if (authorizerCache.size >= MAX_CACHED_AUTHORIZATIONS) authorizerCache.clear();
      authorizerCache.set(cacheKey, { context, expires: Date.now() + options.authorizerCacheMs });
    }
    return context;
  }

  return createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      runtime.logger.error('local server failure', { error: String(error) });
      if (!response.headersSent) sendJson(response, 500, { error: { code: 'INTERNAL', message: 'internal error', details: [] } });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request.url);
    if (!url) {
      request.resume();
      return sendJson(response, 400, { error: { code: 'INVALID_REQUEST', message: 'the request target is not a path', details: [{ field: 'path', message: 'must start with "/"' }] } });
    }
    const method = (request.method ?? 'GET').toUpperCase();
    // The console's static files, as the console Lambda answers them behind the HTTP API in AWS.
    if (isConsolePath(url.pathname)) {
      request.resume();
      const answer = consoleAnswer(options.consoleDir ?? DEFAULT_CONSOLE_DIR, url.pathname, method);
      response.writeHead(answer.statusCode, answer.headers);
      response.end(method === 'HEAD' ? '' : answer.body);
      return;
    }
    const pathMatches = routes.filter((candidate) => candidate.pattern.test(url.pathname));
    const matched = pathMatches.find((candidate) => candidate.route.method === method);
    if (!matched) {
      const status = pathMatches.length > 0 ? 405 : 404;
      const message = status === 405 ? `${method} is not allowed on ${url.pathname}` : `no route ${method} ${url.pathname}`;
      request.resume();
      return sendJson(response, status, { error: { code: status === 405 ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', message, details: [] } });
    }
    // The stack's own TOLLGATE_MAX_BODY_BYTES, applied while reading: a huge body is never held in memory.
    const maxBodyBytes = bodyLimitOf(matched.route, runtime.config.maxBodyBytes);
    const body = await readBody(request, maxBodyBytes);
    if (body === undefined) {
      return sendJson(response, 413, {
        error: { code: 'PAYLOAD_TOO_LARGE', message: `the body is larger than ${maxBodyBytes} bytes`, details: [{ field: 'body', message: `must be at most ${maxBodyBytes} bytes` }] },
      });
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(',') : (value ?? '')]),
    );
    const values = matched.pattern.exec(url.pathname)?.slice(1) ?? [];
    // Decoded exactly once, here, as API Gateway does; handlers never decode again.
    const pathParameters: Record<string, string> = {};
    for (const [index, name] of matched.parameterNames.entries()) {
      const decoded = decodePathSegment(values[index] ?? '');
      if (decoded === undefined) {
        return sendJson(response, 400, {
          error: { code: 'INVALID_REQUEST', message: 'the request path is invalid', details: [{ field: name, message: 'is not valid percent-encoding' }] },
        });
      }
      pathParameters[name] = decoded;
    }
    const routeKey = `${matched.route.method} ${matched.route.path}`;
    const now = Date.now();
    const event: ApiEvent = {
      version: '2.0',
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
      pathParameters: matched.parameterNames.length ? pathParameters : undefined,
      body: body.length ? body.toString('utf8') : undefined,
      isBase64Encoded: false,
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'localhost',
        http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: randomUUID(),
        routeKey,
        stage: '$default',
        time: new Date(now).toISOString(),
        timeEpoch: now,
        ...(matched.route.access === 'public' ? {} : { authorizer: { lambda: await authorizerContext(headers.authorization) } }),
      },
    };
    const functionName = matched.route.functionName;
    const result = await asFunction(functionName, () => handlers[functionName](event, lambdaContext(functionName)));
    if (typeof result === 'string') return sendJson(response, 200, result);
    response.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>);
    response.end(result.body ?? '');
  }
}

function compileRoute(route: RouteDefinition): CompiledRoute {
  const parameterNames: string[] = [];
  const source = route.path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    parameterNames.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}/?$`), parameterNames };
}

/** Origin-form targets only (`/v1/...`); an absolute or malformed target is refused rather than parsed into a throw. */
function requestUrl(target: string | undefined): URL | undefined {
  if (!target?.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
}

/** `undefined` for malformed percent-encoding (`%E0%A4%A`, a lone `%`): a 400, not a URIError. */
function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The body, or `undefined` once it passes `maxBytes`; the rest is read and dropped so the client sees the 413. */
function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `tollgate-local-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:tollgate-local-${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/local/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
