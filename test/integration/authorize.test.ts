import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRequests } from '../../functions/adapters/dynamodb/client.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

let stack: TestStack;
let switchToken: string;
let callNumber = 0;

function authorizeBody(overrides: Record<string, unknown> = {}) {
  callNumber += 1;
  return { callId: `itest-${callNumber}`, to: '+12125550123', from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'acme', ...overrides };
}

beforeAll(async () => {
  // The stream is read only when a test settles it: the range watch consumes every unusual attempt on the same
  // DynamoDB client, and its requests must not land inside the rounds the request-counting tests measure.
  stack = await startTestStack({ streamPollMs: 3_600_000 });
  const admin = { token: stack.adminToken };
  expect((await stack.call('PUT', '/v1/rate-deck', { ...admin, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  expect((await stack.call('PUT', '/v1/high-risk-prefixes', { ...admin, body: { prefixes: ['881'] } })).status).toBe(200);
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'acme', name: 'Acme', homeCountry: 'US', techPrefix: '55501234' } })).status).toBe(201);
  const policy = { allowedIps: ['203.0.113.0/24'], maxRatePerMinute: 0.05, internationalEnabled: true, whitelistCountries: ['GB'] };
  expect((await stack.call('PUT', '/v1/accounts/acme/policy', { ...admin, body: policy })).status).toBe(200);
  expect((await stack.call('POST', '/v1/accounts/acme/credits', { ...admin, body: { amount: 10 } })).status).toBe(200);
  switchToken = await stack.issue('switch');
});

afterAll(async () => {
  await stack?.stop();
});

describe('POST /v1/authorize over HTTP against DynamoDB Local', () => {
  it('allows a domestic call with the duration the balance buys', async () => {
    const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body: authorizeBody() });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ decision: 'allow', reason: 'ALLOWED', destination: { country: 'US' }, maxDurationSeconds: 14_400 });
    expect(response.body.decisionId).toEqual(expect.any(String));
  });

  it('denies a NANP look-alike above the max rate with 403', async () => {
    const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body: authorizeBody({ to: '+18765550123' }) });
    expect(response.body).toMatchObject({ decision: 'deny', reason: 'RATE_ABOVE_MAX', sipCode: 403, destination: { country: 'JM', prefix: '1876' } });
  });

  it('identifies the account by the tech prefix in the dialled string', async () => {
    const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body: authorizeBody({ accountId: undefined, to: '55501234*2125550123' }) });
    expect(response.body).toMatchObject({ decision: 'allow', accountId: 'acme', destination: { e164: '+12125550123' } });
  });

  it('answers an impossible number with a 484 decision, not a 400', async () => {
    const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body: authorizeBody({ to: '12' }) });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ decision: 'deny', reason: 'INVALID_NUMBER', sipCode: 484 });
  });

  it('returns the same decision for the same callId', async () => {
    const body = authorizeBody();
    const first = await stack.call('POST', '/v1/authorize', { token: switchToken, body });
    await stack.call('POST', `/v1/accounts/acme/credits`, { token: stack.adminToken, body: { amount: 1 } });
    const second = await stack.call('POST', '/v1/authorize', { token: switchToken, body });
    expect(second.body.decisionId).toBe(first.body.decisionId);
    expect(second.body.maxDurationSeconds).toBe(first.body.maxDurationSeconds);
    expect(second.body.replayed).toBe(true);
  });

  it('answers 409 when a callId is reused for a different call', async () => {
    const body = authorizeBody();
    await stack.call('POST', '/v1/authorize', { token: switchToken, body });
    const reused = await stack.call('POST', '/v1/authorize', { token: switchToken, body: { ...body, to: '+13125550100' } });
    expect(reused.status).toBe(409);
    expect(reused.body.error.details[0].field).toBe('callId');
  });

  it('answers 409, never the first decision, when a callId comes back with any other identity field', async () => {
    const admin = { token: stack.adminToken };
    await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'other', name: 'Other', homeCountry: 'US' } });
    await stack.call('PUT', '/v1/accounts/other/policy', { ...admin, body: { allowedIps: ['203.0.113.0/24'] } });
    const body = authorizeBody();
    expect((await stack.call('POST', '/v1/authorize', { token: switchToken, body })).body.decision).toBe('allow');
    for (const change of [{ accountId: 'other' }, { from: '+13055550199' }, { authMethod: 'digest' }, { sourceIp: '203.0.113.11' }, { accountId: undefined, techPrefix: '55501234' }]) {
      const reused = await stack.call('POST', '/v1/authorize', { token: switchToken, body: { ...body, ...change } });
      expect(reused.status, JSON.stringify(change)).toBe(409);
      expect(reused.body.error.details[0].field).toBe('callId');
    }
  });

  it('records decisions in the account access log, newest first', async () => {
    const body = authorizeBody({ to: '+18095550123' });
    await stack.call('POST', '/v1/authorize', { token: switchToken, body });
    const log = await stack.call('GET', '/v1/accounts/acme/decisions?limit=1', { token: stack.adminToken });
    expect(log.status).toBe(200);
    expect(log.body.decisions).toHaveLength(1);
    expect(log.body.decisions[0]).toMatchObject({ callId: body.callId, reason: 'RATE_ABOVE_MAX' });
    expect(log.body.nextCursor).toEqual(expect.any(String));
    const next = await stack.call('GET', `/v1/accounts/acme/decisions?limit=1&cursor=${log.body.nextCursor}`, { token: stack.adminToken });
    expect(next.body.decisions[0].callId).not.toBe(body.callId);
  });

  it('refuses a cursor that points into another account with 400, not a 500', async () => {
    const forged = Buffer.from(JSON.stringify({ pk: 'CALL#x', sk: 'DECISION', gsi1pk: 'DECISIONS#other', gsi1sk: 'z' })).toString('base64url');
    const response = await stack.call('GET', `/v1/accounts/acme/decisions?cursor=${forged}`, { token: stack.adminToken });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('cursor');
  });

  it('commits a warm allowed call in one round: the decision record and the account write, in parallel', async () => {
    const counter = countRequests(stack.runtime.client);
    // The earlier calls' unusual attempts feed the range watch from the stream: let it finish before counting.
    await stack.events.settle();
    await stack.call('POST', '/v1/authorize', { token: switchToken, body: authorizeBody() }); // warm the caches
    counter.reset();
    await stack.call('POST', '/v1/authorize', { token: switchToken, body: authorizeBody({ to: '+4930123456' }) }); // DE: unusual for acme
    expect(counter.steps.map((step) => [...step].sort())).toEqual([['PutItemCommand', 'UpdateItemCommand']]);
  });

  it('records a warm policy denial in one round, reading the account beside the record to confirm its version', async () => {
    const counter = countRequests(stack.runtime.client);
    await stack.events.settle();
    await stack.call('POST', '/v1/authorize', { token: switchToken, body: authorizeBody() });
    counter.reset();
    const denied = await stack.call('POST', '/v1/authorize', { token: switchToken, body: authorizeBody({ to: '12' }) });
    expect(denied.body.reason).toBe('INVALID_NUMBER');
    expect(counter.steps.map((step) => [...step].sort())).toEqual([['GetItemCommand', 'PutItemCommand']]);
  });

  it('counts no attempt for a usual country: home, whitelisted or known', async () => {
    await stack.call('POST', '/v1/authorize', { token: switchToken, body: authorizeBody({ to: '+442079460000' }) }); // GB: whitelisted
    const destinations = await stack.call('GET', '/v1/accounts/acme/destinations', { token: stack.adminToken });
    expect(Object.keys(destinations.body.unusualAttempts.currentWindow)).not.toContain('GB');
    expect(Object.keys(destinations.body.unusualAttempts.currentWindow)).not.toContain('US');
  });
});
