/**
 * In-memory account book and review store for use-case tests. The store keeps the adapter's conditions: a consumed
 * marker per (consumer, event), a review opened only for an account without one, an append only at the version read,
 * a resolve only of an open review and only while the account's flag is still the one read. `beforeNextWrite`
 * queues concurrent writers, one run just before each following write checks its conditions.
 */
import type { Account } from '../../domain/accounts/account.js';
import type { AccountStore } from '../../domain/accounts/ports.js';
import type { AuditEntry } from '../../domain/audit/audit-entry.js';
import type { EventDetail } from '../../domain/events/contracts.js';
import type { LiftOutcome, RangeRestrictions, StoredRangeRestriction } from '../../domain/profiling/watch-range.js';
import type { AccountResolution, ApplyOutcome, ConsumedEvent, ResolveOutcome, ReviewPage, ReviewStore } from '../../domain/reviews/ports.js';
import type { AccountReview, RangeReview, Review, ReviewStatus } from '../../domain/reviews/review.js';
import { InvalidCursorError } from '../../domain/shared/page.js';

export class InMemoryAccounts implements Pick<AccountStore, 'get'> {
  readonly items = new Map<string, Account>();

  constructor(accounts: readonly Account[] = []) {
    for (const account of accounts) this.items.set(account.accountId, account);
  }

  async get(accountId: string): Promise<Account | undefined> {
    return this.items.get(accountId);
  }

  update(accountId: string, change: Partial<Account>): void {
    const account = this.items.get(accountId);
    if (!account) throw new Error(`no account ${accountId}`);
    this.items.set(accountId, { ...account, ...change });
  }
}

export class InMemoryReviewStore implements ReviewStore {
  readonly reviews = new Map<string, Review>();
  readonly consumed = new Set<string>();
  readonly flaggedEvents: EventDetail<'Account Flagged For Review'>[] = [];
  readonly resolvedEvents: EventDetail<'Review Resolved'>[] = [];
  readonly audit: AuditEntry[] = [];
  /** Accounts whose live calls a suspension ended (the to-end marker). */
  readonly callsEndedFor: string[] = [];
  private readonly concurrentWriters: Array<() => Promise<void>> = [];

  constructor(private readonly accounts: InMemoryAccounts) {}

  beforeNextWrite(...writers: Array<() => Promise<void>>): void {
    this.concurrentWriters.push(...writers);
  }

  async get(reviewId: string): Promise<Review | undefined> {
    return this.reviews.get(reviewId);
  }

  async listByStatus(status: ReviewStatus, limit: number, cursor?: string): Promise<ReviewPage> {
    const start = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(start) || start < 0) throw new InvalidCursorError('the cursor was not handed out by this listing');
    const all = [...this.reviews.values()].filter((review) => review.status === status).sort((a, b) => b.openedAt.localeCompare(a.openedAt));
    const end = start + limit;
    return { reviews: all.slice(start, end), nextCursor: end < all.length ? String(end) : null };
  }

  async open(review: AccountReview, consumed: ConsumedEvent, event: EventDetail<'Account Flagged For Review'>, audit: AuditEntry, holdAccount: boolean): Promise<ApplyOutcome> {
    await this.runConcurrentWriter();
    if (this.consumed.has(markerOf(consumed))) return 'duplicate';
    const account = this.accounts.items.get(review.accountId);
    if (this.reviews.has(review.reviewId) || !account || account.openReviewId) return 'conflict';
    if (holdAccount && account.status !== 'active') return 'conflict';
    this.consumed.add(markerOf(consumed));
    this.reviews.set(review.reviewId, review);
    this.accounts.update(review.accountId, holdAccount ? { openReviewId: review.reviewId, status: 'under_review', version: account.version + 1 } : { openReviewId: review.reviewId });
    this.flaggedEvents.push(event);
    this.audit.push(audit);
    return 'applied';
  }

  async extend(updated: AccountReview, previousVersion: number, consumed: ConsumedEvent, audit: AuditEntry): Promise<ApplyOutcome> {
    await this.runConcurrentWriter();
    if (this.consumed.has(markerOf(consumed))) return 'duplicate';
    const stored = this.reviews.get(updated.reviewId);
    if (stored?.status !== 'open' || stored.version !== previousVersion) return 'conflict';
    this.consumed.add(markerOf(consumed));
    this.reviews.set(updated.reviewId, updated);
    this.audit.push(audit);
    return 'applied';
  }

  async resolve(resolved: AccountReview, change: AccountResolution, event: EventDetail<'Review Resolved'>, audit: AuditEntry): Promise<ResolveOutcome> {
    await this.runConcurrentWriter();
    if (this.reviews.get(resolved.reviewId)?.status !== 'open') return 'already-resolved';
    const account = this.accounts.items.get(change.accountId);
    const ownsFlag = change.openReviewId === resolved.reviewId;
    if (!account || (ownsFlag && account.openReviewId !== resolved.reviewId)) return 'account-changed';
    const statusChanges = change.statusAfter !== change.statusBefore;
    this.reviews.set(resolved.reviewId, resolved);
    this.accounts.items.set(account.accountId, {
      ...account,
      ...(statusChanges ? { status: change.statusAfter, version: account.version + 1 } : {}),
      ...(ownsFlag ? { openReviewId: undefined } : {}),
    });
    this.resolvedEvents.push(event);
    this.audit.push(audit);
    if (change.statusAfter === 'suspended' && statusChanges) this.callsEndedFor.push(account.accountId);
    return 'resolved';
  }

  async close(resolved: RangeReview, audit: AuditEntry): Promise<'resolved' | 'already-resolved'> {
    await this.runConcurrentWriter();
    if (this.reviews.get(resolved.reviewId)?.status !== 'open') return 'already-resolved';
    this.reviews.set(resolved.reviewId, resolved);
    this.audit.push(audit);
    return 'resolved';
  }

  /** Runs the next queued concurrent writer (for stores that write reviews along with their own items). */
  async runConcurrentWriter(): Promise<void> {
    await this.concurrentWriters.shift()?.();
  }
}

function markerOf(consumed: ConsumedEvent): string {
  return `${consumed.consumer}#${consumed.eventId}`;
}

/**
 * The carrier's range restrictions beside the review store: a lift changes the restriction only while it is active,
 * and closes the review it is given only while that review is still open, or changes nothing (one transaction).
 */
export class InMemoryRangeRestrictions implements Pick<RangeRestrictions, 'get' | 'lift'> {
  readonly items = new Map<string, StoredRangeRestriction>();
  readonly audit: AuditEntry[] = [];

  constructor(private readonly reviews: InMemoryReviewStore) {}

  async get(range: string): Promise<StoredRangeRestriction | undefined> {
    return this.items.get(range);
  }

  async lift(range: string, liftedAt: string, _liftedBy: string, audit: AuditEntry, closes?: RangeReview): Promise<LiftOutcome> {
    await this.reviews.runConcurrentWriter();
    const restriction = this.items.get(range);
    if (restriction?.status !== 'active') return 'not-restricted';
    if (closes && this.reviews.reviews.get(closes.reviewId)?.status !== 'open') return 'review-changed';
    this.items.set(range, { ...restriction, status: 'lifted', liftedAt });
    if (closes) this.reviews.reviews.set(closes.reviewId, closes);
    this.audit.push(audit);
    return 'lifted';
  }
}
