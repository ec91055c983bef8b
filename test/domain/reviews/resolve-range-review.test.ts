/**
 * Carrier reviews (a range the range watch restricted): lifted through the review or through
 * DELETE /v1/range-restrictions/{range} (makeLiftRange), the restriction and the review go together.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { LIFTED_THROUGH_DELETE, makeLiftRange, type LiftRange } from '../../../domain/profiling/lift-range.js';
import { rangeEvidenceOf, type StoredRangeRestriction } from '../../../domain/profiling/watch-range.js';
import { makeResolveReview, type ResolveReview, type ResolveReviewRequest } from '../../../domain/reviews/resolve-review.js';
import { openRangeReview, openReview, resolvedReview, type RangeReview } from '../../../domain/reviews/review.js';
import { account } from '../../support/fixtures.js';
import { InMemoryAccounts, InMemoryRangeRestrictions, InMemoryReviewStore } from '../../support/in-memory-reviews.js';
import { CountingIds, TestClock } from '../../support/test-ports.js';

const RESTRICTED_AT = '2026-03-01T11:00:00.000Z';
const NOW = '2026-03-01T12:00:00.000Z';

const restriction: StoredRangeRestriction = {
  range: '23276',
  status: 'active',
  restrictedAt: RESTRICTED_AT,
  accounts: ['a1', 'a2'],
  numbers: ['+23276123450', '+23276123451'],
  times: { a1: '2026-03-01T10:50:00.000Z', a2: '2026-03-01T10:55:00.000Z' },
  dialled: { a1: { '+23276123450': '2026-03-01T10:50:00.000Z' }, a2: { '+23276123451': '2026-03-01T10:55:00.000Z' } },
  distinctAccounts: 2,
  threshold: 2,
  windowMinutes: 60,
  reviewId: 'rr-1',
};

let accounts: InMemoryAccounts;
let reviews: InMemoryReviewStore;
let restrictions: InMemoryRangeRestrictions;
let liftRange: LiftRange;
let resolveReview: ResolveReview;

const rangeReview = (): RangeReview => openRangeReview('rr-1', '23276', rangeEvidenceOf(restriction));
const request = (overrides: Partial<ResolveReviewRequest> = {}): ResolveReviewRequest => ({ reviewId: 'rr-1', action: 'clear', note: 'a carrier test campaign', actor: 'reviewer:cred-1', ...overrides });

beforeEach(() => {
  accounts = new InMemoryAccounts([account({ accountId: 'acme', openReviewId: 'r-1' })]);
  reviews = new InMemoryReviewStore(accounts);
  restrictions = new InMemoryRangeRestrictions(reviews);
  restrictions.items.set('23276', restriction);
  reviews.reviews.set('rr-1', rangeReview());
  const ports = { clock: new TestClock(NOW), ids: new CountingIds('audit') };
  liftRange = makeLiftRange({ restrictions, reviews, ...ports });
  resolveReview = makeResolveReview({ accounts, reviews, liftRange, ...ports });
});

describe('clearing a carrier review', () => {
  it('lifts the range and closes the review in one write, audited with who, why, before and after', async () => {
    const outcome = await resolveReview(request());

    const resolution = { action: 'clear', note: 'a carrier test campaign', resolvedBy: 'reviewer:cred-1', resolvedAt: NOW };
    expect(outcome).toEqual({ kind: 'range-resolved', review: { ...rangeReview(), status: 'resolved', updatedAt: NOW, resolution, version: 2 }, range: { range: '23276', lifted: true } });
    expect(reviews.reviews.get('rr-1')).toMatchObject({ status: 'resolved', resolution });
    expect(restrictions.items.get('23276')).toMatchObject({ status: 'lifted', liftedAt: NOW });
    expect(restrictions.audit).toEqual([
      expect.objectContaining({
        scope: 'carrier',
        actor: 'reviewer:cred-1',
        action: 'range.lift',
        before: expect.objectContaining({ range: '23276', status: 'active', reviewId: 'rr-1', reviewStatus: 'open' }),
        after: { range: '23276', status: 'lifted', liftedAt: NOW, liftedBy: 'reviewer:cred-1', reviewId: 'rr-1', reviewStatus: 'resolved', note: 'a carrier test campaign' },
      }),
    ]);
    // No account is touched, and no account event goes out.
    expect(reviews.resolvedEvents).toEqual([]);
    expect(accounts.items.get('acme')?.openReviewId).toBe('r-1');
  });

  it('closes the review alone when its restriction is no longer active', async () => {
    restrictions.items.set('23276', { ...restriction, status: 'lifted', liftedAt: RESTRICTED_AT });

    const outcome = await resolveReview(request());

    expect(outcome).toMatchObject({ kind: 'range-resolved', range: { range: '23276', lifted: false }, review: { status: 'resolved' } });
    expect(reviews.audit).toEqual([expect.objectContaining({ scope: 'carrier', action: 'review.clear', after: expect.objectContaining({ reviewStatus: 'resolved', rangeRestricted: false }) })]);
    expect(restrictions.audit).toEqual([]);
  });

  it('does not lift a newer restriction of the same range that another review holds', async () => {
    restrictions.items.set('23276', { ...restriction, reviewId: 'rr-2' });

    expect(await resolveReview(request())).toMatchObject({ kind: 'range-resolved', range: { lifted: false } });
    expect(restrictions.items.get('23276')?.status).toBe('active');
  });

  it('answers already-resolved, and lifts nothing, when another reviewer kept it meanwhile', async () => {
    reviews.beforeNextWrite(async () => {
      await resolveReview(request({ action: 'keep', actor: 'reviewer:quicker' }));
    });

    const outcome = await resolveReview(request());

    expect(outcome).toMatchObject({ kind: 'already-resolved', review: { resolution: { action: 'keep', resolvedBy: 'reviewer:quicker' } } });
    expect(restrictions.items.get('23276')?.status).toBe('active');
  });
});

describe('keeping a carrier review', () => {
  it('closes the review, audited, and leaves the range restricted', async () => {
    const outcome = await resolveReview(request({ action: 'keep', note: 'confirmed IRSF' }));

    expect(outcome).toMatchObject({ kind: 'range-resolved', range: { range: '23276', lifted: false }, review: { status: 'resolved', resolution: { action: 'keep' } } });
    expect(restrictions.items.get('23276')?.status).toBe('active');
    expect(reviews.audit).toEqual([
      expect.objectContaining({ scope: 'carrier', action: 'review.keep', after: { reviewId: 'rr-1', scope: 'carrier', range: '23276', reviewStatus: 'resolved', rangeRestricted: true, note: 'confirmed IRSF' } }),
    ]);
  });
});

describe('actions a subject does not take', () => {
  it('refuses to suspend a range, and to keep an account, before writing anything', async () => {
    expect(await resolveReview(request({ action: 'suspend' }))).toEqual({ kind: 'action-not-applicable', scope: 'carrier', allowed: ['clear', 'keep'] });
    reviews.reviews.set('r-1', openReview('r-1', 'acme', { kind: 'known-peer-auth-failures', eventId: 'e-1', at: RESTRICTED_AT, ip: '198.51.100.20', evidence: {
      rule: 'known-peer-auth-failures', ip: '198.51.100.20', allowedEntry: '198.51.100.0/24', failures: 5, sipUsernames: [], window: { seconds: 600, firstFailureAt: RESTRICTED_AT, lastFailureAt: RESTRICTED_AT }, threshold: 5,
    } }, RESTRICTED_AT));
    expect(await resolveReview(request({ reviewId: 'r-1', action: 'keep' }))).toEqual({ kind: 'action-not-applicable', scope: 'account', allowed: ['clear', 'suspend'] });
    expect(reviews.audit).toEqual([]);
    expect(restrictions.audit).toEqual([]);
  });
});

describe('lifting a range through DELETE /v1/range-restrictions/{range}', () => {
  it('closes its open carrier review in the same write', async () => {
    const outcome = await liftRange({ range: '23276', actor: 'reviewer:cred-2' });

    expect(outcome).toMatchObject({ kind: 'lifted', liftedAt: NOW, restriction: { range: '23276' }, review: { reviewId: 'rr-1', status: 'resolved' } });
    expect(reviews.reviews.get('rr-1')).toMatchObject({ status: 'resolved', resolution: { action: 'clear', note: LIFTED_THROUGH_DELETE, resolvedBy: 'reviewer:cred-2' } });
    expect(restrictions.items.get('23276')?.status).toBe('lifted');
  });

  it('lifts a restriction whose review was kept, or that has none, and answers not-restricted once lifted', async () => {
    reviews.reviews.set('rr-1', resolvedReview(rangeReview(), 'keep', 'confirmed', 'reviewer:cred-1', RESTRICTED_AT));
    expect(await liftRange({ range: '23276', actor: 'reviewer:cred-2' })).toMatchObject({ kind: 'lifted', review: undefined });
    expect(reviews.reviews.get('rr-1')?.resolution?.action).toBe('keep');

    expect(await liftRange({ range: '23276', actor: 'reviewer:cred-2' })).toEqual({ kind: 'not-restricted' });
    restrictions.items.set('2327', { ...restriction, range: '2327', reviewId: undefined });
    expect(await liftRange({ range: '2327', actor: 'reviewer:cred-2' })).toMatchObject({ kind: 'lifted', review: undefined });
  });

  it('reads again when the review was kept just before the write, and lifts without closing it twice', async () => {
    reviews.beforeNextWrite(async () => {
      await resolveReview(request({ action: 'keep', actor: 'reviewer:quicker' }));
    });

    const outcome = await liftRange({ range: '23276', actor: 'reviewer:cred-2' });

    expect(outcome).toMatchObject({ kind: 'lifted', review: undefined });
    expect(reviews.reviews.get('rr-1')?.resolution).toMatchObject({ action: 'keep', resolvedBy: 'reviewer:quicker' });
    expect(restrictions.items.get('23276')?.status).toBe('lifted');
  });
});
