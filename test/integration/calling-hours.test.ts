/**
 * Calling windows through the HTTP API, on a stack whose clock the test sets: a policy with `callingHours`, a call
 * inside them allowed, one outside refused 403 OUTSIDE_CALLING_HOURS with the local time and the next window, the
 * carrier's windows on top of the customer's, and a bad time zone refused naming the field.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const SAMPLE_DECK = readFileSync(new URL('../../data/ratedeck-sample.csv', import.meta.url), 'utf8');

let stack: TestStack;
let customer: string;
let switchToken: string;
let sequence = 0;
let clockOffsetMs = 0;

/** The stack's clock reads this instant now, and runs on from it. */
function setClock(iso: string) {
  clockOffsetMs = Date.parse(iso) - Date.now();
}

const officeHours = {
  timezone: 'Europe/London',
  appliesTo: 'all',
  windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '19:00' }],
};
const basePolicy = { allowedIps: ['203.0.113.0/24'], internationalEnabled: true };

beforeAll(async () => {
  stack = await startTestStack({ clock: { now: () => new Date(Date.now() + clockOffsetMs) } });
  const admin = { token: stack.adminToken };
  expect((await stack.call('PUT', '/v1/rate-deck', { ...admin, rawBody: SAMPLE_DECK, contentType: 'text/csv' })).status).toBe(200);
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId: 'office', name: 'Office PBX', homeCountry: 'GB' } })).status).toBe(201);
  expect((await stack.call('POST', '/v1/accounts/office/credits', { ...admin, body: { amount: 50 } })).status).toBe(200);
  customer = await stack.issue('customer', 'office');
  switchToken = await stack.issue('switch');
});

afterAll(async () => {
  await stack?.stop();
});

async function authorize(to = '+12125550123') {
  const body = { callId: `hours-${(sequence += 1)}`, to, from: '+442079460000', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'office' };
  const response = await stack.call('POST', '/v1/authorize', { token: switchToken, body });
  expect(response.status).toBe(200);
  return response.body as { decision: string; reason: string; sipCode: number; rule: { step: number; evidence: Record<string, unknown> } };
}

describe('calling hours through the API', () => {
  it('stores the windows and shows them in the effective policy', async () => {
    const put = await stack.call('PUT', '/v1/accounts/office/policy', { token: customer, body: { ...basePolicy, callingHours: officeHours } });

    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ policy: { callingHours: officeHours }, effectivePolicy: { callingHours: officeHours, carrierCallingHours: null } });
  });

  it('allows a call inside the windows', async () => {
    setClock('2026-12-01T10:00:00.000Z'); // Tuesday 10:00 GMT

    expect(await authorize()).toMatchObject({ decision: 'allow', reason: 'ALLOWED' });
  });

  it('refuses a call outside them with 403, the local time and the next window', async () => {
    setClock('2026-12-01T20:15:00.000Z'); // Tuesday 20:15 GMT

    const answer = await authorize();

    expect(answer).toMatchObject({ decision: 'deny', reason: 'OUTSIDE_CALLING_HOURS', sipCode: 403, rule: { step: 12 } });
    expect(answer.rule.evidence).toMatchObject({
      setBy: 'customer',
      timezone: 'Europe/London',
      appliesTo: 'all',
      localTime: expect.stringMatching(/^2026-12-01T20:15:\d\d\+00:00$/),
      weekday: 'tue',
      nextWindow: { local: '2026-12-02T08:00:00+00:00', utc: '2026-12-02T08:00:00.000Z' },
    });
    expect((answer as { unblock?: unknown }).unblock).toEqual([{ path: 'callingHours.windows', add: { days: ['tue'], from: '20:00', to: '21:00' }, by: 'customer' }]);
  });

  it('reads the windows in summer time on the summer clock', async () => {
    setClock('2026-07-01T07:30:00.000Z'); // Wednesday 08:30 BST

    expect(await authorize()).toMatchObject({ decision: 'allow' });
  });

  it("adds the carrier's windows, which the customer's own cannot lift", async () => {
    const reviewer = await stack.issue('reviewer');
    const carrierHours = { timezone: 'Europe/London', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] };
    expect((await stack.call('PUT', '/v1/accounts/office/carrier-policy', { token: reviewer, body: { callingHours: carrierHours } })).status).toBe(200);
    const allWeek = { timezone: 'Europe/London', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }] };
    expect((await stack.call('PUT', '/v1/accounts/office/policy', { token: customer, body: { ...basePolicy, callingHours: allWeek } })).status).toBe(200);
    setClock('2026-12-01T18:00:00.000Z'); // Tuesday 18:00 GMT: inside the customer's, outside the carrier's

    const view = await stack.call('GET', '/v1/accounts/office/policy', { token: customer });
    const answer = await authorize();

    expect(view.body.effectivePolicy).toMatchObject({ callingHours: { windows: allWeek.windows }, carrierCallingHours: { windows: carrierHours.windows } });
    expect(answer).toMatchObject({ reason: 'OUTSIDE_CALLING_HOURS', rule: { evidence: { setBy: 'carrier', nextWindow: { utc: '2026-12-02T09:00:00.000Z' } } } });
    // Only an admin may widen the carrier's windows.
    expect((answer as { unblock?: unknown }).unblock).toEqual([{ path: 'carrierPolicy.callingHours.windows', add: { days: ['tue'], from: '18:00', to: '19:00' }, by: 'admin' }]);
  });

  it('refuses an unknown time zone and a bad window with 400, naming each field', async () => {
    const bad = { ...basePolicy, callingHours: { timezone: 'Europe/Atlantis', windows: [{ days: ['mon'], from: '08:00', to: '08:00' }] } };

    const refused = await stack.call('PUT', '/v1/accounts/office/policy', { token: customer, body: bad });

    expect(refused.status).toBe(400);
    expect((refused.body.error.details as { field: string }[]).map((detail) => detail.field).sort()).toEqual(['callingHours.timezone', 'callingHours.windows.0.to']);
  });
});
