import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteDefinition } from '../../domain/contract/routes.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

let stack: TestStack;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startTestStack();
  for (const accountId of ['acme', 'globex']) {
    const created = await stack.call('POST', '/v1/accounts', { token: stack.adminToken, body: { accountId, name: accountId, homeCountry: 'US' } });
    expect(created.status).toBe(201);
  }
  tokens.admin = stack.adminToken;
  tokens.switch = await stack.issue('switch');
  tokens.reviewer = await stack.issue('reviewer');
  tokens.customer = await stack.issue('customer', 'acme');
});

afterAll(async () => {
  await stack?.stop();
});

function pathFor(route: RouteDefinition, accountId: string): string {
  return route.path.replace('{accountId}', accountId).replace(/\{[^}]+\}/g, 'x1');
}

const protectedRoutes = ROUTES.filter((route) => route.access !== 'public');

describe('tenant isolation: each role against each endpoint', () => {
  const callers = ['switch', 'customer', 'reviewer', 'admin'] as const;
  const cases = protectedRoutes.flatMap((route) => callers.map((role) => ({ route, role })));

  it.each(cases)('$role → $route.method $route.path', async ({ route, role }) => {
    const response = await stack.call(route.method, pathFor(route, 'acme'), { token: tokens[role], body: route.method === 'POST' || route.method === 'PUT' ? {} : undefined });
    const allowed = (route.access as readonly string[]).includes(role);
    if (allowed) {
      expect([401, 403, 500]).not.toContain(response.status);
    } else {
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('FORBIDDEN');
    }
  });

  const accountRoutes = protectedRoutes.filter((route) => route.path.includes('{accountId}') && (route.access as readonly string[]).includes('customer'));
  it.each(accountRoutes)('a customer cannot reach another account: $method $path', async (route) => {
    const response = await stack.call(route.method, pathFor(route, 'globex'), { token: tokens.customer, body: route.method === 'PUT' ? {} : undefined });
    expect(response.status).toBe(403);
  });

  it.each(protectedRoutes)('no credential → 401: $method $path', async (route) => {
    const response = await stack.call(route.method, pathFor(route, 'acme'));
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('UNAUTHORIZED');
  });

  it('an unknown token → 401', async () => {
    const response = await stack.call('GET', '/v1/accounts/acme', { token: 'tg_nope_nope' });
    expect(response.status).toBe(401);
  });

  it('/health needs no credential', async () => {
    expect((await stack.call('GET', '/health')).status).toBe(200);
  });
});

describe('bad input gets a 400 naming the field, never a 500', () => {
  it('names each missing and wrong-typed field of an authorize request', async () => {
    const response = await stack.call('POST', '/v1/authorize', { token: tokens.switch, body: { to: 5, sourceIp: 'not-an-ip', authMethod: 'sip' } });
    expect(response.status).toBe(400);
    const fields = response.body.error.details.map((detail: { field: string }) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(['callId', 'to', 'sourceIp', 'authMethod']));
    expect(response.body.error.details.find((detail: { field: string }) => detail.field === 'callId').message).toBe('is required');
  });

  it('rejects malformed JSON', async () => {
    const response = await stack.call('POST', '/v1/authorize', { token: tokens.switch, rawBody: '{"callId": "a",', contentType: 'application/json' });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('body');
  });

  it('rejects unknown fields by name', async () => {
    const response = await stack.call('POST', '/v1/accounts', { token: tokens.admin, body: { accountId: 'x1', name: 'X', homeCountry: 'US', colour: 'red' } });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual({ field: 'colour', message: 'is not a known field' });
  });

  it('rejects an oversized body with 413', async () => {
    const response = await stack.call('POST', '/v1/authorize', { token: tokens.switch, body: { callId: 'x', to: '1'.repeat(100), padding: 'a'.repeat(70_000) } });
    expect(response.status).toBe(413);
  });

  it('names a nested policy field', async () => {
    const response = await stack.call('PUT', '/v1/accounts/acme/policy', { token: tokens.admin, body: { limits: { callsPerMinute: -1 }, allowedIps: ['300.1.1.1'] } });
    expect(response.status).toBe(400);
    const fields = response.body.error.details.map((detail: { field: string }) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(['limits.callsPerMinute', 'allowedIps.0']));
  });

  it('writes nothing when an account create conflicts on its tech prefix', async () => {
    await stack.call('POST', '/v1/accounts', { token: tokens.admin, body: { accountId: 'first', name: 'First', homeCountry: 'US', techPrefix: '99990000' } });
    const clash = await stack.call('POST', '/v1/accounts', { token: tokens.admin, body: { accountId: 'second', name: 'Second', homeCountry: 'US', techPrefix: '99990000' } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.details[0].field).toBe('techPrefix');
    expect((await stack.call('GET', '/v1/accounts/second', { token: tokens.admin })).status).toBe(404);
  });

  const nastyBodies = ['null', '[]', '"text"', '123', 'true', '{"a":{"b":{"c":[1,2,{"d":null}]}}}', '\u0000', '{"callId":null}', '{"__proto__":{"admin":true}}'];
  // Routes whose POST takes no body (a rotation) answer 2xx whatever is sent; every other body route validates.
  const bodilessPosts = ['/v1/accounts/{accountId}/webhook-secret'];
  const bodyRoutes = protectedRoutes.filter((route) => (route.method === 'POST' || route.method === 'PUT') && !bodilessPosts.includes(route.path));
  const fuzzCases = bodyRoutes.flatMap((route) => nastyBodies.map((rawBody) => ({ route, rawBody })));

  it.each(fuzzCases)('$route.method $route.path with $rawBody → 4xx with the error shape', async ({ route, rawBody }) => {
    const response = await stack.call(route.method, pathFor(route, 'acme'), { token: tokens.admin, rawBody, contentType: 'application/json' });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String), details: expect.any(Array) });
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    const response = await stack.call('GET', '/v1/nothing-here', { token: tokens.admin });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });
});
