/**
 * The OpenAPI document as the local stack serves it, and the documented answers against the real ones: an answer
 * the stack gives must parse with the (strict) schema the document shows for it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountAnswerSchema, authorizeAnswerSchema, errorAnswerSchema } from '../../domain/contract/http-schemas.js';
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
  const body = (overrides: Record<string, unknown>) => ({ from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'acme', ...overrides });

  it('an allowed call', async () => {
    const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body: body({ callId: 'openapi-allow', to: '+12125550123' }) });

    expect(response.body.decision).toBe('allow');
    expect(authorizeAnswerSchema.safeParse(response.body).error?.issues ?? []).toEqual([]);
  });

  it('a denied call', async () => {
    const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body: body({ callId: 'openapi-deny', to: '+18765550123' }) });

    expect(response.body.decision).toBe('deny');
    expect(authorizeAnswerSchema.safeParse(response.body).error?.issues ?? []).toEqual([]);
  });

  it('the account, as created and as read', async () => {
    const created = await stack.call('POST', '/v1/accounts', { token: stack.adminToken, body: { accountId: 'globex', name: 'Globex', homeCountry: 'GB' } });
    const read = await stack.call('GET', '/v1/accounts/acme', { token: stack.adminToken });

    expect(created.status).toBe(201);
    expect(accountAnswerSchema.safeParse(created.body).error?.issues ?? []).toEqual([]);
    expect(read.body.available).toEqual(expect.any(Number));
    expect(accountAnswerSchema.safeParse(read.body).error?.issues ?? []).toEqual([]);
  });

  it('an error', async () => {
    const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body: { to: 5 } });

    expect(response.status).toBe(400);
    expect(errorAnswerSchema.safeParse(response.body).error?.issues ?? []).toEqual([]);
  });
});
