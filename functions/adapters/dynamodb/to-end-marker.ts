/**
 * To-end markers: one item per account (`TOEND` / `ACCOUNT#<id>`) written in the same write as a change that may
 * end its live calls (a suspension, a restriction, a policy change, an exhausted balance). `GET /v1/calls/to-end`
 * reads the markers, then each marked account as it is now, and lists the live calls that must end; a marker whose
 * account has none left is removed. Deriving the list from the account's current state keeps it exact: a call
 * settled meanwhile drops out, a reactivation empties it.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { keys } from './keys.js';

export function toEndMarkerItem(accountId: string, reason: string, at: string) {
  return { ...keys.toEndMarker(accountId), entity: 'to-end-marker', accountId, reason, at };
}

export function toEndMarkerPut(tableName: string, accountId: string, reason: string, at: string): TransactWriteItem {
  return { Put: { TableName: tableName, Item: marshall(toEndMarkerItem(accountId, reason, at)) } };
}
