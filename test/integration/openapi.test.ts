/**
 * The OpenAPI document as the local stack serves it, and the documented answers against the real ones: an answer
 * the stack gives must parse with the (strict) schema the document shows for it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorAnswerSchema, ROUTE_SCHEMAS, type RouteAnswer, type RouteKey, type RouteSchemas } from '../../domain/contract/http-schemas.js';
import { buildOpenApiDocument } from '../../domain/contract/openapi.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

let stack: TestStack;
let switchToken: string;

beforeAll(async () => {
  stack = await startTestStack();
  const admin = { token: stack.adminToken };
  expect((await stack.call('PUT', '/v1/rate-deck', { ...admin, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'acme', name: 'Acme', homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', '/v1/accounts/acme/policy', { ...admin, body: { allowedIps: ['203.0.113.0/24'], maxRatePerMinute: 0.05 } })).status).toBe(200);
  expect((await stack.call('POST', '/v1/accounts/acme/credits', { ...admin, body: { amount: 10 } })).status).toBe(200);
  switchToken = await stack.issue('switch');
});

afterAll(async () => {
  await stack?.stop();
});

describe('GET /v1/openapi.json', () => {
  it('answers the OpenAPI 3.1 document without a credential', async () => {
    const response = await stack.call('GET', '/v1/openapi.json');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body.openapi).toMatch(/^3\.1\.\d+$/);
    expect(response.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('answers the same document with a credential of any role', async () => {
    const anonymous = await stack.call('GET', '/v1/openapi.json');
    const withSwitch = await stack.call('GET', '/v1/openapi.json', { token: switchToken });

    expect(withSwitch.status).toBe(200);
    expect(withSwitch.text).toBe(anonymous.text);
  });
});

describe('the documented answers are the real ones', () => {
  /** Every "route status" whose documented schema a real answer was parsed with here. */
  const checked = new Set<string>();
  const body = (overrides: Record<string, unknown>) => ({ from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'acme', ...overrides });

  /** Calls the route and parses its answer with the (strict) schema the document shows for that route and status. */
  async function documented(key: RouteKey, path: string, options: { token: string; body?: unknown; rawBody?: string; contentType?: string }, status = 200) {
    const [method = ''] = key.split(' ');
    const response = await stack.call(method, path, options);
    expect(response.status, `${key}: ${response.text}`).toBe(status);
    const schema = (ROUTE_SCHEMAS[key].responses as Readonly<Record<number, RouteAnswer>>)[status]?.schema;
    expect(schema, `${key} documents no schema for ${status}`).toBeDefined();
    expect(schema?.safeParse(response.body).error?.issues ?? [], key).toEqual([]);
    checked.add(`${key} ${status}`);
    return response.body;
  }

  it('authorize: an allowed call and a denied one', async () => {
    const allowed = await documented('POST /v1/authorize', '/v1/authorize', { token: switchToken, body: body({ callId: 'openapi-allow', to: '+12125550123' }) });
    const denied = await documented('POST /v1/authorize', '/v1/authorize', { token: switchToken, body: body({ callId: 'openapi-deny', to: '+18765550123' }) });

    const log = await documented('GET /v1/accounts/{accountId}/decisions', '/v1/accounts/acme/decisions?limit=10', { token: stack.adminToken });

    expect(allowed.decision).toBe('allow');
    expect(denied.decision).toBe('deny');
    expect(log.decisions.map((decision: { callId: string }) => decision.callId)).toEqual(['openapi-deny', 'openapi-allow']);
  });

  it('a live call: interim update, the to-end list after a suspension, completion', async () => {
    await documented('POST /v1/authorize', '/v1/authorize', { token: switchToken, body: body({ callId: 'openapi-live', to: '+12125550123' }) });

    const continued = await documented('POST /v1/calls/{callId}/interim', '/v1/calls/openapi-live/interim', { token: switchToken, body: { answered: true, elapsedSeconds: 30 } });
    await documented('POST /v1/accounts/{accountId}/suspend', '/v1/accounts/acme/suspend', { token: stack.adminToken, body: { note: 'openapi test' } });
    const toEnd = await documented('GET /v1/calls/to-end', '/v1/calls/to-end', { token: switchToken });
    const stopped = await documented('POST /v1/calls/{callId}/interim', '/v1/calls/openapi-live/interim', { token: switchToken, body: { answered: true, elapsedSeconds: 40 } });
    await documented('POST /v1/accounts/{accountId}/reactivate', '/v1/accounts/acme/reactivate', { token: stack.adminToken, body: { note: 'openapi test done' } });
    await documented('POST /v1/calls/{callId}/completed', '/v1/calls/openapi-live/completed', { token: switchToken, body: { durationSeconds: 45, endedAt: '2026-11-29T21:05:00Z' } });

    expect(continued.action).toBe('continue');
    expect(toEnd.calls).toContainEqual({ callId: 'openapi-live', accountId: 'acme', reason: 'ACCOUNT_SUSPENDED' });
    expect(stopped.action).toBe('stop');
  });

  it('accounts, policies, credits and the webhook secret', async () => {
    const created = await documented('POST /v1/accounts', '/v1/accounts', { token: stack.adminToken, body: { accountId: 'globex', name: 'Globex', homeCountry: 'GB' } }, 201);
    const read = await documented('GET /v1/accounts/{accountId}', '/v1/accounts/acme', { token: stack.adminToken });
    await documented('GET /v1/accounts/{accountId}/policy', '/v1/accounts/globex/policy', { token: stack.adminToken });
    await documented('PUT /v1/accounts/{accountId}/policy', '/v1/accounts/globex/policy', { token: stack.adminToken, body: { internationalEnabled: true } });
    await documented('GET /v1/accounts/{accountId}/carrier-policy', '/v1/accounts/globex/carrier-policy', { token: stack.adminToken });
    await documented('PUT /v1/accounts/{accountId}/carrier-policy', '/v1/accounts/globex/carrier-policy', { token: stack.adminToken, body: { maxRatePerMinute: 1 } });
    await documented('POST /v1/accounts/{accountId}/credits', '/v1/accounts/globex/credits', { token: stack.adminToken, body: { amount: 5 } });
    await documented('POST /v1/accounts/{accountId}/webhook-secret', '/v1/accounts/globex/webhook-secret', { token: stack.adminToken });

    expect(created.accountId).toBe('globex');
    expect(read.available).toEqual(expect.any(Number));
  });

  it('credentials: issued, listed, revoked', async () => {
    const issued = await documented('POST /v1/credentials', '/v1/credentials', { token: stack.adminToken, body: { role: 'customer', accountId: 'acme', expiresInDays: 30 } }, 201);
    await documented('GET /v1/credentials', '/v1/credentials?limit=5', { token: stack.adminToken });
    await documented('DELETE /v1/credentials/{credentialId}', `/v1/credentials/${issued.credentialId}`, { token: stack.adminToken });
  });

  it('reference data: the rate deck and the high-risk list', async () => {
    await documented('PUT /v1/rate-deck', '/v1/rate-deck', { token: stack.adminToken, rawBody: SAMPLE_DECK, contentType: 'text/csv' });
    await documented('GET /v1/rate-deck', '/v1/rate-deck', { token: switchToken });
    await documented('PUT /v1/high-risk-prefixes', '/v1/high-risk-prefixes', { token: stack.adminToken, body: { prefixes: ['881', '882'] } });
    await documented('GET /v1/high-risk-prefixes', '/v1/high-risk-prefixes', { token: stack.adminToken });
  });

  it('health and an error, in the one error shape', async () => {
    await documented('GET /health', '/health', { token: '' });
    const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body: { to: 5 } });

    expect(response.status).toBe(400);
    expect(errorAnswerSchema.safeParse(response.body).error?.issues ?? []).toEqual([]);
  });

  it('has checked every answer the document gives a schema for', () => {
    const withSchema = Object.entries(ROUTE_SCHEMAS as Readonly<Record<string, RouteSchemas>>).flatMap(([key, schemas]) =>
      Object.entries(schemas.responses).flatMap(([status, answer]) => (answer.schema ? [`${key} ${status}`] : [])),
    );

    expect(withSchema.filter((answer) => !checked.has(answer)), 'documented answers no real answer was checked against: add a call above').toEqual([]);
  });
});
