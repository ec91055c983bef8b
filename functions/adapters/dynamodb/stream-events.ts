/**
 * Turns the table's change stream into Tollgate events:
 *  1. an inserted outbox item is published as it is;
 *  2. an inserted deny decision becomes `Call Denied` (the decision item is the record of the denial);
 *  3. an account change that takes the balance below its threshold becomes `Balance Low`;
 *  4. an inserted decision whose destination was unusual for the account (`seen.destinationUsual` false), allowed
 *     or denied, becomes `Unusual Destination Dialled` for the range watch.
 * Event ids derive from the change (stream record id, call id), so a redelivered record yields the same event
 * and idempotent consumers ignore it.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { detectBalanceCrossing } from '../../../domain/balance/balance-crossing.js';
import { isDetailType, parseEvent, type TollgateEvent } from '../../../domain/events/contracts.js';
import type { DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { fromMicros } from '../../../domain/shared/money.js';
import { parseAccountItem } from './account-repository.js';

/** The part of a DynamoDB stream record we read; both the Lambda event and the Streams API have it. */
export interface ChangeRecord {
  readonly eventID?: string;
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE' | string;
  readonly dynamodb?: {
    readonly NewImage?: Record<string, unknown>;
    readonly OldImage?: Record<string, unknown>;
    readonly ApproximateCreationDateTime?: number | Date;
  };
}

export function eventsFromChange(record: ChangeRecord): TollgateEvent[] {
  const newImage = image(record.dynamodb?.NewImage);
  if (!newImage) return [];
  if (record.eventName === 'INSERT' && newImage.entity === 'outbox' && isDetailType(newImage.detailType)) {
    return [parseEvent(newImage.detailType, newImage.detail)];
  }
  if (record.eventName === 'INSERT' && newImage.entity === 'decision') {
    const decision = newImage.record as DecisionRecord;
    if (!decision.accountId) return [];
    const events: TollgateEvent[] = [];
    // 4. An attempt, allowed or denied, to a destination unusual for the account: the range watch counts it.
    if (decision.seen?.destinationUsual === false && decision.destination) {
      events.push(
        parseEvent('Unusual Destination Dialled', {
          eventId: `unusual-dialled:${decision.callId}`,
          occurredAt: decision.decidedAt,
          accountId: decision.accountId,
          callId: decision.callId,
          prefix: decision.destination.prefix,
          e164: decision.destination.e164,
          country: decision.destination.country,
          ratePerMinute: decision.destination.ratePerMinute,
        }),
      );
    }
    if (decision.decision !== 'deny') return events;
    return [
      ...events,
      parseEvent('Call Denied', {
        eventId: `call-denied:${decision.callId}`,
        occurredAt: decision.decidedAt,
        accountId: decision.accountId,
        callId: decision.callId,
        reason: decision.reason,
        sipCode: decision.sipCode,
        destination: decision.destination?.e164 ?? null,
        country: decision.destination?.country ?? null,
      }),
    ];
  }
  const oldImage = image(record.dynamodb?.OldImage);
  if (record.eventName === 'MODIFY' && newImage.entity === 'account' && oldImage) {
    const after = parseAccountItem(newImage);
    const crossing = detectBalanceCrossing(parseAccountItem(oldImage), after);
    if (!crossing) return [];
    const crossingId = `${after.accountId}:${record.eventID ?? 'unknown'}`;
    return [
      parseEvent('Balance Low', {
        eventId: `balance-low:${crossingId}`,
        occurredAt: changeTime(record),
        accountId: after.accountId,
        balance: fromMicros(crossing.balanceMicros),
        threshold: fromMicros(crossing.thresholdMicros),
        crossingId,
      }),
    ];
  }
  return [];
}

function image(raw: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return raw ? unmarshall(repairEmptyMaps(raw) as Record<string, AttributeValue>) : undefined;
}

/**
 * DynamoDB Local's stream renders an empty map attribute as `{}` instead of `{"M":{}}`, which unmarshall rejects;
 * left alone, that one record would stop the local stream for good. Rebuilds such values as empty maps.
 */
function repairEmptyMaps(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, repairValue(value)]));
}

function repairValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return { M: {} };
  const [[type, inner] = []] = entries;
  if (type === 'M' && typeof inner === 'object' && inner !== null) return { M: repairEmptyMaps(inner as Record<string, unknown>) };
  if (type === 'L' && Array.isArray(inner)) return { L: inner.map(repairValue) };
  return value;
}

function changeTime(record: ChangeRecord): string {
  const value = record.dynamodb?.ApproximateCreationDateTime;
  if (value instanceof Date) return value.toISOString();
  // The Lambda event carries epoch seconds.
  return new Date(typeof value === 'number' ? value * 1000 : 0).toISOString();
}
