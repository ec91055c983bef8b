import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

let stack: TestStack;
let switchToken: string;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: 'prefix,country,description,rate_per_minute\n1,US,US,0.01\n', contentType: 'text/csv' });
  await stack.call('POST', '/v1/accounts', { token: stack.adminToken, body: { accountId: 'acme', name: 'Acme', homeCountry: 'US' } });
  switchToken = await stack.issue('switch');
});

afterAll(async () => {
  await stack?.stop();
});

describe('event backbone: table stream → local bus', () => {
  it('publishes Call Denied from the stored deny decision, once, with the contract fields', async () => {
    const body = { callId: 'denied-1', to: '+12125550123', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'acme' };
    await stack.call('POST', '/v1/authorize', { token: switchToken, body });
    await stack.call('POST', '/v1/authorize', { token: switchToken, body }); // a retry: same decision, no new event
    await stack.events.settle();
    const denied = stack.events.bus.published.filter((event) => event['detail-type'] === 'Call Denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]?.detail).toMatchObject({ eventId: 'call-denied:denied-1', accountId: 'acme', callId: 'denied-1', reason: 'SOURCE_IP_NOT_ALLOWED', sipCode: 403 });
    expect(denied[0]?.source).toBe('tollgate');
  });
});
