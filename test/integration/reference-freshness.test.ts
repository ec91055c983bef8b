/**
 * A range added to the high-risk list during an attack, or a new rate deck, applies to the very next call in the
 * process that imported it and, in any other process, to every call decided 5 s (TOLLGATE_REFERENCE_REFRESH_SECONDS)
 * after the import, without a round trip on the calls in between.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRequests } from '../../functions/adapters/dynamodb/client.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

let importer: TestStack;
let other: TestStack;
let otherClockOffsetMs = 0;
let sequence = 0;

async function authorize(stack: TestStack, token: string, to: string) {
  const body = { callId: `fresh-${(sequence += 1)}`, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'fresh' };
  return (await stack.call('POST', '/v1/authorize', { token, body })).body as { reason: string; destination: { ratePerMinute: number } | null };
}

beforeAll(async () => {
  importer = await startTestStack();
  // A second process on the same table, with its own caches and a clock the test moves.
  other = await startTestStack({ tableName: importer.tableName, adminToken: importer.adminToken, clock: { now: () => new Date(Date.now() + otherClockOffsetMs) } });
  const admin = { token: importer.adminToken };
  expect((await importer.call('PUT', '/v1/rate-deck', { ...admin, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  expect((await importer.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'fresh', name: 'Fresh', homeCountry: 'US' } })).status).toBe(201);
  const policy = { allowedIps: ['203.0.113.0/24'], internationalEnabled: true, whitelistCountries: ['GB'] };
  expect((await importer.call('PUT', '/v1/accounts/fresh/policy', { ...admin, body: policy })).status).toBe(200);
  expect((await importer.call('POST', '/v1/accounts/fresh/credits', { ...admin, body: { amount: 50 } })).status).toBe(200);
});

afterAll(async () => {
  await other?.stop();
  await importer?.stop();
});

describe('reference data freshness', () => {
  it('applies a new high-risk range to the next call in the importing process and within 5 s in another', async () => {
    const importerSwitch = await importer.issue('switch');
    const otherSwitch = await other.issue('switch');
    // Both processes hold the list without the range: a call to London is allowed in each.
    expect((await authorize(importer, importerSwitch, '+442079460000')).reason).toBe('ALLOWED');
    expect((await authorize(other, otherSwitch, '+442079460001')).reason).toBe('ALLOWED');

    expect((await importer.call('PUT', '/v1/high-risk-prefixes', { token: importer.adminToken, body: { prefixes: ['4420794'] } })).status).toBe(200);
    expect((await authorize(importer, importerSwitch, '+442079460002')).reason).toBe('HIGH_RISK_DESTINATION');

    // The other process, 5 s later, decides its next call on the new list.
    otherClockOffsetMs = 5_100;
    expect((await authorize(other, otherSwitch, '+442079460003')).reason).toBe('HIGH_RISK_DESTINATION');
  });

  it('costs a warm process no extra round trip for the check while its copy is fresh', async () => {
    const token = await importer.issue('switch');
    await authorize(importer, token, '+12125550100');
    const counter = countRequests(importer.runtime.client);
    counter.reset();
    await authorize(importer, token, '+12125550101');
    expect(counter.steps).toHaveLength(1);
  });
});
