/**
 * Review items: `REVIEW#<id>`, listed per status on GSI1 (`REVIEWS#open` by opening time, `REVIEWS#resolved` by
 * resolution time) so the queue reads newest first without a Scan. Every change writes the review, the account's
 * `openReviewId`, the event and the audit record in one transaction.
 */
import { GetItemCommand, QueryCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { peerAuthFailureEvidenceSchema, restrictionEvidenceSchema, type EventDetail } from '../../../domain/events/contracts.js';
import type { AccountResolution, ApplyOutcome, ConsumedEvent, ResolveOutcome, ReviewPage, ReviewStore } from '../../../domain/reviews/ports.js';
import { RESOLUTION_ACTIONS, REVIEW_STATUSES, type AccountReview, type RangeReview, type Review, type ReviewStatus } from '../../../domain/reviews/review.js';
import { keys } from './keys.js';
import { auditPut, outboxPut} from './outbox.js';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';
import { decodeCursor, encodeCursor } from './pagination.js';
import { parseStored } from './stored-record.js';
import { toEndMarkerPut } from './to-end-marker.js';
import { transact } from './transactions.js';

const CONSUMED_TTL_SECONDS = 30 * 86_400;

export class ReviewRepository implements ReviewStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(reviewId: string): Promise<Review | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.review(reviewId)), ConsistentRead: true }));
    return result.Item ? parseReview(unmarshall(result.Item)) : undefined;
  }

  async listByStatus(status: ReviewStatus, limit: number, cursor?: string): Promise<ReviewPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': keys.reviewsByStatus(status) }),
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, {
          pk: { startsWith: keys.review('').pk },
          sk: { equals: keys.review('').sk },
          gsi1pk: { equals: keys.reviewsByStatus(status) },
          gsi1sk: { startsWith: '' },
        }),
      }),
    );
    // gsi1 projects an account review whole (GSI1_LISTING_ATTRIBUTES); a carrier review (no accountId) is read from the
    // table: its `scope` and `range` are not projected, and changing the index's projection means rebuilding it
    // (docs/deploy.md). Carrier reviews are few (one per restricted range), so the extra reads are too.
    const reviews = await Promise.all(
      (result.Items ?? []).map(async (item) => {
        const listed = unmarshall(item);
        if (listed.accountId !== undefined) return parseReview(listed);
        const whole = await this.get(String(listed.reviewId));
        if (!whole) throw new Error(`review ${String(listed.reviewId)} is listed but not stored`);
        return whole;
      }),
    );
    return { reviews, nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  /**
   * Opens a review for an account that has none open. `duplicate`: this consumer already applied the event;
   * `conflict`: the account gained an open review meanwhile (the caller reloads and appends instead).
   */
  async open(review: AccountReview, consumed: ConsumedEvent, event: EventDetail<'Account Flagged For Review'>, audit: AuditEntry, holdAccount: boolean): Promise<ApplyOutcome> {
    const hold = holdAccount
      ? {
          UpdateExpression: 'SET openReviewId = :reviewId, #status = :held ADD #version :one',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(openReviewId) AND #status = :active',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: marshall({ ':reviewId': review.reviewId, ':held': 'under_review', ':active': 'active', ':one': 1 }),
        }
      : {
          UpdateExpression: 'SET openReviewId = :reviewId',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(openReviewId)',
          ExpressionAttributeValues: marshall({ ':reviewId': review.reviewId }),
        };
    return this.apply(consumed, [
      { Put: { TableName: this.tableName, Item: reviewItem(review), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Update: { TableName: this.tableName, Key: marshall(keys.account(review.accountId)), ...hold } },
      outboxPut(this.tableName, 'Account Flagged For Review', event),
      auditPut(this.tableName, audit),
    ]);
  }

  /** Replaces the open review with its extended version; `version` guards against a lost append. */
  async extend(updated: AccountReview, previousVersion: number, consumed: ConsumedEvent, audit: AuditEntry): Promise<ApplyOutcome> {
    return this.apply(consumed, [
      {
        Put: {
          TableName: this.tableName,
          Item: reviewItem(updated),
          ConditionExpression: '#status = :open AND #version = :version',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: marshall({ ':open': 'open', ':version': previousVersion }),
        },
      },
      auditPut(this.tableName, audit),
    ]);
  }

  /**
   * Resolves an open review: the review, the account (openReviewId removed, status set), `Review Resolved` and the
   * audit record together. `already-resolved`: someone resolved it meanwhile; `account-changed`: the account's
   * review flag moved under us (the caller reloads and retries).
   */
  async resolve(
    resolved: AccountReview,
    account: AccountResolution,
    event: EventDetail<'Review Resolved'>,
    audit: AuditEntry,
  ): Promise<ResolveOutcome> {
    const ownsAccountFlag = account.openReviewId === resolved.reviewId;
    const statusChanges = account.statusAfter !== account.statusBefore;
    const key = marshall(keys.account(account.accountId));
    let accountItem: TransactWriteItem;
    if (!ownsAccountFlag && !statusChanges) {
      accountItem = { ConditionCheck: { TableName: this.tableName, Key: key, ConditionExpression: 'attribute_exists(pk)' } };
    } else {
      accountItem = {
        Update: {
          TableName: this.tableName,
          Key: key,
          UpdateExpression: [statusChanges ? 'SET #status = :status ADD #version :one' : '', ownsAccountFlag ? 'REMOVE openReviewId' : ''].filter(Boolean).join(' '),
          // The flag is removed only while it is still this review's: a newer review's flag must survive.
          ConditionExpression: ownsAccountFlag ? 'attribute_exists(pk) AND openReviewId = :reviewId' : 'attribute_exists(pk)',
          ...(statusChanges ? { ExpressionAttributeNames: { '#status': 'status', '#version': 'version' } } : {}),
          ExpressionAttributeValues: marshall({
            ...(statusChanges ? { ':status': account.statusAfter, ':one': 1 } : {}),
            ...(ownsAccountFlag ? { ':reviewId': resolved.reviewId } : {}),
          }),
        },
      };
    }
    const outcome = await transact(this.client, [
      openReviewPut(this.tableName, resolved),
      accountItem,
      outboxPut(this.tableName, 'Review Resolved', event),
      auditPut(this.tableName, audit),
      // A suspension ends the account's live calls: the switches' to-end list picks them up from this marker.
      ...(account.statusAfter === 'suspended' && statusChanges ? [toEndMarkerPut(this.tableName, account.accountId, 'ACCOUNT_SUSPENDED', event.occurredAt)] : []),
    ]);
    if (outcome.ok) return 'resolved';
    return outcome.failedConditions.includes(0) ? 'already-resolved' : 'account-changed';
  }

  /** Resolves an open carrier review alone (kept, or its restriction no longer active), with its audit record. */
  async close(resolved: RangeReview, audit: AuditEntry): Promise<'resolved' | 'already-resolved'> {
    const outcome = await transact(this.client, [openReviewPut(this.tableName, resolved), auditPut(this.tableName, audit)]);
    if (outcome.ok) return 'resolved';
    if (outcome.failedConditions.includes(0)) return 'already-resolved';
    throw new Error(`closing review ${resolved.reviewId} failed on a condition it does not set`);
  }

  /** Runs the change with a marker for (consumer, event): the marker's condition makes a redelivered event a no-op. */
  private async apply(consumed: ConsumedEvent, items: TransactWriteItem[]): Promise<ApplyOutcome> {
    const marker: TransactWriteItem = {
      Put: {
        TableName: this.tableName,
        Item: marshall({ ...keys.consumedEvent(consumed.consumer, consumed.eventId), entity: 'consumed', at: consumed.at, expiresAt: Math.floor(Date.parse(consumed.at) / 1000) + CONSUMED_TTL_SECONDS }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const outcome = await transact(this.client, [marker, ...items]);
    if (outcome.ok) return 'applied';
    return outcome.failedConditions.includes(0) ? 'duplicate' : 'conflict';
  }
}

/** Replaces a review that is still open with `changed` (its resolution): the condition fails once anyone resolved it. */
export function openReviewPut(tableName: string, changed: Review): TransactWriteItem {
  return {
    Put: {
      TableName: tableName,
      Item: reviewItem(changed),
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: marshall({ ':open': 'open' }),
    },
  };
}

export function reviewItem(review: Review) {
  const listedAt = review.status === 'resolved' ? (review.resolution?.resolvedAt ?? review.updatedAt) : review.openedAt;
  return marshall(
    { ...keys.review(review.reviewId), entity: 'review', ...review, gsi1pk: keys.reviewsByStatus(review.status), gsi1sk: `${listedAt}#${review.reviewId}` },
    { removeUndefinedValues: true, convertClassInstanceToMap: true },
  );
}

const resolutionSchema = z.object({ action: z.enum(RESOLUTION_ACTIONS), note: z.string(), resolvedBy: z.string(), resolvedAt: z.iso.datetime() });

const storedAccountReviewSchema = z.object({
  reviewId: z.string().min(1),
  // Reviews written before carrier reviews have no scope: they are an account's.
  scope: z.literal('account').default('account'),
  accountId: z.string().min(1),
  // An unknown status must not read as "open" (and be resolvable again): it is refused.
  status: z.enum(REVIEW_STATUSES),
  openedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  destinations: z.array(z.string()),
  // Reviews written before known-peer flags have no source IPs.
  sourceIps: z.array(z.string()).default([]),
  evidence: z.array(
    z.preprocess(
      // Entries written before reviews had more than one rule carry no `kind`: they are destination restrictions.
      (entry) => (typeof entry === 'object' && entry !== null && !('kind' in entry) ? { ...entry, kind: 'destination-restricted' } : entry),
      z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('destination-restricted'), eventId: z.string(), at: z.string(), destination: z.string(), callId: z.string(), evidence: restrictionEvidenceSchema }),
        z.object({ kind: z.literal('known-peer-auth-failures'), eventId: z.string(), at: z.string(), ip: z.string(), evidence: peerAuthFailureEvidenceSchema }),
      ]),
    ),
  ),
  evidenceDropped: z.number().int().min(0),
  resolution: resolutionSchema.optional(),
  version: z.number().int().min(1),
});

const storedRangeReviewSchema = z.object({
  reviewId: z.string().min(1),
  scope: z.literal('carrier'),
  range: z.string().min(1),
  status: z.enum(REVIEW_STATUSES),
  openedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  evidence: z.object({
    restrictedAt: z.string(),
    distinctAccounts: z.number(),
    threshold: z.number(),
    windowMinutes: z.number(),
    accounts: z.array(z.object({ accountId: z.string(), firstDialledAt: z.string().nullable(), numbers: z.array(z.object({ number: z.string(), firstDialledAt: z.string() })) })),
    numbers: z.array(z.string()),
  }),
  resolution: resolutionSchema.optional(),
  version: z.number().int().min(1),
});

function parseReview(item: Record<string, unknown>): Review {
  const what = `review ${String(item.reviewId ?? item.pk)}`;
  return item.scope === 'carrier' ? parseStored(storedRangeReviewSchema, item, what) : parseStored(storedAccountReviewSchema, item, what);
}

