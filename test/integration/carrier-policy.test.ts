/**
 * A stolen customer token must not switch fraud control off: the customer's own policy may only be as strict as the
 * carrier's controls, and calls are decided on the stricter of the two.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

let stack: TestStack;
let customer: string;
let reviewer: string;
let switchToken: string;
let sequence = 0;

const loosePolicy = { allowedIps: ['203.0.113.0/24'], internationalEnabled: true, maxRatePerMinute: 0.5, limits: { concurrentCalls: 5 } };

beforeAll(async () => {
  stack = await startTestStack();
  const admin = { token: stack.adminToken };
  expect((await stack.call('PUT', '/v1/rate-deck', { ...admin, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'pbx', name: 'PBX', homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('POST', '/v1/accounts/pbx/credits', { ...admin, body: { amount: 100 } })).status).toBe(200);
  customer = await stack.issue('customer', 'pbx');
  reviewer = await stack.issue('reviewer');
  switchToken = await stack.issue('switch');
  expect((await stack.call('PUT', '/v1/accounts/pbx/policy', { token: customer, body: loosePolicy })).status).toBe(200);
  const carrier = { maxRatePerMinute: 0.1, limits: { concurrentCalls: 10, spendPerDay: 50 }, autoRestriction: { enabled: true, newDestinationAttempts: 3 } };
  expect((await stack.call('PUT', '/v1/accounts/pbx/carrier-policy', { token: reviewer, body: carrier })).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
});

async function authorize(to: string) {
  const body = { callId: `carrier-${(sequence += 1)}`, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'pbx' };
  return (await stack.call('POST', '/v1/authorize', { token: switchToken, body })).body as { decision: string; reason: string; rule: { evidence: Record<string, unknown> } };
}

describe("a customer's policy against the carrier's controls", () => {
  it('refuses a customer change beyond a ceiling, a loosened detection or a wide-open source range, naming each field', async () => {
    const attempt = {
      ...loosePolicy,
      maxRatePerMinute: 5,
      limits: { concurrentCalls: 500 },
      autoRestriction: { enabled: false },
      allowedIps: ['0.0.0.0/0', '203.0.113.10'],
      allowedHighRiskPrefixes: ['881'],
    };
    const refused = await stack.call('PUT', '/v1/accounts/pbx/policy', { token: customer, body: attempt });
    expect(refused.status).toBe(403);
    expect((refused.body.error.details as { field: string }[]).map((detail) => detail.field).sort()).toEqual(
      ['allowedHighRiskPrefixes.0', 'allowedIps.0', 'autoRestriction.enabled', 'limits.concurrentCalls', 'limits.spendPerDay', 'maxRatePerMinute'].sort(),
    );
    // Nothing was written.
    expect((await stack.call('GET', '/v1/accounts/pbx/policy', { token: customer })).body.policy).toMatchObject({ maxRatePerMinute: 0.5, allowedIps: ['203.0.113.0/24'] });
  });

  it('accepts a customer change that stays within the controls', async () => {
    const within = { ...loosePolicy, maxRatePerMinute: 0.08, limits: { concurrentCalls: 4, spendPerDay: 20 } };
    const accepted = await stack.call('PUT', '/v1/accounts/pbx/policy', { token: customer, body: within });
    expect(accepted.status).toBe(200);
    expect(accepted.body.effectivePolicy).toMatchObject({ maxRatePerMinute: 0.08, limits: { concurrentCalls: 4, spendPerDay: 20 } });
  });

  it('decides calls on the stricter of the two, whatever an admin wrote into the customer policy', async () => {
    const adminWritten = { ...loosePolicy, maxRatePerMinute: 2, limits: { concurrentCalls: 50 } };
    expect((await stack.call('PUT', '/v1/accounts/pbx/policy', { token: stack.adminToken, body: adminWritten })).status).toBe(200);
    const view = await stack.call('GET', '/v1/accounts/pbx/policy', { token: customer });
    expect(view.body).toMatchObject({ policy: { maxRatePerMinute: 2 }, carrierPolicy: { maxRatePerMinute: 0.1 }, effectivePolicy: { maxRatePerMinute: 0.1, limits: { concurrentCalls: 10, spendPerDay: 50 } } });
    // Dominica at 0.27/min: under the customer's 2.00, over the carrier's 0.10.
    expect(await authorize('+17675551234')).toMatchObject({ decision: 'deny', reason: 'RATE_ABOVE_MAX', rule: { evidence: { maxRatePerMinute: 0.1 } } });
  });

  it('audits a carrier-policy change and emits Policy Changed with the fields it changed', async () => {
    const audit = await stack.call('GET', '/v1/accounts/pbx/audit', { token: stack.adminToken });
    expect(audit.body.records).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'carrier-policy.replaced', actor: expect.stringMatching(/^reviewer:/) })]));
    await stack.events.settle();
    const changed = stack.events.bus.published.filter((event) => event['detail-type'] === 'Policy Changed' && (event.detail as { changedFields: string[] }).changedFields.some((field) => field.startsWith('carrierPolicy.')));
    expect(changed.length).toBeGreaterThan(0);
  });

  it("holds the carrier's rate ceiling for a country the customer whitelisted (a stolen token cannot whitelist its way past it)", async () => {
    const whitelisted = { ...loosePolicy, maxRatePerMinute: 0.08, limits: { concurrentCalls: 4, spendPerDay: 20 }, whitelistCountries: ['DM'] };
    expect((await stack.call('PUT', '/v1/accounts/pbx/policy', { token: customer, body: whitelisted })).status).toBe(200);
    // Dominica at 0.27/min: whitelisting lifts the customer's own 0.08, never the carrier's 0.10.
    expect(await authorize('+17675551234')).toMatchObject({ decision: 'deny', reason: 'RATE_ABOVE_MAX', rule: { evidence: { maxRatePerMinute: 0.1, whitelisted: true, setBy: 'carrier' } } });
  });

  it('refuses a customer whitelisting a country while the carrier keeps international calling off; an admin may', async () => {
    expect((await stack.call('POST', '/v1/accounts', { token: stack.adminToken, body: { accountId: 'domestic', name: 'domestic', homeCountry: 'US' } })).status).toBe(201);
    expect((await stack.call('PUT', '/v1/accounts/domestic/carrier-policy', { token: reviewer, body: { internationalEnabled: false } })).status).toBe(200);
    const domesticCustomer = await stack.issue('customer', 'domestic');

    const refused = await stack.call('PUT', '/v1/accounts/domestic/policy', { token: domesticCustomer, body: { allowedIps: ['203.0.113.0/24'], whitelistCountries: ['CU'] } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual([expect.objectContaining({ field: 'whitelistCountries.0' })]);

    const byAdmin = await stack.call('PUT', '/v1/accounts/domestic/policy', { token: stack.adminToken, body: { allowedIps: ['203.0.113.0/24'], whitelistCountries: ['CU'] } });
    expect(byAdmin.status).toBe(200);
    // What an admin whitelisted, the customer may keep when it changes something else.
    const kept = await stack.call('PUT', '/v1/accounts/domestic/policy', { token: domesticCustomer, body: { allowedIps: ['203.0.113.0/24'], whitelistCountries: ['CU'], maxRatePerMinute: 1 } });
    expect(kept.status).toBe(200);
  });

  it('lets neither a customer write the carrier policy nor read another account', async () => {
    expect((await stack.call('PUT', '/v1/accounts/pbx/carrier-policy', { token: customer, body: {} })).status).toBe(403);
    expect((await stack.call('GET', '/v1/accounts/pbx/carrier-policy', { token: customer })).status).toBe(403);
  });
});
