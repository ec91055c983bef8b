/**
 * Unblock hints through the HTTP API: a denial carries `unblock`, the hint applied as a screen would apply it (the
 * changed field through PUT /policy with the customer's credential, a credit through POST /credits) lets the next
 * attempt of the same call through, and the access log shows the hint with the stored decision.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

type Change = { path?: string; value?: unknown; add?: unknown; remove?: unknown; action?: string; amount?: number; by: string };
type Answer = { decision: string; reason: string; unblock?: Change[]; decisionId: string };

let stack: TestStack;
let switchToken: string;
let sequence = 0;
const customers = new Map<string, string>();

beforeAll(async () => {
  stack = await startTestStack();
  expect((await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  switchToken = await stack.issue('switch');
});

afterAll(async () => {
  await stack?.stop();
});

async function createAccount(accountId: string, policy: Record<string, unknown>, balance: number) {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: balance } })).status).toBe(200);
  const customer = await stack.issue('customer', accountId);
  customers.set(accountId, customer);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { token: customer, body: { allowedIps: ['203.0.113.0/24'], ...policy } })).status).toBe(200);
}

async function authorize(accountId: string, to: string, sourceIp = '203.0.113.10'): Promise<Answer> {
  const body = { callId: `unblock-${(sequence += 1)}`, to, from: '+13055550100', sourceIp, authMethod: 'ip', accountId };
  const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body });
  expect(response.status).toBe(200);
  return response.body as Answer;
}

/** Applies each change as a screen would: the customer's PUT /policy with the one field changed, an admin's credit. */
async function apply(accountId: string, changes: readonly Change[]) {
  for (const change of changes) {
    if (change.action === 'credit') {
      expect(change.by).toBe('admin');
      expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { token: stack.adminToken, body: { amount: change.amount } })).status).toBe(200);
      continue;
    }
    expect(change.by).toBe('customer');
    const token = customers.get(accountId) ?? '';
    const policy = (await stack.call('GET', `/v1/accounts/${accountId}/policy`, { token })).body.policy as Record<string, any>;
    const names = (change.path ?? '').split('.');
    let holder = policy;
    for (const name of names.slice(0, -1)) holder = holder[name];
    const last = names.at(-1) as string;
    if ('value' in change) holder[last] = change.value;
    else if ('add' in change) holder[last] = [...holder[last], change.add];
    else holder[last] = holder[last].filter((entry: unknown) => entry !== change.remove);
    const put = await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { token, body: policy });
    expect(put.status).toBe(200);
  }
}

describe('a denial, its hint applied, the next call through', () => {
  it('RATE_ABOVE_MAX: the maximum raised to the rate of Dominica', async () => {
    await createAccount('rate', { internationalEnabled: true, maxRatePerMinute: 0.05 }, 20);
    const denied = await authorize('rate', '+17675551234');
    expect(denied).toMatchObject({ decision: 'deny', reason: 'RATE_ABOVE_MAX', unblock: [{ path: 'maxRatePerMinute', value: 0.27, by: 'customer' }] });

    await apply('rate', denied.unblock ?? []);

    expect(await authorize('rate', '+17675551234')).toMatchObject({ decision: 'allow' });
  });

  it('INTERNATIONAL_DISABLED: the country whitelisted', async () => {
    await createAccount('domestic', {}, 20);
    const denied = await authorize('domestic', '+442079460000');
    expect(denied).toMatchObject({ reason: 'INTERNATIONAL_DISABLED', unblock: [{ path: 'whitelistCountries', add: 'GB', by: 'customer' }] });

    await apply('domestic', denied.unblock ?? []);

    expect(await authorize('domestic', '+442079460000')).toMatchObject({ decision: 'allow' });
  });

  it('SOURCE_IP_NOT_ALLOWED: the source allowed', async () => {
    await createAccount('peer', {}, 20);
    const denied = await authorize('peer', '+12125550123', '198.51.100.9');
    expect(denied).toMatchObject({ reason: 'SOURCE_IP_NOT_ALLOWED', unblock: [{ path: 'allowedIps', add: '198.51.100.9', by: 'customer' }] });

    await apply('peer', denied.unblock ?? []);

    expect(await authorize('peer', '+12125550123', '198.51.100.9')).toMatchObject({ decision: 'allow' });
  });

  it('INSUFFICIENT_BALANCE: a credit of what is missing for the minimum billable time', async () => {
    await createAccount('thin', { internationalEnabled: true }, 0.1);
    const denied = await authorize('thin', '+18765550123');
    // Jamaica at 0.26/min: 60 s cost 0.26, 0.10 is there.
    expect(denied).toMatchObject({ reason: 'INSUFFICIENT_BALANCE', unblock: [{ action: 'credit', amount: 0.16, by: 'admin' }] });

    await apply('thin', denied.unblock ?? []);

    expect(await authorize('thin', '+18765550123')).toMatchObject({ decision: 'allow' });
  });

  it('shows the hint with the stored decision in the access log, and none on an allow', async () => {
    const log = await stack.call('GET', '/v1/accounts/rate/decisions', { token: customers.get('rate') ?? '' });
    const [allowed, denied] = log.body.decisions as { reason: string; unblock?: Change[] }[];

    expect(denied).toMatchObject({ reason: 'RATE_ABOVE_MAX', unblock: [{ path: 'maxRatePerMinute', value: 0.27, by: 'customer' }] });
    expect(allowed).toMatchObject({ reason: 'ALLOWED' });
    expect(allowed?.unblock).toBeUndefined();
  });

  it('answers an empty hint when nothing short of a reviewer may help: an unknown account', async () => {
    const denied = await authorize('nobody', '+12125550123');

    expect(denied).toMatchObject({ reason: 'ACCOUNT_NOT_FOUND', unblock: [] });
  });
});
