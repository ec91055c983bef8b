/**
 * Automatic top-ups. One claim item per balance crossing (`ACCOUNT#<id>` / `TOPUP#<crossingId>`) makes the top-up
 * happen once however often `Balance Low` is delivered; one counter item per account and UTC day enforces the cap.
 * The claim moves pending → succeeded | failed, or is written directly as skipped; each terminal move is one
 * transaction with its balance change and its event.
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { TOP_UP_STATUSES, type ClaimTopUpOutcome, type CloseTopUpOutcome, type TopUpClaim, type TopUpStore } from '../../../domain/balance/ports.js';
import type { EventDetail } from '../../../domain/events/contracts.js';
import { isConditionalCheckFailed, keys } from './keys.js';
import { outboxPut } from './outbox.js';
import { parseStored } from './stored-record.js';
import { transact } from './transactions.js';

const CLAIM_TTL_SECONDS = 400 * 86_400;
const DAY_COUNTER_TTL_SECONDS = 3 * 86_400;

export class TopUpRepository implements TopUpStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async getClaim(accountId: string, crossingId: string): Promise<TopUpClaim | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.topUpClaim(accountId, crossingId)), ConsistentRead: true }),
    );
    return result.Item ? parseStored(storedClaimSchema, unmarshall(result.Item), `top-up claim ${crossingId} of ${accountId}`) : undefined;
  }

  /**
   * Claims the crossing and takes one of the day's top-ups, together. `exists`: the crossing is already claimed
   * (a duplicated event); `daily-cap`: the day's top-ups are used up (nothing was written).
   */
  async claim(claim: TopUpClaim, maxPerDay: number): Promise<ClaimTopUpOutcome> {
    const outcome = await transact(this.client, [
      { Put: { TableName: this.tableName, Item: this.claimItem(claim), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.topUpDay(claim.accountId, claim.day)),
          UpdateExpression: 'SET entity = :entity, expiresAt = :expires ADD #count :one',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: marshall({ ':entity': 'topup-day', ':expires': dayEnd(claim.day) + DAY_COUNTER_TTL_SECONDS, ':one': 1, ':max': maxPerDay }),
        },
      },
    ]);
    if (outcome.ok) return 'claimed';
    return outcome.failedConditions.includes(0) ? 'exists' : 'daily-cap';
  }

  /** Records a crossing that gets no top-up (and its `Top-up Failed`, if the skip is one the customer must hear of). */
  async skip(claim: TopUpClaim, event?: EventDetail<'Top-up Failed'>): Promise<'recorded' | 'exists'> {
    if (!event) {
      try {
        await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: this.claimItem(claim), ConditionExpression: 'attribute_not_exists(pk)' }));
        return 'recorded';
      } catch (error) {
        if (isConditionalCheckFailed(error)) return 'exists';
        throw error;
      }
    }
    const outcome = await transact(this.client, [
      { Put: { TableName: this.tableName, Item: this.claimItem(claim), ConditionExpression: 'attribute_not_exists(pk)' } },
      outboxPut(this.tableName, 'Top-up Failed', event),
    ]);
    return outcome.ok ? 'recorded' : 'exists';
  }

  /**
   * The payment went through: credit the balance (atomic ADD, so concurrent charges lose nothing), close the claim
   * and emit `Balance Topped Up`. `already-completed` when another delivery of the same event got there first.
   */
  async succeed(claim: TopUpClaim, paymentReference: string, at: string, event: EventDetail<'Balance Topped Up'>): Promise<CloseTopUpOutcome> {
    const outcome = await transact(this.client, [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.account(claim.accountId)),
          // What is available grows with the balance: reservations of live calls are unchanged by a top-up.
          UpdateExpression: 'ADD balanceMicros :amount, availableMicros :amount SET balanceChanged = :changed',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: marshall({ ':amount': claim.amountMicros, ':changed': true }),
        },
      },
      this.closeClaim(claim, 'succeeded', at, { paymentReference }),
      outboxPut(this.tableName, 'Balance Topped Up', event),
    ]);
    if (outcome.ok) return 'completed';
    if (outcome.failedConditions.includes(1)) return 'already-completed';
    throw new Error(`account ${claim.accountId} no longer exists; top-up ${claim.crossingId} cannot be credited`);
  }

  /** The provider declined: close the claim, give the day's top-up back and emit `Top-up Failed`. */
  async fail(claim: TopUpClaim, failure: string, at: string, event: EventDetail<'Top-up Failed'>): Promise<CloseTopUpOutcome> {
    const outcome = await transact(this.client, [
      this.closeClaim(claim, 'failed', at, { failure }),
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(keys.topUpDay(claim.accountId, claim.day)),
          UpdateExpression: 'ADD #count :minusOne',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: marshall({ ':minusOne': -1 }),
        },
      },
      outboxPut(this.tableName, 'Top-up Failed', event),
    ]);
    return outcome.ok ? 'completed' : 'already-completed';
  }

  private closeClaim(claim: TopUpClaim, status: 'succeeded' | 'failed', at: string, fields: { paymentReference?: string; failure?: string }) {
    const values = { ':status': status, ':at': at, ':pending': 'pending', ...(fields.paymentReference ? { ':ref': fields.paymentReference } : {}), ...(fields.failure ? { ':failure': fields.failure } : {}) };
    return {
      Update: {
        TableName: this.tableName,
        Key: marshall(keys.topUpClaim(claim.accountId, claim.crossingId)),
        UpdateExpression: ['SET #status = :status, updatedAt = :at', fields.paymentReference ? 'paymentReference = :ref' : '', fields.failure ? 'failure = :failure' : ''].filter(Boolean).join(', '),
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall(values),
      },
    };
  }

  private claimItem(claim: TopUpClaim) {
    return marshall(
      { ...keys.topUpClaim(claim.accountId, claim.crossingId), entity: 'topup', ...claim, expiresAt: Math.floor(Date.parse(claim.createdAt) / 1000) + CLAIM_TTL_SECONDS },
      { removeUndefinedValues: true },
    );
  }
}

const storedClaimSchema = z.object({
  accountId: z.string().min(1),
  crossingId: z.string().min(1),
  status: z.enum(TOP_UP_STATUSES),
  amountMicros: z.number().int().min(0),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  reason: z.string().optional(),
  paymentReference: z.string().optional(),
  failure: z.string().optional(),
});

function dayEnd(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00.000Z`) / 1000) + 86_400;
}
