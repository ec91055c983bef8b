/** `Destination Restricted` / `Known Peer Auth Failures` → the account's review (domain/reviews/flag-for-review.ts). */
import { flagRequestOf, subjectOf, type FlagForReview, type FlagForReviewOutcome } from '../../domain/reviews/flag-for-review.js';
import { parseBusEvent } from '../shared/consumer-event.js';
import type { BusEvent } from '../shared/event-publisher.js';
import type { Logger } from '../shared/logger.js';

export type ReviewFlaggerResult = FlagForReviewOutcome;

export interface ReviewFlaggerPorts {
  readonly flagForReview: FlagForReview;
  readonly logger: Logger;
}

export function makeReviewFlaggerConsumer(ports: ReviewFlaggerPorts) {
  return async (event: BusEvent): Promise<ReviewFlaggerResult> => {
    const request = flagRequestOf(parseBusEvent(event));
    const { accountId, entry } = request;
    const result = await ports.flagForReview(request);
    if (result.outcome === 'account-not-found') ports.logger.warn('review evidence for an unknown account', { accountId, eventId: entry.eventId, kind: entry.kind });
    if (result.outcome === 'opened') ports.logger.warn('account flagged for review', { accountId, reviewId: result.reviewId, rule: entry.evidence.rule, ...subjectOf(entry) });
    return result;
  };
}
