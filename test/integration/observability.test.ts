/**
 * The metrics of real requests against DynamoDB Local: the client's timing middleware, and authorize's decision
 * metrics through the local stack. Metrics are switched on for this file only (they are off outside Lambda).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { createDynamoDbClient } from '../../functions/adapters/dynamodb/client.js';
import { ensureTable } from '../../functions/adapters/dynamodb/table-definition.js';
import { httpEndpoint } from '../../functions/shared/http.js';
import { apiEvent, captureEmf, lambdaContext, type EmfCapture } from '../support/emf.js';
import { silentLogger, startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

let emf: EmfCapture;

beforeAll(() => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  emf = captureEmf();
});

beforeEach(() => {
  emf.clear();
});

afterAll(() => {
  emf.restore();
  vi.unstubAllEnvs();
});

describe('the DynamoDB client', () => {
  const client = createDynamoDbClient({ endpoint: inject('dynamoEndpoint'), region: 'local' });
  const tableName = `t_${randomBytes(6).toString('hex')}`;
  const key = { pk: { S: 'METRICS#1' }, sk: { S: 'ITEM' } };

  beforeAll(async () => {
    await ensureTable(client, tableName);
  });

  afterAll(() => {
    client.destroy();
  });

  it("records each command's name and duration in the request's metrics", async () => {
    const handler = httpEndpoint({ routes: ['GET /health'], logger: silentLogger }, async () => {
      await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key, value: { S: 'x' } } }));
      await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      return { status: 200, body: {} };
    });

    await handler(apiEvent('GET /health'), lambdaContext);

    const [line, ...more] = emf.withMetric('DynamoDbRequests');
    expect(more).toEqual([]);
    expect(line).toMatchObject({ service: 'health', DynamoDbRequests: 2 });
    expect(String(line?.dynamoDbCommands)).toMatch(/^PutItemCommand [\d.]+, GetItemCommand [\d.]+$/);
    const commandTimes = line?.DynamoDbCommandTime as number[];
    expect(commandTimes).toHaveLength(2);
    for (const ms of commandTimes) expect(ms).toBeGreaterThan(0);
    // sequential commands: the request's DynamoDB time is their sum
    expect(line?.DynamoDbTime).toBeCloseTo(commandTimes[0]! + commandTimes[1]!, 0);
  });

  it('counts nothing for commands sent outside a request', async () => {
    await client.send(new GetItemCommand({ TableName: tableName, Key: key }));

    expect(emf.lines).toEqual([]);
  });
});

describe('authorize through the local stack', () => {
  let stack: TestStack;
  let switchToken: string;

  beforeAll(async () => {
    stack = await startTestStack();
    const admin = { token: stack.adminToken };
    expect((await stack.call('PUT', '/v1/rate-deck', { ...admin, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
    expect((await stack.call('PUT', '/v1/high-risk-prefixes', { ...admin, body: { prefixes: ['881'] } })).status).toBe(200);
    expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'acme', name: 'Acme', homeCountry: 'US' } })).status).toBe(201);
    expect((await stack.call('PUT', '/v1/accounts/acme/policy', { ...admin, body: { allowedIps: ['203.0.113.0/24'], maxRatePerMinute: 0.05, internationalEnabled: true } })).status).toBe(200);
    switchToken = await stack.issue('switch');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('emits the decision by reason and country, the latency and the DynamoDB time of each decision', async () => {
    const call = { callId: `obs-${randomBytes(4).toString('hex')}`, to: '+18765550123', from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'acme' };
    const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body: call });
    expect(response.body).toMatchObject({ decision: 'deny', reason: 'RATE_ABOVE_MAX', destination: { country: 'JM' } });

    expect(emf.withMetric('Decisions')).toEqual([expect.objectContaining({ service: 'authorize', decision: 'deny', reason: 'RATE_ABOVE_MAX', country: 'JM', Decisions: 1 })]);
    const [request] = emf.withMetric('AuthorizeLatency');
    expect(request).toMatchObject({ service: 'authorize', DegradedDecisions: 0 });
    expect(request?.AuthorizeLatency).toBeGreaterThan(0);
    // at least the decision record is written; the account is read on this process's first call
    expect(request?.DynamoDbRequests).toBeGreaterThanOrEqual(1);
    expect(request?.DynamoDbTime).toBeGreaterThan(0);
    expect(request?.DynamoDbTime).toBeLessThanOrEqual(request?.AuthorizeLatency as number);
  });
});
