/** Opaque page cursors: the LastEvaluatedKey as base64url JSON, validated on the way back in. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

export class InvalidCursorError extends Error {}

export function encodeCursor(key: Record<string, AttributeValue> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(unmarshall(key)), 'utf8').toString('base64url') : null;
}

/**
 * Only string key attributes named in `allowed` are accepted, and `fixed` attributes must hold the queried
 * partition: a cursor cannot steer a query elsewhere, nor make DynamoDB reject the start key (a 500).
 */
export function decodeCursor(
  cursor: string | undefined,
  allowed: readonly string[],
  fixed: Readonly<Record<string, string>> = {},
): Record<string, AttributeValue> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('is not a cursor returned by this endpoint');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidCursorError('is not a cursor returned by this endpoint');
  const entries = Object.entries(parsed as Record<string, unknown>);
  const values = parsed as Record<string, unknown>;
  const wrongPartition = Object.entries(fixed).some(([name, value]) => values[name] !== value);
  if (wrongPartition || entries.length !== allowed.length || entries.some(([name, value]) => !allowed.includes(name) || typeof value !== 'string')) {
    throw new InvalidCursorError('is not a cursor returned by this endpoint');
  }
  return marshall(Object.fromEntries(entries));
}
