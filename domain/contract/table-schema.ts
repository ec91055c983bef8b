/**
 * The single table's shape, described once as plain data: its keys, its index, its TTL attribute, its stream and
 * its billing. infra/stacks/stateful-stack.ts builds the AWS table from it, and
 * functions/adapters/dynamodb/table-definition.ts creates the same table in DynamoDB Local (npm start, the tests),
 * so the two cannot drift. What the items look like is the README's "Storage: one table".
 */

/** DynamoDB's scalar types for key attributes: string, number, binary. */
export type KeyAttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export interface GlobalSecondaryIndex {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /** `INCLUDE`: the keys and `nonKeyAttributes` only; `ALL`: every attribute. */
  readonly projection: 'ALL' | 'INCLUDE';
  readonly nonKeyAttributes?: readonly string[];
}

export interface TableSchema {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndex[];
  /** Epoch seconds after which DynamoDB deletes the item. */
  readonly timeToLiveAttribute: string;
  readonly streamViewType: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'KEYS_ONLY';
  readonly billingMode: 'PAY_PER_REQUEST';
}

/** What each gsi1 listing reads (the parse schema of its repository in functions/adapters/dynamodb/). */
export const GSI1_LISTING_ATTRIBUTES = {
  /** decision-repository.ts listForAccount: the stored record. */
  decisions: ['record'],
  /** credential-repository.ts list: the id item. */
  credentials: ['credentialId', 'role', 'accountId', 'createdAt', 'validUntil', 'label', 'tokenHash'],
  /** review-repository.ts listByStatus: the whole review. */
  reviews: ['reviewId', 'accountId', 'status', 'openedAt', 'updatedAt', 'destinations', 'sourceIps', 'evidence', 'evidenceDropped', 'resolution', 'version'],
  /** ban-repository.ts listActive: the ban. */
  bans: [
    'ip',
    'bannedAt',
    'bannedUntil',
    'offence',
    'failures',
    'failuresCountFrom',
    'sipUsernames',
    'accountId',
    'liftedAt',
    'liftedBy',
    'liftAuditId',
    'failureLog',
    'threshold',
    'windowSeconds',
  ],
} as const;

const GSI1_PROJECTED: readonly string[] = [...new Set(Object.values(GSI1_LISTING_ATTRIBUTES).flat())];

export const TABLE_SCHEMA = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  // The listings: an account's decisions, credentials, reviews by status, active bans (functions/adapters/dynamodb/keys.ts).
  // gsi1 projects only what their Query calls read, so a decision's copy is its `record` (not its completion, which
  // is written later and would otherwise be written to the index twice per completed call) and nothing else.
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      projection: 'INCLUDE',
      nonKeyAttributes: GSI1_PROJECTED,
    },
  ],
  // Decisions, outbox events, audit records, bans and auth-failure counters expire.
  timeToLiveAttribute: 'expiresAt',
  // Events leave through the stream (outbox items and the changes that imply events), never from the request path;
  // the publisher compares old and new images (a balance crossing its threshold).
  streamViewType: 'NEW_AND_OLD_IMAGES',
  billingMode: 'PAY_PER_REQUEST',
} as const satisfies TableSchema;

/** Every attribute a key of the table or of an index uses, each once, table keys first. */
export function keyAttributes(schema: TableSchema): KeyAttribute[] {
  const all = [schema.partitionKey, schema.sortKey, ...schema.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  return all.filter((attribute, position) => all.findIndex((other) => other.name === attribute.name) === position);
}
