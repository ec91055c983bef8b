/**
 * The HTTP edge validates every request with its route's entry in domain/contract/http-schemas.ts, the registry the
 * OpenAPI document is generated from, and with nothing else: whatever an entry accepts reaches the endpoint parsed,
 * whatever it refuses is a 400 naming the fields it names.
 */
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { ROUTE_SCHEMAS, routeKeyOf, routeSchemasOf, type RouteKey } from '../../../domain/contract/http-schemas.js';
import { pathParameterNames, type PathParameterName } from '../../../domain/contract/path-parameters.js';
import { ROUTES, type RouteDefinition } from '../../../domain/contract/routes.js';
import { fieldProblems } from '../../../domain/contract/field-problems.js';
import { httpEndpoint } from '../../../functions/shared/http.js';
import { apiEvent, lambdaContext } from '../../support/emf.js';
import { silentLogger } from '../../support/test-stack.js';

const SAMPLE_PATH: Readonly<Record<PathParameterName, string>> = {
  accountId: 'acme',
  callId: 'call-1@pbx',
  ip: '192.0.2.1',
  destination: 'JM',
  reviewId: 'review-1',
  range: '23276',
  credentialId: 'credential-1',
};

function eventFor(route: RouteDefinition, options: { body?: unknown; query?: Record<string, string> }) {
  const pathParameters = Object.fromEntries(pathParameterNames(route.path).map((name) => [name, SAMPLE_PATH[name as PathParameterName]]));
  const event = apiEvent(routeKeyOf(route), { role: 'admin', pathParameters, ...(options.body !== undefined ? { body: options.body } : {}) });
  return options.query ? { ...event, queryStringParameters: options.query } : event;
}

/** An endpoint for one route that answers what the edge handed it. */
function echo(key: RouteKey) {
  return httpEndpoint({ routes: [key], logger: silentLogger }, async ({ body, query }) => ({ status: 200, body: { body: body ?? null, query } }));
}

async function answer(route: RouteDefinition, options: { body?: unknown; query?: Record<string, string> }) {
  const response = (await echo(routeKeyOf(route) as RouteKey)(eventFor(route, options), lambdaContext)) as { statusCode: number; body: string };
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, any> };
}

function expectedAnswer(schema: z.ZodType, input: unknown, where: 'body' | 'query') {
  const parsed = schema.safeParse(input);
  return parsed.success ? { status: 200, value: parsed.data } : { status: 400, details: fieldProblems(parsed.error, input, where) };
}

const bodyRoutes = ROUTES.filter((route) => routeSchemasOf(route)?.body);
const queryRoutes = ROUTES.filter((route) => routeSchemasOf(route)?.query);

describe('the HTTP edge validates with the registry', () => {
  it('can call every route as admin here (each route with a body or a query allows admin)', () => {
    for (const route of [...bodyRoutes, ...queryRoutes]) expect(route.access === 'public' || route.access.includes('admin'), routeKeyOf(route)).toBe(true);
    expect(bodyRoutes.length).toBeGreaterThan(10);
    expect(queryRoutes.length).toBeGreaterThan(5);
  });

  describe.each(bodyRoutes.map((route) => ({ key: routeKeyOf(route), route })))('$key', ({ route }) => {
    const schema = routeSchemasOf(route)?.body as z.ZodType;
    const examples = Object.values(routeSchemasOf(route)?.bodyExamples ?? {}).map((example) => example.value);

    it.each([{}, { unexpected: true }, { note: 'checked', amount: 5, action: 'clear', prefixes: ['881'] }, ...examples])('body %j: as its schema says', async (input) => {
      const expected = expectedAnswer(schema, input, 'body');

      const { status, body } = await answer(route, { body: input });

      expect(status).toBe(expected.status);
      if (expected.status === 200) expect(body.body).toEqual(JSON.parse(JSON.stringify(expected.value)));
      else expect(body.error.details).toEqual(expected.details);
    });
  });

  describe.each(queryRoutes.map((route) => ({ key: routeKeyOf(route), route })))('$key', ({ route }) => {
    const schema = routeSchemasOf(route)?.query as z.ZodType;

    it.each<Record<string, string>>([{}, { limit: '0' }, { format: 'text' }, { status: 'resolved', cursor: '' }, { unexpected: 'x' }])('query %j: as its schema says', async (input) => {
      const expected = expectedAnswer(schema, input, 'query');

      const { status, body } = await answer(route, { query: input, ...(route.method === 'POST' ? { body: {} } : {}) });

      expect(status).toBe(expected.status);
      if (expected.status === 200) expect(body.query).toEqual(expected.value);
      else expect(body.error.details).toEqual(expected.details);
    });
  });

  it('hands a route without a body schema nothing parsed, whatever is sent', async () => {
    const rotate = ROUTES.find((route) => routeKeyOf(route) === 'POST /v1/accounts/{accountId}/webhook-secret') as RouteDefinition;

    const { status, body } = await answer(rotate, { body: { anything: true } });

    expect(ROUTE_SCHEMAS['POST /v1/accounts/{accountId}/webhook-secret'].noBody).toBe(true);
    expect(status).toBe(200);
    expect(body.body).toBeNull();
  });

  it('answers 500 for a route the endpoint does not declare, without serving it', async () => {
    let served = false;
    const accounts = httpEndpoint({ routes: ['POST /v1/accounts'], logger: silentLogger }, async () => {
      served = true;
      return { status: 200 };
    });
    const credits = ROUTES.find((route) => routeKeyOf(route) === 'POST /v1/accounts/{accountId}/credits') as RouteDefinition;

    const response = (await accounts(eventFor(credits, { body: { amount: 5 } }), lambdaContext)) as { statusCode: number };

    expect(response.statusCode).toBe(500);
    expect(served).toBe(false);
  });

  it('refuses, when built, an endpoint declaring a route the table does not have', () => {
    expect(() => httpEndpoint({ routes: ['POST /v1/nowhere' as RouteKey] }, async () => ({ status: 200 }))).toThrow('POST /v1/nowhere is not a route of domain/contract/routes.ts');
  });
});
