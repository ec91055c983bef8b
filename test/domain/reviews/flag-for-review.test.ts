import { beforeEach, describe, expect, it } from 'vitest';
import { carrierPolicySchema } from '../../../domain/accounts/carrier-policy.js';
import type { TollgateEvent } from '../../../domain/events/contracts.js';
import { flagRequestOf, makeFlagForReview, type FlagForReview, type FlagRequest } from '../../../domain/reviews/flag-for-review.js';
import type { ReviewEvidence } from '../../../domain/reviews/review.js';
import { account } from '../../support/fixtures.js';
import { InMemoryAccounts, InMemoryReviewStore } from '../../support/in-memory-reviews.js';
import { CountingIds, TestClock } from '../../support/test-ports.js';

let clock: TestClock;
let accounts: InMemoryAccounts;
let reviews: InMemoryReviewStore;
let flagForReview: FlagForReview;

beforeEach(() => {
  clock = new TestClock('2026-03-01T12:00:00.000Z');
  accounts = new InMemoryAccounts([account({ accountId: 'acme' })]);
  reviews = new InMemoryReviewStore(accounts);
  flagForReview = makeFlagForReview({ accounts, reviews, clock, ids: new CountingIds() });
});

const restrictionEvidence = (destination: string) => ({
  rule: 'burst-to-new-destination',
  destinations: [destination],
  attempts: 5,
  newDestinationAttempts: 5,
  windowMinutes: 10,
  spendLastHour: 0,
  thresholds: { newDestinationAttempts: 5 },
});

function restricted(destination: string, eventId = `restricted-${destination}`): FlagRequest {
  const entry: ReviewEvidence = { kind: 'destination-restricted', eventId, at: '2026-03-01T11:59:59.000Z', destination, callId: `call-${eventId}`, evidence: restrictionEvidence(destination) };
  return { accountId: 'acme', entry };
}

function peerFailures(ip: string, eventId = `peer-${ip}`): FlagRequest {
  const window = { seconds: 600, firstFailureAt: '2026-03-01T11:58:00.000Z', lastFailureAt: '2026-03-01T11:59:00.000Z' };
  const evidence = { rule: 'known-peer-auth-failures' as const, ip, allowedEntry: '198.51.100.0/24', failures: 5, sipUsernames: ['phone1'], window, threshold: 5 };
  return { accountId: 'acme', entry: { kind: 'known-peer-auth-failures', eventId, at: '2026-03-01T11:59:00.000Z', ip, evidence } };
}

describe('flagging an account for review', () => {
  it('opens a review with the evidence when the account has none open, and flags the account', async () => {
    const outcome = await flagForReview(restricted('LT'));

    expect(outcome).toEqual({ outcome: 'opened', reviewId: 'id-1' });
    expect(reviews.reviews.get('id-1')).toMatchObject({ accountId: 'acme', status: 'open', openedAt: '2026-03-01T12:00:00.000Z', destinations: ['LT'], sourceIps: [], version: 1 });
    expect(accounts.items.get('acme')?.openReviewId).toBe('id-1');
  });

  it('pages the desk once on opening: Account Flagged For Review and the audit record', async () => {
    await flagForReview(restricted('LT'));

    expect(reviews.flaggedEvents).toEqual([
      { eventId: 'account-flagged:id-1', occurredAt: '2026-03-01T12:00:00.000Z', accountId: 'acme', reviewId: 'id-1', evidence: restrictionEvidence('LT'), accountHeld: false },
    ]);
    expect(reviews.audit).toEqual([
      expect.objectContaining({ scope: 'acme', id: 'id-2', actor: 'system:review-flagger', action: 'review.opened', before: { openReviewId: null, status: 'active' } }),
    ]);
    expect(accounts.items.get('acme')?.status).toBe('active');
  });

  it("holds the account under review when the carrier policy says holdOnReview, in the write that opens the review", async () => {
    accounts = new InMemoryAccounts([account({ accountId: 'acme', carrierPolicy: carrierPolicySchema.parse({ holdOnReview: true }) })]);
    reviews = new InMemoryReviewStore(accounts);
    flagForReview = makeFlagForReview({ accounts, reviews, clock, ids: new CountingIds() });
    const versionBefore = accounts.items.get('acme')?.version ?? 0;

    expect(await flagForReview(restricted('LT'))).toEqual({ outcome: 'opened', reviewId: 'id-1' });

    expect(accounts.items.get('acme')).toMatchObject({ status: 'under_review', openReviewId: 'id-1', version: versionBefore + 1 });
    expect(reviews.flaggedEvents[0]).toMatchObject({ accountHeld: true });
    expect(reviews.audit[0]).toMatchObject({ before: { status: 'active' }, after: { status: 'under_review' } });
  });

  it('does not turn a suspended account into one under review', async () => {
    accounts = new InMemoryAccounts([account({ accountId: 'acme', status: 'suspended', carrierPolicy: carrierPolicySchema.parse({ holdOnReview: true }) })]);
    reviews = new InMemoryReviewStore(accounts);
    flagForReview = makeFlagForReview({ accounts, reviews, clock, ids: new CountingIds() });

    expect(await flagForReview(restricted('LT'))).toEqual({ outcome: 'opened', reviewId: 'id-1' });
    expect(accounts.items.get('acme')).toMatchObject({ status: 'suspended', openReviewId: 'id-1' });
    expect(reviews.flaggedEvents[0]).toMatchObject({ accountHeld: false });
  });

  it('extends the open review with new evidence, without paging the desk again', async () => {
    await flagForReview(restricted('LT'));
    clock.advanceSeconds(30);

    const outcome = await flagForReview(peerFailures('198.51.100.20'));

    expect(outcome).toEqual({ outcome: 'extended', reviewId: 'id-1' });
    expect(reviews.reviews.get('id-1')).toMatchObject({ destinations: ['LT'], sourceIps: ['198.51.100.20'], version: 2, updatedAt: '2026-03-01T12:00:30.000Z' });
    const extended = reviews.reviews.get('id-1');
    expect(extended?.scope === 'account' ? extended.evidence.map((entry) => entry.kind) : []).toEqual(['destination-restricted', 'known-peer-auth-failures']);
    expect(reviews.flaggedEvents).toHaveLength(1);
    expect(reviews.audit[1]).toMatchObject({ action: 'review.evidence-added', after: { reviewId: 'id-1', sourceIp: '198.51.100.20' } });
  });

  it('changes nothing for a redelivered event', async () => {
    await flagForReview(restricted('LT'));

    expect(await flagForReview(restricted('LT'))).toEqual({ outcome: 'duplicate', reviewId: 'id-1' });
    expect(reviews.reviews.get('id-1')).toMatchObject({ version: 1, evidence: [expect.objectContaining({ eventId: 'restricted-LT' })] });
    expect(reviews.audit).toHaveLength(1);
  });

  it('opens no new review for an event redelivered after its review was resolved', async () => {
    await flagForReview(restricted('LT'));
    reviews.reviews.set('id-1', { ...reviews.reviews.get('id-1')!, status: 'resolved' });
    accounts.update('acme', { openReviewId: undefined });

    expect(await flagForReview(restricted('LT'))).toEqual({ outcome: 'duplicate' });
    expect(reviews.reviews.size).toBe(1);
    expect(accounts.items.get('acme')?.openReviewId).toBeUndefined();
  });

  it('answers account-not-found for an unknown account, writing nothing', async () => {
    expect(await flagForReview({ ...restricted('LT'), accountId: 'ghost' })).toEqual({ outcome: 'account-not-found' });
    expect(reviews.reviews.size).toBe(0);
    expect(reviews.audit).toEqual([]);
  });

  it('appends to the review a concurrent delivery opened first', async () => {
    reviews.beforeNextWrite(async () => {
      await makeFlagForReview({ accounts, reviews, clock, ids: new CountingIds('other') })(restricted('XS'));
    });

    const outcome = await flagForReview(restricted('LT'));

    expect(outcome).toEqual({ outcome: 'extended', reviewId: 'other-1' });
    expect(reviews.reviews.size).toBe(1);
    expect(reviews.reviews.get('other-1')).toMatchObject({ destinations: ['XS', 'LT'] });
    expect(reviews.flaggedEvents).toHaveLength(1);
  });

  it('retries an append that lost to a concurrent append, keeping both', async () => {
    await flagForReview(restricted('LT'));
    reviews.beforeNextWrite(async () => {
      await makeFlagForReview({ accounts, reviews, clock, ids: new CountingIds('other') })(restricted('XS'));
    });

    expect(await flagForReview(restricted('DE'))).toEqual({ outcome: 'extended', reviewId: 'id-1' });
    expect(reviews.reviews.get('id-1')).toMatchObject({ destinations: ['LT', 'XS', 'DE'], version: 3 });
  });

  it('refuses to go on when the account points at a review that is not open', async () => {
    accounts.update('acme', { openReviewId: 'gone' });
    await expect(flagForReview(restricted('LT'))).rejects.toThrow('account acme points at review gone, which is not open');
  });
});

describe('the flag request an event carries', () => {
  it('reads the destination and call of Destination Restricted', () => {
    const event: TollgateEvent<'Destination Restricted'> = {
      detailType: 'Destination Restricted',
      detail: { eventId: 'e-1', occurredAt: '2026-03-01T11:59:59.000Z', accountId: 'acme', destination: 'LT', callId: 'call-e-1', evidence: restrictionEvidence('LT') },
    };
    expect(flagRequestOf(event)).toEqual(restricted('LT', 'e-1'));
  });

  it('reads the source IP of Known Peer Auth Failures', () => {
    const { entry } = peerFailures('198.51.100.20', 'e-2');
    if (entry.kind !== 'known-peer-auth-failures') throw new Error('fixture');
    const event: TollgateEvent<'Known Peer Auth Failures'> = {
      detailType: 'Known Peer Auth Failures',
      detail: { eventId: 'e-2', occurredAt: entry.at, accountId: 'acme', ip: '198.51.100.20', evidence: entry.evidence },
    };
    expect(flagRequestOf(event)).toEqual(peerFailures('198.51.100.20', 'e-2'));
  });

  it('refuses an event it is not routed', () => {
    const event: TollgateEvent<'Balance Low'> = { detailType: 'Balance Low', detail: { eventId: 'e-3', occurredAt: '2026-03-01T12:00:00.000Z', accountId: 'acme', balance: 1, threshold: 5, crossingId: 'c-1' } };
    expect(() => flagRequestOf(event)).toThrow('review-flagger does not consume "Balance Low"');
  });
});
