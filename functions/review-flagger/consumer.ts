/** `Destination Restricted` / `Known Peer Auth Failures` → the account's review (domain/reviews/flag-for-review.ts). */
import { flagRequestOf, subjectOf, type FlagForReview, type FlagForReviewOutcome } from '../../domain/reviews/flag-for-review.js';
import { eventConsumer } from '../shared/event-consumer.js';
import type { Logger } from '../shared/logger.js';

export type ReviewFlaggerResult = FlagForReviewOutcome;

export interface ReviewFlaggerPorts {
  readonly flagForReview: FlagForReview;
  readonly logger: Logger;
}

export function makeReviewFlaggerConsumer(ports: ReviewFlaggerPorts) {
  return eventConsumer({ consumes: ['Destination Restricted', 'Known Peer Auth Failures'], logger: ports.logger }, async (event): Promise<ReviewFlaggerResult> => {
    const request = flagRequestOf(event);
    const { accountId, entry } = request;
    const result = await ports.flagForReview(request);
    if (result.outcome === 'account-not-found') ports.logger.warn('review evidence for an unknown account', { accountId, eventId: entry.eventId, kind: entry.kind });
    if (result.outcome === 'opened') ports.logger.warn('account flagged for review', { accountId, reviewId: result.reviewId, rule: entry.evidence.rule, ...subjectOf(entry) });
    return result;
  });
}
