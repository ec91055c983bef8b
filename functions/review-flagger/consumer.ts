/**
 * `Destination Restricted` or `Known Peer Auth Failures` → the account on the fraud desk's queue with the evidence.
 *
 * 1. The account has an open review: append the evidence to it (version-checked).
 * 2. Otherwise open one: the review, the account's `openReviewId`, `Account Flagged For Review` and the audit record
 *    in one transaction. Only opening emits the event: one page for the desk per incident, not per destination or IP.
 * 3. Every transaction carries a marker for (review-flagger, eventId), so a redelivered event changes nothing.
 *    A race with another delivery (two destinations restricted at once) reloads and tries again.
 */
import type { TollgateEvent } from '../../domain/events/contracts.js';
import { openReview, withEvidence, type ReviewEvidence } from '../../domain/reviews/review.js';
import { parseBusEvent } from '../shared/consumer-event.js';
import type { BusEvent } from '../shared/event-publisher.js';
import type { Runtime } from '../shared/runtime.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { ReviewStore } from '../../domain/reviews/ports.js';

const CONSUMER = 'review-flagger';
const MAX_ATTEMPTS = 5;
const ACTOR = 'system:review-flagger';

export type ReviewFlaggerResult = { readonly outcome: 'opened' | 'extended' | 'duplicate' | 'account-not-found'; readonly reviewId?: string };

export interface ReviewFlaggerPorts {
  readonly accounts: Pick<AccountStore, 'get'>;
  readonly reviews: Pick<ReviewStore, 'get' | 'extend' | 'open'>;
  readonly clock: Runtime['clock'];
  readonly ids: Runtime['ids'];
  readonly logger: Runtime['logger'];
}

export function makeReviewFlaggerConsumer(ports: ReviewFlaggerPorts) {
  return async (event: BusEvent): Promise<ReviewFlaggerResult> => {
    const { accountId, entry } = reviewInputOf(parseBusEvent(event));
    const subject = entry.kind === 'destination-restricted' ? { destination: entry.destination, callId: entry.callId } : { sourceIp: entry.ip };

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const account = await ports.accounts.get(accountId);
      if (!account) {
        ports.logger.warn('review evidence for an unknown account', { accountId, eventId: entry.eventId, kind: entry.kind });
        return { outcome: 'account-not-found' };
      }
      const now = ports.clock.now().toISOString();
      const consumed = { consumer: CONSUMER, eventId: entry.eventId, at: now };

      if (account.openReviewId) {
        const review = await ports.reviews.get(account.openReviewId);
        if (!review || review.status !== 'open') {
          // Resolving removes the flag in the same transaction, so this is a damaged item: let an operator look.
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
          after: { reviewId: review.reviewId, destinations: extended.destinations, sourceIps: extended.sourceIps, ...subject },
        });
        if (outcome === 'applied') return { outcome: 'extended', reviewId: review.reviewId };
        if (outcome === 'duplicate') return { outcome: 'duplicate', reviewId: review.reviewId };
        continue;
      }

      const review = openReview(ports.ids.newId(), account.accountId, entry, now);
      const outcome = await ports.reviews.open(
        review,
        consumed,
        { eventId: `account-flagged:${review.reviewId}`, occurredAt: now, accountId: account.accountId, reviewId: review.reviewId, evidence: entry.evidence },
        {
          scope: account.accountId,
          id: ports.ids.newId(),
          at: now,
          actor: ACTOR,
          action: 'review.opened',
          before: { openReviewId: null },
          after: { openReviewId: review.reviewId, destinations: review.destinations, sourceIps: review.sourceIps, rule: entry.evidence.rule },
        },
      );
      if (outcome === 'applied') {
        ports.logger.warn('account flagged for review', { accountId: account.accountId, reviewId: review.reviewId, rule: entry.evidence.rule, ...subject });
        return { outcome: 'opened', reviewId: review.reviewId };
      }
      if (outcome === 'duplicate') return { outcome: 'duplicate' };
    }
    throw new Error(`could not record ${entry.kind} evidence ${entry.eventId} for ${accountId} after ${MAX_ATTEMPTS} attempts`);
  };
}

/** The account and the review evidence an event carries; an event this consumer is not routed is a wiring error. */
function reviewInputOf(event: TollgateEvent): { accountId: string; entry: ReviewEvidence } {
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

