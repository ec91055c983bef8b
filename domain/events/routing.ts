/**
 * Which consumer receives which event: the one routing definition. The CDK stack makes one EventBridge rule per
 * consumer from it (detail-type in the listed set, with retries and a dead-letter queue) and the local event bus
 * routes with the same table, so the two cannot disagree.
 */
import type { DetailType } from './contracts.js';

export const CONSUMER_NAMES = ['review-flagger', 'auto-replenish', 'notifier', 'range-watch'] as const;
export type ConsumerName = (typeof CONSUMER_NAMES)[number];

export interface ConsumerRoute {
  /** Folder under functions/ holding the consumer's `handler.ts`. */
  readonly consumer: ConsumerName;
  readonly detailTypes: readonly DetailType[];
  readonly description: string;
}

export const EVENT_ROUTES: readonly ConsumerRoute[] = [
  {
    consumer: 'review-flagger',
    detailTypes: ['Destination Restricted', 'Known Peer Auth Failures'],
    description: 'opens (or extends) a review item with the evidence and flags the account for the fraud desk',
  },
  {
    consumer: 'auto-replenish',
    detailTypes: ['Balance Low'],
    description: 'tops the balance up through the payment provider: once per crossing, capped per day, never under review',
  },
  {
    consumer: 'range-watch',
    detailTypes: ['Unusual Destination Dialled'],
    description: 'counts the distinct accounts dialling a range unusual for them and restricts the range carrier-wide at the threshold',
  },
  {
    consumer: 'notifier',
    detailTypes: [
      'Balance Low',
      'Balance Topped Up',
      'Top-up Failed',
      'Destination Restricted',
      'Account Flagged For Review',
      'Review Resolved',
      'IP Banned',
      'Known Peer Auth Failures',
      'Policy Changed',
      'Account Reset',
    ],
    description: "signs and delivers the event to the account's webhook and email, with retries and a dead letter",
  },
];

export function consumersFor(detailType: DetailType): ConsumerName[] {
  return EVENT_ROUTES.filter((route) => route.detailTypes.includes(detailType)).map((route) => route.consumer);
}
