import { beforeEach, describe, expect, it } from 'vitest';
import type { AccountStatus } from '../../../domain/accounts/account.js';
import { makeResolveReview, type ResolveReview, type ResolveReviewRequest } from '../../../domain/reviews/resolve-review.js';
import { openReview, type Review } from '../../../domain/reviews/review.js';
import { account } from '../../support/fixtures.js';
import { InMemoryAccounts, InMemoryReviewStore } from '../../support/in-memory-reviews.js';
import { CountingIds, TestClock } from '../../support/test-ports.js';

const OPENED_AT = '2026-03-01T11:00:00.000Z';
const NOW = '2026-03-01T12:00:00.000Z';

/** Account reviews never lift a range. */
const unusedLift = async (): Promise<never> => {
  throw new Error('an account review lifted a range');
};

let accounts: InMemoryAccounts;
let reviews: InMemoryReviewStore;
let resolveReview: ResolveReview;

function reviewOf(reviewId: string): Review {
  return openReview(reviewId, 'acme', { kind: 'known-peer-auth-failures', eventId: `e-${reviewId}`, at: OPENED_AT, ip: '198.51.100.20', evidence: {
    rule: 'known-peer-auth-failures', ip: '198.51.100.20', allowedEntry: '198.51.100.0/24', failures: 5, sipUsernames: [], window: { seconds: 600, firstFailureAt: OPENED_AT, lastFailureAt: OPENED_AT }, threshold: 5,
  } }, OPENED_AT);
}

/** acme with review r-1 open on it, in the given status. */
function arrange(status: AccountStatus = 'active') {
  accounts = new InMemoryAccounts([account({ accountId: 'acme', status, openReviewId: 'r-1' })]);
  reviews = new InMemoryReviewStore(accounts);
  reviews.reviews.set('r-1', reviewOf('r-1'));
  resolveReview = makeResolveReview({ accounts, reviews, liftRange: unusedLift, clock: new TestClock(NOW), ids: new CountingIds('audit') });
}

const request = (overrides: Partial<ResolveReviewRequest> = {}): ResolveReviewRequest => ({ reviewId: 'r-1', action: 'clear', note: 'the customer confirmed the calls', actor: 'reviewer:cred-1', ...overrides });

beforeEach(() => arrange());

describe('resolving a review', () => {
  it('clears it: the review resolved with who, when and why, the flag gone, the account still active', async () => {
    const outcome = await resolveReview(request());

    const resolution = { action: 'clear', note: 'the customer confirmed the calls', resolvedBy: 'reviewer:cred-1', resolvedAt: NOW };
    expect(outcome).toEqual({ kind: 'resolved', review: { ...reviewOf('r-1'), status: 'resolved', updatedAt: NOW, resolution, version: 2 }, account: { accountId: 'acme', status: 'active' } });
    expect(reviews.reviews.get('r-1')).toMatchObject({ status: 'resolved', resolution });
    expect(accounts.items.get('acme')).toMatchObject({ status: 'active', openReviewId: undefined });
    expect(reviews.callsEndedFor).toEqual([]);
  });

  it('writes Review Resolved and an audit record with the account before and after', async () => {
    await resolveReview(request());

    expect(reviews.resolvedEvents).toEqual([
      { eventId: 'review-resolved:r-1', occurredAt: NOW, accountId: 'acme', reviewId: 'r-1', action: 'clear', note: 'the customer confirmed the calls', resolvedBy: 'reviewer:cred-1' },
    ]);
    expect(reviews.audit).toEqual([
      {
        scope: 'acme',
        id: 'audit-1',
        at: NOW,
        actor: 'reviewer:cred-1',
        action: 'review.clear',
        before: { reviewId: 'r-1', reviewStatus: 'open', accountStatus: 'active', openReviewId: 'r-1' },
        after: { reviewId: 'r-1', reviewStatus: 'resolved', accountStatus: 'active', openReviewId: null, note: 'the customer confirmed the calls' },
      },
    ]);
  });

  it('suspends the account on suspend, which ends its live calls', async () => {
    const outcome = await resolveReview(request({ action: 'suspend', note: 'stolen credentials' }));

    expect(outcome).toMatchObject({ kind: 'resolved', account: { accountId: 'acme', status: 'suspended' } });
    expect(accounts.items.get('acme')).toMatchObject({ status: 'suspended', openReviewId: undefined });
    expect(reviews.callsEndedFor).toEqual(['acme']);
    expect(reviews.audit[0]).toMatchObject({ action: 'review.suspend', after: { accountStatus: 'suspended' } });
  });

  it('puts an account under review back to active on clear', async () => {
    arrange('under_review');
    expect(await resolveReview(request())).toMatchObject({ account: { status: 'active' } });
    expect(accounts.items.get('acme')?.status).toBe('active');
  });

  it('never un-suspends an account on clear', async () => {
    arrange('suspended');
    expect(await resolveReview(request())).toMatchObject({ kind: 'resolved', account: { status: 'suspended' } });
  });

  it('answers already-resolved, with who resolved it, for a resolved review, writing nothing', async () => {
    await resolveReview(request({ actor: 'reviewer:first' }));

    const outcome = await resolveReview(request({ action: 'suspend', actor: 'reviewer:second' }));

    expect(outcome).toMatchObject({ kind: 'already-resolved', review: { reviewId: 'r-1', resolution: { action: 'clear', resolvedBy: 'reviewer:first' } } });
    expect(accounts.items.get('acme')?.status).toBe('active');
    expect(reviews.resolvedEvents).toHaveLength(1);
  });

  it('answers already-resolved before looking at the account', async () => {
    await resolveReview(request());
    accounts.items.delete('acme');

    expect(await resolveReview(request())).toMatchObject({ kind: 'already-resolved' });
  });

  it('answers already-resolved with the other resolution when someone resolved it meanwhile', async () => {
    reviews.beforeNextWrite(async () => {
      await makeResolveReview({ accounts, reviews, liftRange: unusedLift, clock: new TestClock(NOW), ids: new CountingIds('other') })(request({ action: 'suspend', actor: 'reviewer:quicker' }));
    });

    const outcome = await resolveReview(request());

    expect(outcome).toMatchObject({ kind: 'already-resolved', review: { resolution: { action: 'suspend', resolvedBy: 'reviewer:quicker' } } });
    expect(reviews.resolvedEvents.map((event) => event.resolvedBy)).toEqual(['reviewer:quicker']);
  });

  it('answers review-not-found and account-not-found', async () => {
    expect(await resolveReview(request({ reviewId: 'nope' }))).toEqual({ kind: 'review-not-found' });
    accounts.items.delete('acme');
    expect(await resolveReview(request())).toEqual({ kind: 'account-not-found', accountId: 'acme' });
    expect(reviews.audit).toEqual([]);
  });

  it('reads the account again when its flag moved meanwhile, and leaves a newer review flag in place', async () => {
    reviews.beforeNextWrite(async () => {
      accounts.update('acme', { openReviewId: 'r-2' });
    });

    const outcome = await resolveReview(request());

    expect(outcome).toMatchObject({ kind: 'resolved', account: { status: 'active' } });
    expect(accounts.items.get('acme')?.openReviewId).toBe('r-2');
    expect(reviews.audit[0]).toMatchObject({ before: { openReviewId: 'r-2' }, after: { openReviewId: 'r-2' } });
  });

  it('gives up with kept-changing when the account moved again before every write', async () => {
    // every read shows the flag as r-1's, every write finds it moved to r-2 meanwhile
    accounts.update('acme', { openReviewId: 'r-2' });
    let reads = 0;
    const stale = {
      get: async () => {
        reads += 1;
        return account({ accountId: 'acme', openReviewId: 'r-1' });
      },
    };
    const resolveOnStaleReads = makeResolveReview({ accounts: stale, reviews, liftRange: unusedLift, clock: new TestClock(NOW), ids: new CountingIds('audit') });

    const outcome = await resolveOnStaleReads(request());

    expect(outcome).toEqual({ kind: 'kept-changing' });
    expect(reads).toBe(3);
    expect(reviews.reviews.get('r-1')?.status).toBe('open');
    expect(reviews.resolvedEvents).toEqual([]);
  });
});
