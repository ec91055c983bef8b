/**
 * What the automatic top-up needs of storage, owned here and implemented by the DynamoDB adapter
 * (functions/adapters/dynamodb/top-up-repository.ts), where each terminal move is one transaction with its balance
 * change and its event.
 */
import type { EventDetail } from '../events/contracts.js';

export const TOP_UP_STATUSES = ['pending', 'succeeded', 'failed', 'skipped'] as const;
export type TopUpStatus = (typeof TOP_UP_STATUSES)[number];

/** One claim per balance crossing: it moves pending → succeeded | failed, or is written directly as skipped. */
export interface TopUpClaim {
  readonly accountId: string;
  readonly crossingId: string;
  readonly status: TopUpStatus;
  readonly amountMicros: number;
  /** The UTC day whose cap the top-up counts against. */
  readonly day: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly reason?: string;
  readonly paymentReference?: string;
  readonly failure?: string;
}

/** `exists`: the crossing is already claimed (a duplicated event); `daily-cap`: the day's top-ups are used up. */
export type ClaimTopUpOutcome = 'claimed' | 'exists' | 'daily-cap';

/** `already-completed`: another delivery of the same event closed the claim first. */
export type CloseTopUpOutcome = 'completed' | 'already-completed';

export interface TopUpStore {
  getClaim(accountId: string, crossingId: string): Promise<TopUpClaim | undefined>;
  /** Claims the crossing and takes one of the day's top-ups, together; nothing is written unless both hold. */
  claim(claim: TopUpClaim, maxPerDay: number): Promise<ClaimTopUpOutcome>;
  /** Records a crossing that gets no top-up, with its `Top-up Failed` when the customer must hear of it. */
  skip(claim: TopUpClaim, event?: EventDetail<'Top-up Failed'>): Promise<'recorded' | 'exists'>;
  /** Credits the balance (atomically), closes the claim as succeeded and emits `Balance Topped Up`, together. */
  succeed(claim: TopUpClaim, paymentReference: string, at: string, event: EventDetail<'Balance Topped Up'>): Promise<CloseTopUpOutcome>;
  /** Closes the claim as failed, gives the day its top-up back and emits `Top-up Failed`, together. */
  fail(claim: TopUpClaim, failure: string, at: string, event: EventDetail<'Top-up Failed'>): Promise<CloseTopUpOutcome>;
}
