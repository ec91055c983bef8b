/**
 * The transactional outbox: an event is an item written in the same TransactWriteItems as the state change it
 * reports, so a function that dies after its write loses nothing. The table's stream carries the item to the
 * stream publisher (functions/stream-publisher), which puts it on EventBridge (locally: the local event bus).
 * Audit records travel the same way: written with the change they describe, or not at all.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { parseEvent, type DetailType, type EventDetail } from '../../../domain/events/contracts.js';
import { keys } from './keys.js';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';

const OUTBOX_TTL_SECONDS = 2 * 86_400;
const AUDIT_TTL_SECONDS = 400 * 86_400;

/** A Put of the event into the outbox; validates the detail against its contract first. */
export function outboxPut<T extends DetailType>(tableName: string, detailType: T, detail: EventDetail<T>): TransactWriteItem {
  const event = parseEvent(detailType, detail);
  const occurredSeconds = Math.floor(Date.parse(event.detail.occurredAt) / 1000);
  return {
    Put: {
      TableName: tableName,
      Item: marshall(
        { ...keys.outbox(event.detail.eventId), entity: 'outbox', detailType, detail: event.detail, expiresAt: occurredSeconds + OUTBOX_TTL_SECONDS },
        { removeUndefinedValues: true },
      ),
      // The same event id twice is a retry of the same change: the transaction fails rather than emitting twice.
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
export function auditPut(tableName: string, entry: AuditEntry): TransactWriteItem {
  const atSeconds = Math.floor(Date.parse(entry.at) / 1000);
  return {
    Put: {
      TableName: tableName,
      Item: marshall(
        { ...keys.audit(entry.scope, entry.at, entry.id), entity: 'audit', ...entry, expiresAt: atSeconds + AUDIT_TTL_SECONDS },
        { removeUndefinedValues: true, convertClassInstanceToMap: true },
      ),
    },
  };
}
