/**
 * Manual review: automated detection opens a review item for an account with its evidence; the fraud desk clears
 * it or suspends the account. One account has at most one open review: new evidence extends it.
 */
import * as z from 'zod';
import type { AccountStatus } from '../accounts/account.js';
import type { PeerAuthFailureEvidence, RestrictionEvidence } from '../events/contracts.js';

export const REVIEW_STATUSES = ['open', 'resolved'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const REVIEW_ACTIONS = ['clear', 'suspend'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

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

export interface Review {
  readonly reviewId: string;
  readonly accountId: string;
  readonly status: ReviewStatus;
  readonly openedAt: string;
  readonly updatedAt: string;
  /** Every destination restricted while the review was open, first seen first. */
  readonly destinations: readonly string[];
  /** Every allowed source IP whose failed authentications were flagged while the review was open, first seen first. */
  readonly sourceIps: readonly string[];
  readonly evidence: readonly ReviewEvidence[];
  /** Evidence entries not kept inline because the review already held MAX_EVIDENCE_ENTRIES. */
  readonly evidenceDropped: number;
  readonly resolution?: ReviewResolution;
  /** Incremented on every change; guards appends against lost updates. */
  readonly version: number;
}

/** Review ids are generated (UUIDs); anything else in `/v1/reviews/{reviewId}` is refused before a lookup. */
export const reviewIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'must be 1 to 128 letters, digits, "-" or "_"');

export const resolveReviewSchema = z
  .object({
    action: z.enum(REVIEW_ACTIONS),
    note: z.string().trim().min(1, 'must say why (a non-empty note)').max(2_000),
  })
  .strict();
export type ResolveReviewRequest = z.infer<typeof resolveReviewSchema>;

export function openReview(reviewId: string, accountId: string, entry: ReviewEvidence, now: string): Review {
  return {
    reviewId,
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

export function withEvidence(review: Review, entry: ReviewEvidence, now: string): Review {
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
export function accountStatusAfter(action: ReviewAction, current: AccountStatus): AccountStatus {
  if (action === 'suspend') return 'suspended';
  return current === 'under_review' ? 'active' : current;
}
