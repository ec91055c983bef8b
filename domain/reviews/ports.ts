/**
 * What the review use cases need of storage, owned here. Every change writes the review, the account's review flag
 * (and status), the event and the audit record together, or nothing. A carrier review (a restricted range) is opened
 * with its restriction (domain/profiling/watch-range.ts) and lifted with it (domain/profiling/lift-range.ts).
 */
import type { AccountStatus } from '../accounts/account.js';
import type { AuditEntry } from '../audit/audit-entry.js';
import type { EventDetail } from '../events/contracts.js';
import type { AccountReview, RangeReview, Review, ReviewStatus } from './review.js';

/** `duplicate`: this consumer already applied the event; `conflict`: the state changed meanwhile (reload, retry). */
export type ApplyOutcome = 'applied' | 'duplicate' | 'conflict';

/** `account-changed`: the account's review flag moved under the resolve (reload, retry). */
export type ResolveOutcome = 'resolved' | 'already-resolved' | 'account-changed';

export interface ReviewPage {
  readonly reviews: Review[];
  readonly nextCursor: string | null;
}

/** The marker that makes a consumer's change happen once per event. */
export interface ConsumedEvent {
  readonly consumer: string;
  readonly eventId: string;
  readonly at: string;
}

/** The account as a resolve changes it: its flag goes if it is this review's, its status moves as decided. */
export interface AccountResolution {
  readonly accountId: string;
  readonly openReviewId: string | undefined;
  readonly statusBefore: AccountStatus;
  readonly statusAfter: AccountStatus;
}

export interface ReviewStore {
  get(reviewId: string): Promise<Review | undefined>;
  /** Newest first; an invalid cursor throws InvalidCursorError (domain/shared/page.ts). */
  listByStatus(status: ReviewStatus, limit: number, cursor?: string): Promise<ReviewPage>;
  /**
   * Opens a review for an account that has none open: the review, the account's flag, the event, the audit record.
   * `holdAccount`: also moves the account from `active` to `under_review` (its version bumped), only if it is still
   * active (`conflict` otherwise).
   */
  open(review: AccountReview, consumed: ConsumedEvent, event: EventDetail<'Account Flagged For Review'>, audit: AuditEntry, holdAccount: boolean): Promise<ApplyOutcome>;
  /** Replaces the open review with `updated`, if it is still open at `previousVersion`. */
  extend(updated: AccountReview, previousVersion: number, consumed: ConsumedEvent, audit: AuditEntry): Promise<ApplyOutcome>;
  /** Resolves a review that is still open; a suspension also ends the account's live calls. */
  resolve(resolved: AccountReview, account: AccountResolution, event: EventDetail<'Review Resolved'>, audit: AuditEntry): Promise<ResolveOutcome>;
  /**
   * Resolves an open carrier review without touching its range (kept, or its restriction no longer active), audited.
   * Lifting the range and closing its review together is RangeRestrictions.lift.
   */
  close(resolved: RangeReview, audit: AuditEntry): Promise<'resolved' | 'already-resolved'>;
}
