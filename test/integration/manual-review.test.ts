import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail } from '../../domain/events/contracts.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

let stack: TestStack;
let switchToken: string;
let reviewerToken: string;
let callNumber = 0;

function restricted(accountId: string, destination: string, eventId: string): EventDetail<'Destination Restricted'> {
  return {
    eventId,
    occurredAt: new Date().toISOString(),
    accountId,
    destination,
    callId: `call-${eventId}`,
    evidence: {
      rule: 'burst-to-new-destination',
      destinations: [destination],
      attempts: 4,
      newDestinationAttempts: 4,
      windowMinutes: 10,
      spendLastHour: 1.5,
      thresholds: { newDestinationAttempts: 4, windowMinutes: 10 },
    },
  };
}

async function restrict(accountId: string, destination: string, eventId: string, times = 1) {
  for (let index = 0; index < times; index += 1) {
    await stack.events.bus.publish([{ detailType: 'Destination Restricted', detail: restricted(accountId, destination, eventId) }]);
  }
  await stack.events.settle();
}

async function createAccount(accountId: string) {
  const admin = { token: stack.adminToken };
  expect((await stack.call('POST', '/v1/accounts', { ...admin, body: { accountId, name: accountId, homeCountry: 'US' } })).status).toBe(201);
  expect((await stack.call('PUT', `/v1/accounts/${accountId}/policy`, { ...admin, body: { allowedIps: ['203.0.113.0/24'] } })).status).toBe(200);
  expect((await stack.call('POST', `/v1/accounts/${accountId}/credits`, { ...admin, body: { amount: 10 } })).status).toBe(200);
}

async function authorize(accountId: string) {
  callNumber += 1;
  const body = { callId: `review-${callNumber}`, to: '+12125550123', sourceIp: '203.0.113.10', authMethod: 'ip', accountId };
  return (await stack.call('POST', '/v1/authorize', { token: switchToken, body })).body;
}

async function openReviewOf(accountId: string) {
  const queue = await stack.call('GET', '/v1/reviews?status=open', { token: reviewerToken });
  return queue.body.reviews.find((review: { accountId: string }) => review.accountId === accountId);
}

const published = (detailType: string, accountId: string) =>
  stack.events.bus.published.filter((event) => event['detail-type'] === detailType && (event.detail as { accountId?: string }).accountId === accountId);

beforeAll(async () => {
  stack = await startTestStack({ eventBaseDelayMs: 20 });
  await stack.call('PUT', '/v1/rate-deck', { token: stack.adminToken, rawBody: 'prefix,country,description,rate_per_minute\n1,US,US,0.01\n370,LT,LT,0.02\n', contentType: 'text/csv' });
  switchToken = await stack.issue('switch');
  reviewerToken = await stack.issue('reviewer');
});

afterAll(async () => {
  await stack?.stop();
});

describe('manual review over HTTP', () => {
  it('opens one review with the evidence when a destination is restricted, despite a duplicated event', async () => {
    await createAccount('victim');
    await restrict('victim', 'LT', 'victim-r1', 2);

    const review = await openReviewOf('victim');
    expect(review).toMatchObject({ status: 'open', destinations: ['LT'], resolution: null });
    expect(review.evidence).toHaveLength(1);
    expect(review.evidence[0]).toMatchObject({ destination: 'LT', callId: 'call-victim-r1', evidence: { rule: 'burst-to-new-destination', attempts: 4, spendLastHour: 1.5, windowMinutes: 10 } });
    expect((await stack.adapters.accounts.get('victim'))?.openReviewId).toBe(review.reviewId);
    expect(published('Account Flagged For Review', 'victim')).toHaveLength(1);
    expect(published('Account Flagged For Review', 'victim')[0]?.detail).toMatchObject({ reviewId: review.reviewId });
  });

  it('adds a second restricted destination to the open review instead of opening another', async () => {
    await restrict('victim', 'XS', 'victim-r2');

    const queue = await stack.call('GET', '/v1/reviews?status=open', { token: reviewerToken });
    const reviews = queue.body.reviews.filter((review: { accountId: string }) => review.accountId === 'victim');
    expect(reviews).toHaveLength(1);
    expect(reviews[0].destinations).toEqual(['LT', 'XS']);
    expect(reviews[0].evidence).toHaveLength(2);
    expect(published('Account Flagged For Review', 'victim')).toHaveLength(1);
  });

  it('leaves ordinary calls alone while the review is open', async () => {
    expect(await authorize('victim')).toMatchObject({ decision: 'allow' });
  });

  it('requires a note to resolve (400 naming the field)', async () => {
    const review = await openReviewOf('victim');
    const response = await stack.call('POST', `/v1/reviews/${review.reviewId}/resolve`, { token: reviewerToken, body: { action: 'suspend', note: ' ' } });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual(expect.objectContaining({ field: 'note' }));
  });

  it('suspends on resolve; authorize then denies ACCOUNT_SUSPENDED; a second resolve is a 409', async () => {
    const review = await openReviewOf('victim');
    const resolved = await stack.call('POST', `/v1/reviews/${review.reviewId}/resolve`, { token: reviewerToken, body: { action: 'suspend', note: 'IRSF confirmed with the customer' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      review: { status: 'resolved', resolution: { action: 'suspend', note: 'IRSF confirmed with the customer', resolvedBy: expect.stringMatching(/^reviewer:/) } },
      account: { accountId: 'victim', status: 'suspended' },
    });

    expect(await authorize('victim')).toMatchObject({ decision: 'deny', reason: 'ACCOUNT_SUSPENDED', sipCode: 403 });
    expect((await stack.adapters.accounts.get('victim'))?.openReviewId).toBeUndefined();

    const again = await stack.call('POST', `/v1/reviews/${review.reviewId}/resolve`, { token: reviewerToken, body: { action: 'clear', note: 'changed my mind' } });
    expect(again.status).toBe(409);

    await stack.events.settle();
    expect(published('Review Resolved', 'victim')).toHaveLength(1);
    expect(published('Review Resolved', 'victim')[0]?.detail).toMatchObject({ reviewId: review.reviewId, action: 'suspend' });
  });

  it('lists resolved reviews with their resolution, newest first', async () => {
    const resolved = await stack.call('GET', '/v1/reviews?status=resolved', { token: reviewerToken });
    expect(resolved.status).toBe(200);
    expect(resolved.body.reviews[0]).toMatchObject({ accountId: 'victim', status: 'resolved', resolution: { action: 'suspend' } });
  });

  it('audits the review with who, when, before and after, newest first', async () => {
    const audit = await stack.call('GET', '/v1/accounts/victim/audit', { token: reviewerToken });
    expect(audit.status).toBe(200);
    const actions = audit.body.records.map((record: { action: string }) => record.action);
    expect(actions.slice(0, 3)).toEqual(['review.suspend', 'review.evidence-added', 'review.opened']);
    expect(audit.body.records[0]).toMatchObject({
      actor: expect.stringMatching(/^reviewer:/),
      at: expect.any(String),
      before: { accountStatus: 'active', reviewStatus: 'open' },
      after: { accountStatus: 'suspended', reviewStatus: 'resolved', openReviewId: null, note: 'IRSF confirmed with the customer' },
    });
  });

  it('clears a review: the flag goes, the account stays active, and a later restriction opens a new review', async () => {
    await createAccount('cleared');
    await restrict('cleared', 'LT', 'cleared-r1');
    const first = await openReviewOf('cleared');

    const response = await stack.call('POST', `/v1/reviews/${first.reviewId}/resolve`, { token: stack.adminToken, body: { action: 'clear', note: 'customer travelling, traffic legitimate' } });
    expect(response.status).toBe(200);
    expect(response.body.account.status).toBe('active');
    expect((await stack.adapters.accounts.get('cleared'))?.openReviewId).toBeUndefined();
    expect(await authorize('cleared')).toMatchObject({ decision: 'allow' });

    await restrict('cleared', 'XS', 'cleared-r2');
    const second = await openReviewOf('cleared');
    expect(second.reviewId).not.toBe(first.reviewId);
  });

  it('holds an account whose carrier policy says holdOnReview: new calls get ACCOUNT_UNDER_REVIEW until the review is cleared', async () => {
    await createAccount('held');
    const carrier = await stack.call('PUT', '/v1/accounts/held/carrier-policy', { token: reviewerToken, body: { holdOnReview: true } });
    expect(carrier.status).toBe(200);
    expect(await authorize('held')).toMatchObject({ decision: 'allow' });

    await restrict('held', 'LT', 'held-r1');
    const review = await openReviewOf('held');
    expect((await stack.call('GET', '/v1/accounts/held', { token: reviewerToken })).body).toMatchObject({ status: 'under_review' });
    expect(await authorize('held')).toMatchObject({ decision: 'deny', reason: 'ACCOUNT_UNDER_REVIEW', sipCode: 403, rule: { evidence: { status: 'under_review' } } });
    expect(published('Account Flagged For Review', 'held')[0]?.detail).toMatchObject({ reviewId: review.reviewId, accountHeld: true });

    const cleared = await stack.call('POST', `/v1/reviews/${review.reviewId}/resolve`, { token: reviewerToken, body: { action: 'clear', note: 'PBX owner confirmed the calls' } });
    expect(cleared.body.account.status).toBe('active');
    expect(await authorize('held')).toMatchObject({ decision: 'allow' });
  });

  it('answers 404 for an unknown review and keeps customers out of the queue and the audit trail', async () => {
    expect((await stack.call('POST', '/v1/reviews/nope/resolve', { token: reviewerToken, body: { action: 'clear', note: 'x' } })).status).toBe(404);
    const customer = await stack.issue('customer', 'victim');
    expect((await stack.call('GET', '/v1/reviews', { token: customer })).status).toBe(403);
    expect((await stack.call('GET', '/v1/accounts/victim/audit', { token: customer })).status).toBe(403);
    expect((await stack.call('GET', '/v1/reviews?status=closed', { token: reviewerToken })).status).toBe(400);
  });
});

describe('policy changes are audited with their event', () => {
  it('writes before/after and emits Policy Changed with the changed fields; an identical PUT writes nothing', async () => {
    await createAccount('tuned');
    const customer = await stack.issue('customer', 'tuned');
    const policy = { allowedIps: ['203.0.113.0/24'], maxRatePerMinute: 0.05 };
    expect((await stack.call('PUT', '/v1/accounts/tuned/policy', { token: customer, body: policy })).status).toBe(200);
    expect((await stack.call('PUT', '/v1/accounts/tuned/policy', { token: customer, body: policy })).status).toBe(200);
    await stack.events.settle();

    const audit = await stack.call('GET', '/v1/accounts/tuned/audit', { token: stack.adminToken });
    const changes = audit.body.records.filter((record: { action: string }) => record.action === 'policy.replaced');
    expect(changes).toHaveLength(2); // the admin's setup and the customer's change; not the identical repeat
    expect(changes[0]).toMatchObject({ actor: expect.stringMatching(/^customer:/), before: { maxRatePerMinute: null }, after: { maxRatePerMinute: 0.05 } });

    const events = published('Policy Changed', 'tuned');
    expect(events.at(-1)?.detail).toMatchObject({ changedFields: ['maxRatePerMinute'], changedBy: expect.stringMatching(/^customer:/) });
  });

  it('pages the audit trail with an opaque cursor and rejects a forged one', async () => {
    const first = await stack.call('GET', '/v1/accounts/victim/audit?limit=1', { token: reviewerToken });
    expect(first.body.records).toHaveLength(1);
    const second = await stack.call('GET', `/v1/accounts/victim/audit?limit=1&cursor=${first.body.nextCursor}`, { token: reviewerToken });
    expect(second.body.records[0].id).not.toBe(first.body.records[0].id);
    for (const forged of [{ pk: 'AUDIT#tuned', sk: '2026' }, { pk: 'AUDIT#victim', sk: '2026', extra: 'x' }, 'not json']) {
      const cursor = Buffer.from(typeof forged === 'string' ? forged : JSON.stringify(forged)).toString('base64url');
      const rejected = await stack.call('GET', `/v1/accounts/victim/audit?cursor=${cursor}`, { token: reviewerToken });
      expect(rejected.status).toBe(400);
      expect(rejected.body.error.details[0].field).toBe('cursor');
    }
  });
});
