/**
 * A database that stops answering (frozen: connections open, nothing moves) or dies (connections refused), as the
 * switch sees it through authorize: an answer within the budget, decided on what the process holds, and nothing
 * left counting afterwards. The stacks reach the run's DynamoDB Local through a proxy the test freezes or kills.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startFreezableProxy, type FreezableProxy } from '../support/freezable-proxy.js';
import type { Logger } from '../../functions/shared/logger.js';
import { silentLogger, startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');
const BUDGET_MS = 400;

let proxy: FreezableProxy;
/** What the closed stack logged about withdrawals: live calls given back after the database answered again. */
const withdrawn: number[] = [];
const capturingLogger: Logger = {
  ...silentLogger,
  info: ((message: string, attributes?: Record<string, unknown>) => {
    if (message.startsWith('degraded decision recorded')) withdrawn.push(Number(attributes?.liveCallsWithdrawn ?? 0));
  }) as Logger['info'],
};
let closedStack: TestStack;
let openStack: TestStack;
let sequence = 0;

async function setUp(stack: TestStack): Promise<string> {
  const admin = { token: stack.adminToken };
  expect((await stack.call('PUT', '/v1/rate-deck', { ...admin, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  expect((await stack.call('PUT', '/v1/high-risk-prefixes', { ...admin, body: { prefixes: ['881', '232'] } })).status).toBe(200);
  for (const [accountId, status] of [['steady', 'active'], ['halted', 'suspended']] as const) {
    await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } });
    await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'], internationalEnabled: true } });
    await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: 50 } });
    if (status === 'suspended') await stack.call('POST', `/v1/accounts/${accountId}/suspend`, { ...admin, body: { note: 'outage test' } });
  }
  return stack.issue('switch');
}

function authorizeBody(accountId: string, to: string, sourceIp = '203.0.113.10') {
  return { callId: `outage-${(sequence += 1)}`, to, from: '+13055550100', sourceIp, authMethod: 'ip', accountId };
}

async function timed(stack: TestStack, token: string, body: Record<string, unknown>) {
  const started = performance.now();
  const response = await stack.call('POST', '/v1/authorize', { token, body });
  return { ...response, ms: performance.now() - started };
}

beforeAll(async () => {
  proxy = await startFreezableProxy(inject('dynamoEndpoint'));
  const environment = { TOLLGATE_AUTHORIZE_BUDGET_MS: String(BUDGET_MS), TOLLGATE_CREDENTIAL_LOOKUP_BUDGET_MS: '300', TOLLGATE_FAIL_OPEN_MAX_SECONDS: '120' };
  // The authorizer keeps its answers as the deployed stages do, so a switch's token is known when the outage starts.
  closedStack = await startTestStack({ dynamoEndpoint: proxy.endpoint, authorizerCacheMs: 10_000, logger: capturingLogger, environment: { ...environment, TOLLGATE_FAIL_MODE: 'deny' } });
  openStack = await startTestStack({ dynamoEndpoint: proxy.endpoint, authorizerCacheMs: 10_000, environment: { ...environment, TOLLGATE_FAIL_MODE: 'allow' } });
});

afterAll(async () => {
  proxy?.thaw();
  proxy?.revive();
  await closedStack?.stop();
  await openStack?.stop();
  await proxy?.close();
});

describe('a frozen database', () => {
  it('answers the fail mode within the budget, and a call the switch never heard of never counts as live', async () => {
    const token = await setUp(closedStack);
    expect((await timed(closedStack, token, authorizeBody('steady', '+12125550100'))).body.decision).toBe('allow'); // warm
    proxy.freeze();
    let answers: Awaited<ReturnType<typeof timed>>[];
    try {
      answers = await Promise.all(Array.from({ length: 6 }, (_unused, index) => timed(closedStack, token, authorizeBody('steady', `+1212555020${index}`))));
    } finally {
      proxy.thaw();
    }
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ decision: 'deny', reason: 'SERVICE_DEGRADED', sipCode: 603 });
      expect(answer.ms).toBeLessThan(BUDGET_MS + 300);
    }
    // The frozen database applies the six allowed calls when it resumes; they are then withdrawn, and the decisions
    // the switch got are what is stored.
    await expect.poll(() => withdrawn.length, { timeout: 20_000, interval: 250 }).toBe(6);
    expect(withdrawn.reduce((sum, count) => sum + count, 0)).toBe(6);
    expect((await closedStack.call('GET', '/v1/accounts/steady', { token: closedStack.adminToken })).body).toMatchObject({ liveCalls: 1 });
    await expect
      .poll(async () => ((await closedStack.call('GET', '/v1/accounts/steady/decisions?limit=10', { token: closedStack.adminToken })).body.decisions as { callId: string; reason: string }[])
        .filter((decision) => answers.some((answer) => answer.body.callId === decision.callId))
        .map((decision) => decision.reason), { timeout: 15_000, interval: 250 })
      .toEqual(Array(6).fill('SERVICE_DEGRADED'));
  });

  it('decides from what the process holds in fail-open mode: unknown, suspended, banned and high-risk still refused', async () => {
    const token = await setUp(openStack);
    // The process reads both accounts once, so it holds their last state.
    expect((await timed(openStack, token, authorizeBody('steady', '+12125550300'))).body.decision).toBe('allow');
    expect((await timed(openStack, token, authorizeBody('halted', '+12125550301'))).body.reason).toBe('ACCOUNT_SUSPENDED');
    proxy.freeze();
    try {
      const [domestic, unknown, suspended, highRisk, stranger] = await Promise.all([
        timed(openStack, token, authorizeBody('steady', '+12125550302')),
        timed(openStack, token, authorizeBody('nobody', '+12125550303')),
        timed(openStack, token, authorizeBody('halted', '+12125550304')),
        timed(openStack, token, authorizeBody('steady', '+23225123456')),
        timed(openStack, token, authorizeBody('steady', '+12125550305', '198.51.100.7')),
      ]);
      expect(domestic?.body).toMatchObject({ decision: 'allow', maxDurationSeconds: 120, rule: { rule: 'SERVICE_DEGRADED', evidence: { degraded: true } } });
      expect(unknown?.body).toMatchObject({ decision: 'deny', reason: 'ACCOUNT_NOT_FOUND' });
      expect(suspended?.body).toMatchObject({ decision: 'deny', reason: 'ACCOUNT_SUSPENDED' });
      expect(highRisk?.body).toMatchObject({ decision: 'deny', reason: 'HIGH_RISK_DESTINATION' });
      expect(stranger?.body).toMatchObject({ decision: 'deny', reason: 'SOURCE_IP_NOT_ALLOWED' });
      for (const answer of [domestic, unknown, suspended, highRisk, stranger]) expect(answer?.ms).toBeLessThan(BUDGET_MS + 300);
    } finally {
      proxy.thaw();
    }
  });

  it('gives an uncached token the fail mode on authorize and a 503 elsewhere, never a 500', async () => {
    const token = await closedStack.issue('switch'); // never used: the authorizer has not seen it
    proxy.freeze();
    try {
      const [authorize, other] = await Promise.all([
        timed(closedStack, token, authorizeBody('steady', '+12125550400')),
        closedStack.call('GET', '/v1/bans', { token }),
      ]);
      expect(authorize.status).toBe(200);
      expect(authorize.body).toMatchObject({ decision: 'deny', reason: 'SERVICE_DEGRADED', sipCode: 603 });
      expect(authorize.ms).toBeLessThan(BUDGET_MS + 500);
      expect(other.status).toBe(503);
      expect(other.body.error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      proxy.thaw();
    }
  });
});

describe('a killed database', () => {
  it('answers the fail mode at once', async () => {
    const token = await closedStack.issue('switch');
    expect((await timed(closedStack, token, authorizeBody('steady', '+12125550500'))).body.decision).toBe('allow');
    proxy.kill();
    try {
      const answer = await timed(closedStack, token, authorizeBody('steady', '+12125550501'));
      expect(answer.body).toMatchObject({ decision: 'deny', reason: 'SERVICE_DEGRADED', sipCode: 603 });
      expect(answer.ms).toBeLessThan(BUDGET_MS + 300);
    } finally {
      proxy.revive();
    }
  });
});
