/**
 * Manual review: automated detection opens a review item for an account with its evidence; the fraud desk clears
 * it or suspends the account. One account has at most one open review: new evidence extends it.
 *
 * A review has a subject (`scope`): an account (`scope: "account"`, `accountId`), or the carrier (`scope: "carrier"`,
 * `range`), opened by the range watch when it restricts a range carrier-wide, with the restriction's evidence. A
 * carrier review is cleared (the restriction lifted) or kept (the restriction stays); it belongs to no account, so
 * it is never suspended and no customer sees it.
 */
import * as z from 'zod';
import type { AccountStatus } from '../accounts/account.js';
import type { PeerAuthFailureEvidence, RestrictionEvidence } from '../events/contracts.js';

export const REVIEW_STATUSES = ['open', 'resolved'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const REVIEW_ACTIONS = ['clear', 'suspend'] as const;
/** How a review is resolved: `clear` and `suspend` an account's; `clear` (lift the range) and `keep` a carrier's. */
export const RESOLUTION_ACTIONS = ['clear', 'suspend', 'keep'] as const;
export type ReviewAction = (typeof RESOLUTION_ACTIONS)[number];
export const REVIEW_SCOPES = ['account', 'carrier'] as const;
export type ReviewScope = (typeof REVIEW_SCOPES)[number];
/** The actions each subject takes. */
export const ACTIONS_BY_SCOPE: Readonly<Record<ReviewScope, readonly ReviewAction[]>> = { account: ['clear', 'suspend'], carrier: ['clear', 'keep'] };

/** Evidence kept inline on the review; beyond this only the count grows (items stay far below DynamoDB's 400 KB). */
export const MAX_EVIDENCE_ENTRIES = 100;

/** A burst to unusual destinations restricted one of them (`Destination Restricted`). */
export interface DestinationRestrictedEntry {
  readonly kind: 'destination-restricted';
  readonly eventId: string;
  readonly at: string;
  readonly destination: string;
  readonly callId: string;
  readonly evidence: RestrictionEvidence;
}

/** Failed authentications from an IP the account allows reached the ban threshold (`Known Peer Auth Failures`). */
export interface KnownPeerAuthFailuresEntry {
  readonly kind: 'known-peer-auth-failures';
  readonly eventId: string;
  readonly at: string;
  readonly ip: string;
  readonly evidence: PeerAuthFailureEvidence;
}

export type ReviewEvidence = DestinationRestrictedEntry | KnownPeerAuthFailuresEntry;

export interface ReviewResolution {
  readonly action: ReviewAction;
  readonly note: string;
  readonly resolvedBy: string;
  readonly resolvedAt: string;
}

interface ReviewCommon {
  readonly reviewId: string;
  readonly status: ReviewStatus;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly resolution?: ReviewResolution;
  /** Incremented on every change; guards appends against lost updates. */
  readonly version: number;
}

/** An account under review, with the evidence the account-level detections added. */
export interface AccountReview extends ReviewCommon {
  readonly scope: 'account';
  readonly accountId: string;
  /** Every destination restricted while the review was open, first seen first. */
  readonly destinations: readonly string[];
  /** Every allowed source IP whose failed authentications were flagged while the review was open, first seen first. */
  readonly sourceIps: readonly string[];
  readonly evidence: readonly ReviewEvidence[];
  /** Evidence entries not kept inline because the review already held MAX_EVIDENCE_ENTRIES. */
  readonly evidenceDropped: number;
}

/** One account that dialled a restricted range: when it first did, and each number it dialled with its first time. */
export interface RangeAccountEvidence {
  readonly accountId: string;
  readonly firstDialledAt: string | null;
  readonly numbers: readonly { readonly number: string; readonly firstDialledAt: string }[];
}

/** Why the range watch restricted a range: the accounts, the numbers, the count, the threshold and the window. */
export interface RangeReviewEvidence {
  readonly restrictedAt: string;
  readonly distinctAccounts: number;
  readonly threshold: number;
  readonly windowMinutes: number;
  readonly accounts: readonly RangeAccountEvidence[];
  /** Every number dialled in the range in the window, sorted. */
  readonly numbers: readonly string[];
}

/** A range restricted carrier-wide, on the fraud desk's queue until a reviewer clears (lifts) or keeps it. */
export interface RangeReview extends ReviewCommon {
  readonly scope: 'carrier';
  readonly range: string;
  readonly evidence: RangeReviewEvidence;
}

export type Review = AccountReview | RangeReview;

/** Review ids are generated (UUIDs); anything else in `/v1/reviews/{reviewId}` is refused before a lookup. */
export const reviewIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'must be 1 to 128 letters, digits, "-" or "_"');

export const resolveReviewSchema = z
  .object({
    action: z.enum(RESOLUTION_ACTIONS),
    note: z.string().trim().min(1, 'must say why (a non-empty note)').max(2_000),
  })
  .strict();
export type ResolveReviewRequest = z.infer<typeof resolveReviewSchema>;

export function openReview(reviewId: string, accountId: string, entry: ReviewEvidence, now: string): AccountReview {
  return {
    reviewId,
    scope: 'account',
    accountId,
    status: 'open',
    openedAt: now,
    updatedAt: now,
    destinations: entry.kind === 'destination-restricted' ? [entry.destination] : [],
    sourceIps: entry.kind === 'known-peer-auth-failures' ? [entry.ip] : [],
    evidence: [entry],
    evidenceDropped: 0,
    version: 1,
  };
}

export function openRangeReview(reviewId: string, range: string, evidence: RangeReviewEvidence): RangeReview {
  return { reviewId, scope: 'carrier', range, status: 'open', openedAt: evidence.restrictedAt, updatedAt: evidence.restrictedAt, evidence, version: 1 };
}

/** The review resolved by `actor` at `now`, with its action and note. */
export function resolvedReview<R extends Review>(review: R, action: ReviewAction, note: string, actor: string, now: string): R {
  return { ...review, status: 'resolved', updatedAt: now, resolution: { action, note, resolvedBy: actor, resolvedAt: now }, version: review.version + 1 };
}

export function withEvidence(review: AccountReview, entry: ReviewEvidence, now: string): AccountReview {
  const keep = review.evidence.length < MAX_EVIDENCE_ENTRIES;
  return {
    ...review,
    updatedAt: now,
    destinations: entry.kind === 'destination-restricted' ? appendOnce(review.destinations, entry.destination) : review.destinations,
    sourceIps: entry.kind === 'known-peer-auth-failures' ? appendOnce(review.sourceIps, entry.ip) : review.sourceIps,
    evidence: keep ? [...review.evidence, entry] : review.evidence,
    evidenceDropped: review.evidenceDropped + (keep ? 0 : 1),
    version: review.version + 1,
  };
}

function appendOnce(list: readonly string[], value: string): readonly string[] {
  return list.includes(value) ? list : [...list, value];
}

/** `suspend` suspends; `clear` lifts a status the review desk set, but never un-suspends an account. */
export function accountStatusAfter(action: Exclude<ReviewAction, 'keep'>, current: AccountStatus): AccountStatus {
  if (action === 'suspend') return 'suspended';
  return current === 'under_review' ? 'active' : current;
}
