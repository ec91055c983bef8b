/**
 * The carrier-wide range watch over HTTP on the local stack: one range, many accounts. Each account dials a range
 * unusual for it once (under its own burst threshold); the range watch, fed by the table stream, restricts the range
 * for such accounts once 5 distinct accounts dialled it in the hour, so the 6th is stopped. Accounts for which
 * the destination is usual (home, whitelisted) never trip it. The restriction opens a carrier review on the fraud
 * desk's queue with the evidence; a reviewer lifts it through the review (or DELETE), which closes both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settableClock } from '../support/settable-clock.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const DECK = ['prefix,country,description,rate_per_minute', '1,US,US,0.0045', '44,GB,GB fixed,0.0121', '232,SL,SL fixed,0.1500', '23276,SL,SL mobile,0.5500', '370,LT,LT fixed,0.0500', '3706,LT,LT mobile,0.6000', '639,PH,PH mobile,0.1100', '8819,ZZ,premium satellite,0.9000'].join('\n');

const clock = settableClock('2026-03-02T18:05:00.000Z');
let stack: TestStack;
let switchToken: string;
let reviewer: string;
let sequence = 0;

interface RangeReviewView {
  reviewId: string;
  scope: 'carrier';
  range: string;
  status: 'open' | 'resolved';
  evidence: {
    restrictedAt: string;
    distinctAccounts: number;
    threshold: number;
    windowMinutes: number;
    accounts: { accountId: string; firstDialledAt: string | null; numbers: { number: string; firstDialledAt: string }[] }[];
    numbers: string[];
  };
  resolution: { action: string; note: string; resolvedBy: string } | null;
}

async function carrierReviews(status: 'open' | 'resolved', range: string): Promise<RangeReviewView[]> {
  const answer = await stack.call('GET', `/v1/reviews?status=${status}&limit=100`, { token: reviewer });
  expect(answer.status).toBe(200);
  return answer.body.reviews.filter((review: { scope: string; range?: string }) => review.scope === 'carrier' && review.range === range);
}

interface Decision {
  decision: 'allow' | 'deny';
  reason: string;
  rule: { evidence: Record<string, unknown> };
}

async function createAccount(accountId: string, policy: Record<string, unknown> = {}) {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'], internationalEnabled: true, ...policy } })).status).toBe(200);
  expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: 100 } })).status).toBe(200);
}

async function dial(accountId: string, to: string): Promise<Decision> {
  sequence += 1;
  const body = { callId: `range-${sequence}`, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId };
  const answer = await stack.call<Decision>('POST', '/v1/authorize', { token: switchToken, body });
  expect(answer.status).toBe(200);
  clock.advance(30_000);
  await stack.events.settle();
  return answer.body;
}

const rangeRestricted = () => stack.events.bus.published.filter((event) => event['detail-type'] === 'Range Restricted');

beforeAll(async () => {
  stack = await startTestStack({ clock });
  expect((await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: DECK, contentType: 'text/csv' })).status).toBe(200);
  switchToken = await stack.issue('switch');
  reviewer = await stack.issue('reviewer');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the carrier-wide range watch', () => {
  it('never trips on fifty accounts calling their usual country (home or whitelisted), however many call one number', async () => {
    for (let index = 0; index < 50; index += 1) {
      const accountId = `usual-${index}`;
      const whitelisted = index % 2 === 1;
      await createAccount(accountId, whitelisted ? { whitelistCountries: ['GB'] } : {});
      const decision = await dial(accountId, whitelisted ? '+442071234567' : '+13055550199');
      expect(decision.decision, accountId).toBe('allow');
    }
    expect(rangeRestricted()).toEqual([]);
    const listed = await stack.call('GET', '/v1/range-restrictions', { token: reviewer });
    expect(listed.status).toBe(200);
    expect(listed.body.count).toBe(0);
    expect(stack.events.bus.deadLetters).toEqual([]);
  }, 240_000);

  it('stops the sixth of twelve accounts each dialling one unusual range once, carrier-wide; a reviewer lifts it', async () => {
    const decisions: Decision[] = [];
    for (let index = 0; index < 12; index += 1) {
      await createAccount(`pbx-${index}`);
      decisions.push(await dial(`pbx-${index}`, `+2327612345${String(index % 10)}`));
    }

    expect(decisions.slice(0, 5).map((decision) => decision.decision)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow']);
    for (const decision of decisions.slice(5)) {
      expect(decision).toMatchObject({
        decision: 'deny',
        reason: 'DESTINATION_RESTRICTED',
        rule: { evidence: { restrictedBy: '23276', newlyRestricted: false, scope: 'carrier' } },
        unblock: [{ action: 'review', review: 'lift-range-restriction', destination: '23276', by: 'reviewer' }],
      });
    }
    const events = rangeRestricted();
    expect(events.map((event) => (event.detail as { range: string }).range)).toEqual(['23276']);
    expect(events[0]?.detail).toMatchObject({ distinctAccounts: 5, threshold: 5, windowMinutes: 60, accounts: ['pbx-0', 'pbx-1', 'pbx-2', 'pbx-3', 'pbx-4'] });

    // An account for which Sierra Leone is usual (whitelisted) still calls the range.
    await createAccount('diaspora', { whitelistCountries: ['SL'] });
    expect((await dial('diaspora', '+23276123456')).decision).toBe('allow');

    const listed = await stack.call('GET', '/v1/range-restrictions', { token: reviewer });
    expect(listed.status).toBe(200);
    expect(listed.body.restrictions.map((restriction: { range: string }) => restriction.range)).toEqual(['23276']);
    expect(listed.body.restrictions[0].evidence.accounts).toHaveLength(5);

    const customer = await stack.issue('customer', 'pbx-0');
    expect((await stack.call('DELETE', '/v1/range-restrictions/23276', { token: customer })).status).toBe(403);
    expect((await stack.call('GET', '/v1/range-restrictions', { token: customer })).status).toBe(403);

    const [review] = await carrierReviews('open', '23276');
    expect(listed.body.restrictions[0].reviewId).toBe(review?.reviewId);

    const lifted = await stack.call('DELETE', '/v1/range-restrictions/23276', { token: reviewer });
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ range: '23276', lifted: true, reviewClosed: true });
    expect((await stack.call('DELETE', '/v1/range-restrictions/23276', { token: reviewer })).status).toBe(404);
    // Lifting through DELETE closed the carrier review too.
    expect(await carrierReviews('open', '23276')).toEqual([]);
    expect(await carrierReviews('resolved', '23276')).toMatchObject([{ reviewId: review?.reviewId, status: 'resolved', resolution: { action: 'clear' } }]);

    expect((await dial('pbx-11', '+23276999999')).decision).toBe('allow');
    const audit = await stack.call('GET', '/v1/audit', { token: stack.adminToken });
    expect(audit.body.records.map((record: { action: string }) => record.action)).toEqual(expect.arrayContaining(['range.restrict', 'range.lift']));
    expect(stack.events.bus.deadLetters).toEqual([]);
  }, 240_000);

  it('opens one carrier review with the evidence on the fraud desk queue; clearing it lifts the range and closes it', async () => {
    const numbers = Array.from({ length: 12 }, (_, index) => `+370612345${String(index).padStart(2, '0')}`);
    const dialledAt: string[] = [];
    const decisions: Decision[] = [];
    for (let index = 0; index < 12; index += 1) {
      await createAccount(`lt-${index}`);
      dialledAt.push(clock.now().toISOString());
      decisions.push(await dial(`lt-${index}`, numbers[index] ?? ''));
    }
    expect(decisions.map((decision) => decision.decision)).toEqual([...Array(5).fill('allow'), ...Array(7).fill('deny')]);

    // One review, carrier scope, with the accounts, the number each dialled and when, the count, threshold and window.
    const open = await carrierReviews('open', '3706');
    expect(open).toHaveLength(1);
    const review = open[0] as RangeReviewView;
    expect(review).toMatchObject({ scope: 'carrier', range: '3706', status: 'open', resolution: null });
    expect(review).not.toHaveProperty('accountId');
    expect(review.evidence).toMatchObject({ distinctAccounts: 5, threshold: 5, windowMinutes: 60, numbers: numbers.slice(0, 5) });
    expect(review.evidence.accounts).toEqual(
      [0, 1, 2, 3, 4].map((index) => ({ accountId: `lt-${index}`, firstDialledAt: dialledAt[index], numbers: [{ number: numbers[index], firstDialledAt: dialledAt[index] }] })),
    );

    // A redelivered event (the one that tripped the restriction) opens no second review.
    const tripping = stack.events.bus.published.find(
      (event) => event['detail-type'] === 'Unusual Destination Dialled' && (event.detail as { accountId: string }).accountId === 'lt-4',
    );
    expect(tripping).toBeDefined();
    await stack.events.bus.publish([{ detailType: 'Unusual Destination Dialled', detail: tripping?.detail as never }]);
    await stack.events.settle();
    expect(await carrierReviews('open', '3706')).toHaveLength(1);
    expect(rangeRestricted().filter((event) => (event.detail as { range: string }).range === '3706')).toHaveLength(1);

    // No customer sees it or resolves it, and it is on no account.
    const customer = await stack.issue('customer', 'lt-0');
    expect((await stack.call('GET', '/v1/reviews', { token: customer })).status).toBe(403);
    expect((await stack.call('GET', '/v1/reviews?status=resolved', { token: customer })).status).toBe(403);
    expect((await stack.call('POST', `/v1/reviews/${review.reviewId}/resolve`, { token: customer, body: { action: 'clear', note: 'mine' } })).status).toBe(403);
    const own = await stack.call('GET', '/v1/accounts/lt-0', { token: customer });
    expect(own.status).toBe(200);
    expect(own.body.openReviewId ?? null).toBeNull();
    expect(own.text).not.toContain(review.reviewId);

    // A range is not suspended: 400 naming the action.
    const suspend = await stack.call('POST', `/v1/reviews/${review.reviewId}/resolve`, { token: reviewer, body: { action: 'suspend', note: 'no' } });
    expect(suspend.status).toBe(400);
    expect(suspend.body.error.details).toEqual([{ field: 'action', message: expect.stringContaining('clear or keep') }]);

    const resolved = await stack.call('POST', `/v1/reviews/${review.reviewId}/resolve`, { token: reviewer, body: { action: 'clear', note: 'a carrier test campaign' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      review: { reviewId: review.reviewId, scope: 'carrier', range: '3706', status: 'resolved', resolution: { action: 'clear', note: 'a carrier test campaign' } },
      restriction: { range: '3706', lifted: true },
    });
    expect(await carrierReviews('open', '3706')).toEqual([]);
    expect(await carrierReviews('resolved', '3706')).toHaveLength(1);
    const listed = await stack.call('GET', '/v1/range-restrictions', { token: reviewer });
    expect(listed.body.restrictions.map((restriction: { range: string }) => restriction.range)).not.toContain('3706');
    expect((await stack.call('DELETE', '/v1/range-restrictions/3706', { token: reviewer })).status).toBe(404);
    expect((await stack.call('POST', `/v1/reviews/${review.reviewId}/resolve`, { token: reviewer, body: { action: 'keep', note: 'late' } })).status).toBe(409);

    // The next call to the range passes.
    expect((await dial('lt-11', '+37061234599')).decision).toBe('allow');
    const audit = await stack.call('GET', '/v1/audit?limit=100', { token: stack.adminToken });
    const lift = audit.body.records.find((record: { action: string; after: { range?: string } | null }) => record.action === 'range.lift' && record.after?.range === '3706');
    expect(lift).toMatchObject({ scope: 'carrier', after: { status: 'lifted', reviewId: review.reviewId, reviewStatus: 'resolved', note: 'a carrier test campaign' } });
    expect(stack.events.bus.deadLetters).toEqual([]);
  }, 240_000);
});

/**
 * Popular destinations: only ranges dearer than minRatePerMinute (0.50, the rate up to which traffic makes a destination
 * usual) are watched. A diaspora carrier's new customers all calling one country's mobiles are not a wave.
 */
describe('the range watch and popular destinations', () => {
  it('never restricts a cheap range that twenty new customers each call, unusual for them, within the hour', async () => {
    const decisions = [];
    for (let index = 0; index < 20; index += 1) {
      await createAccount(`diaspora-${index}`);
      // Each calls family: a number of its own, twice in the evening.
      decisions.push(await dial(`diaspora-${index}`, `+63917${String(1_000_000 + index)}`));
      decisions.push(await dial(`diaspora-${index}`, `+63917${String(1_000_000 + index)}`));
    }
    expect(decisions.every((decision) => decision.decision === 'allow')).toBe(true);
    expect(rangeRestricted().filter((event) => /^\+?63/.test((event.detail as { range: string }).range))).toHaveLength(0);
  });

  it('restricts a premium range the same way dialled by the 6th account', async () => {
    const decisions = [];
    for (let index = 0; index < 8; index += 1) {
      await createAccount(`sat-${index}`);
      decisions.push(await dial(`sat-${index}`, `+8819${String(10_000_000 + index)}`));
    }
    expect(decisions.slice(0, 5).every((decision) => decision.decision === 'allow')).toBe(true);
    expect(decisions.slice(5).map((decision) => decision.reason)).toEqual(['DESTINATION_RESTRICTED', 'DESTINATION_RESTRICTED', 'DESTINATION_RESTRICTED']);
    expect(rangeRestricted().filter((event) => (event.detail as { range: string }).range === '8819')).toHaveLength(1);
  });

  it('counts the refusals of a carrier-restricted range towards the account\'s own burst: the PBX behind them is flagged', async () => {
    await createAccount('hammer');
    const reasons = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const decision = await dial('hammer', `+8819${String(20_000_000 + attempt)}`);
      reasons.push(`${decision.reason}:${String(decision.rule.evidence.scope ?? decision.rule.evidence.trigger)}`);
      if (decision.rule.evidence.trigger) break;
    }
    // Refused carrier-wide and counted, until the attempt that crosses the account's burst threshold (4 in the sliding
    // 10 minutes; the 4th or 5th, depending on where the window boundary falls) restricts ZZ for the account.
    expect(reasons.length).toBeGreaterThanOrEqual(4);
    expect(reasons.length).toBeLessThanOrEqual(5);
    expect(reasons.slice(0, -1).every((reason) => reason === 'DESTINATION_RESTRICTED:carrier')).toBe(true);
    expect(reasons.at(-1)).toBe('DESTINATION_RESTRICTED:destination-burst');
    const account = await stack.call('GET', '/v1/accounts/hammer', { token: stack.adminToken });
    expect(account.body.restrictedDestinations).toEqual(['ZZ']);
  });
});
