/** Opaque page cursors: the LastEvaluatedKey as base64url JSON, validated on the way back in. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

import { InvalidCursorError } from '../../../domain/shared/page.js';

export { InvalidCursorError };

/** What each key attribute of a cursor must hold: the queried partition exactly, or a key of the queried kind. */
export type CursorKeyRule = { readonly equals: string } | { readonly startsWith: string };
export type CursorShape = Readonly<Record<string, CursorKeyRule>>;

/** The longest cursor this API hands out is far below this; longer input is not worth decoding. */
const MAX_CURSOR_CHARACTERS = 2_048;
/** DynamoDB's limit for a sort key value (a partition key may be 2,048): longer is a ValidationException. */
const MAX_KEY_BYTES = 1_024;

export function encodeCursor(key: Record<string, AttributeValue> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(unmarshall(key)), 'utf8').toString('base64url') : null;
}

/**
 * Accepts exactly the key attributes of `shape`, each a non-empty string within DynamoDB's key limits that obeys its
 * rule. A cursor therefore cannot steer a query to another partition (another account's log), point at a key of
 * another kind, nor make DynamoDB reject the start key (which would be a 500).
 */
export function decodeCursor(cursor: string | undefined, shape: CursorShape): Record<string, AttributeValue> | undefined {
  if (cursor === undefined) return undefined;
  const refuse = (why: string): never => {
    throw new InvalidCursorError(why);
  };
  if (cursor === '') refuse('must not be empty');
  // Buffer.from(..., 'base64url') skips characters outside the alphabet silently; refuse them instead.
  if (cursor.length > MAX_CURSOR_CHARACTERS || !/^[A-Za-z0-9_-]+$/.test(cursor)) refuse('is not a cursor returned by this endpoint');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    refuse('is not a cursor returned by this endpoint');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return refuse('is not a cursor returned by this endpoint');
  const entries = Object.entries(parsed as Record<string, unknown>);
  const expected = Object.keys(shape);
  if (entries.length !== expected.length) refuse('is not a cursor returned by this endpoint');
  for (const [name, value] of entries) {
    const rule = Object.hasOwn(shape, name) ? shape[name] : undefined;
    if (!rule || typeof value !== 'string' || value === '' || Buffer.byteLength(value, 'utf8') > MAX_KEY_BYTES) refuse('is not a cursor returned by this endpoint');
    const fits = rule && typeof value === 'string' && ('equals' in rule ? value === rule.equals : value.startsWith(rule.startsWith) && value.length > rule.startsWith.length);
    if (!fits) refuse('belongs to another listing');
  }
  return marshall(Object.fromEntries(entries));
}
