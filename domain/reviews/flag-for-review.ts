/**
 * `Destination Restricted` or `Known Peer Auth Failures` → the account on the fraud desk's queue with the evidence.
 *
 * 1. The account has an open review: append the evidence to it (version-checked).
 * 2. Otherwise open one: the review, the account's `openReviewId`, `Account Flagged For Review` and the audit record
 *    in one write; when the carrier policy says `holdOnReview`, the same write holds the account `under_review`. Only opening emits the event: one page for the desk per incident, not per destination or IP.
 * 3. Every write carries a marker for (review-flagger, eventId), so a redelivered event changes nothing.
 *    A race with another delivery (two destinations restricted at once) reloads and tries again.
 */
import type { AccountStore } from '../accounts/ports.js';
import type { TollgateEvent } from '../events/contracts.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import type { ReviewStore } from './ports.js';
import { openReview, withEvidence, type ReviewEvidence } from './review.js';

const CONSUMER = 'review-flagger';
const ACTOR = 'system:review-flagger';
const MAX_ATTEMPTS = 5;

export interface FlagForReviewPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly reviews: Pick<ReviewStore, 'get' | 'extend' | 'open'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** The account an event flags and the evidence it adds to the account's review. */
export interface FlagRequest {
  readonly accountId: string;
  readonly entry: ReviewEvidence;
}

export type FlagForReviewOutcome = { readonly outcome: 'opened' | 'extended' | 'duplicate' | 'account-not-found'; readonly reviewId?: string };

export type FlagForReview = (request: FlagRequest) => Promise<FlagForReviewOutcome>;

export function makeFlagForReview(ports: FlagForReviewPorts): FlagForReview {
  return async ({ accountId, entry }) => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const account = await ports.accounts.get(accountId);
      if (!account) return { outcome: 'account-not-found' };
      const now = ports.clock.now().toISOString();
      const consumed = { consumer: CONSUMER, eventId: entry.eventId, at: now };

      if (account.openReviewId) {
        const review = await ports.reviews.get(account.openReviewId);
        if (!review || review.status !== 'open' || review.scope !== 'account') {
          // Resolving removes the flag in the same write, so this is a damaged item: let an operator look.
          throw new Error(`account ${account.accountId} points at review ${account.openReviewId}, which is not open`);
        }
        if (review.evidence.some((known) => known.eventId === entry.eventId)) return { outcome: 'duplicate', reviewId: review.reviewId };
        const extended = withEvidence(review, entry, now);
        const outcome = await ports.reviews.extend(extended, review.version, consumed, {
          scope: account.accountId,
          id: ports.ids.newId(),
          at: now,
          actor: ACTOR,
          action: 'review.evidence-added',
          before: { reviewId: review.reviewId, destinations: review.destinations, sourceIps: review.sourceIps },
          after: { reviewId: review.reviewId, destinations: extended.destinations, sourceIps: extended.sourceIps, ...subjectOf(entry) },
        });
        if (outcome === 'applied') return { outcome: 'extended', reviewId: review.reviewId };
        if (outcome === 'duplicate') return { outcome: 'duplicate', reviewId: review.reviewId };
        continue;
      }

      const review = openReview(ports.ids.newId(), account.accountId, entry, now);
      // The carrier's choice per account: hold every new call until a reviewer has looked, not only the destination.
      const holdAccount = account.carrierPolicy?.holdOnReview === true && account.status === 'active';
      const outcome = await ports.reviews.open(
        review,
        consumed,
        {
          eventId: `account-flagged:${review.reviewId}`,
          occurredAt: now,
          accountId: account.accountId,
          reviewId: review.reviewId,
          evidence: entry.evidence,
          accountHeld: holdAccount,
        },
        {
          scope: account.accountId,
          id: ports.ids.newId(),
          at: now,
          actor: ACTOR,
          action: 'review.opened',
          before: { openReviewId: null, status: account.status },
          after: {
            openReviewId: review.reviewId,
            status: holdAccount ? 'under_review' : account.status,
            destinations: review.destinations,
            sourceIps: review.sourceIps,
            rule: entry.evidence.rule,
          },
        },
        holdAccount,
      );
      if (outcome === 'applied') return { outcome: 'opened', reviewId: review.reviewId };
      if (outcome === 'duplicate') return { outcome: 'duplicate' };
    }
    throw new Error(`could not record ${entry.kind} evidence ${entry.eventId} for ${accountId} after ${MAX_ATTEMPTS} attempts`);
  };
}

/** What the evidence is about: the destination restricted (and the call that crossed the line), or the source IP. */
export function subjectOf(entry: ReviewEvidence): { destination: string; callId: string } | { sourceIp: string } {
  return entry.kind === 'destination-restricted' ? { destination: entry.destination, callId: entry.callId } : { sourceIp: entry.ip };
}

/** The account and the review evidence an event carries; an event this use case is not routed is a wiring error. */
export function flagRequestOf(event: TollgateEvent): FlagRequest {
  switch (event.detailType) {
    case 'Destination Restricted': {
      const detail = (event as TollgateEvent<'Destination Restricted'>).detail;
      const entry: ReviewEvidence = { kind: 'destination-restricted', eventId: detail.eventId, at: detail.occurredAt, destination: detail.destination, callId: detail.callId, evidence: detail.evidence };
      return { accountId: detail.accountId, entry };
    }
    case 'Known Peer Auth Failures': {
      const detail = (event as TollgateEvent<'Known Peer Auth Failures'>).detail;
      return { accountId: detail.accountId, entry: { kind: 'known-peer-auth-failures', eventId: detail.eventId, at: detail.occurredAt, ip: detail.ip, evidence: detail.evidence } };
    }
    default:
      throw new Error(`review-flagger does not consume "${event.detailType}"`);
  }
}
