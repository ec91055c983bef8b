/**
 * What each function may do to the single table, by partition-key family: the least-privilege contract infra turns
 * into IAM (`dynamodb:LeadingKeys` conditions, infra/constructs/tollgate-function.ts) and tests check against the
 * key builders (functions/adapters/dynamodb/keys.ts; test/infra/table-access.test.ts proves every builder's `pk`
 * falls in one family here, and every adapter a function builds stays inside the families declared for it).
 *
 * One table keeps its partitions apart only by the leading key, so this is the whole isolation: the rate-deck function
 * cannot write `CREDENTIAL#…`, the authorizer reads nothing but `CREDENTIAL#…`. Items that share a partition share a
 * grant: the webhook secret lives under `ACCOUNT#<id>` (sort key `WEBHOOK_SECRET`), so it is stored encrypted and only
 * the notifier may decrypt it (KMS, not IAM on the table, protects it).
 */
import type { ConsumerName } from '../events/routing.js';
import type { FunctionName } from './routes.js';

/** Partition-key families of the table, as `StringLike` patterns on the leading key. */
export const PARTITIONS = {
  /** The account's state item, its top-up claims and days, its webhook secret. */
  account: 'ACCOUNT#*',
  /** The admin listing of accounts by id (GET /v1/accounts). */
  accountListing: 'ACCOUNTS',
  techPrefixAlias: 'TECHPREFIX#*',
  sipUserAlias: 'SIPUSER#*',
  /** Credential by token hash (what the authorizer reads). */
  credential: 'CREDENTIAL#*',
  /** Credential by its public id. */
  credentialById: 'CREDENTIALID#*',
  decision: 'CALL#*',
  ban: 'BAN#*',
  authFailure: 'AUTHFAIL#*',
  peerIndex: 'PEERS',
  rateDeckPointer: 'RATEDECK',
  rateDeckChunks: 'RATEDECK#*',
  highRisk: 'HIGHRISK',
  toEnd: 'TOEND',
  profile: 'PROFILE#*',
  outbox: 'OUTBOX#*',
  audit: 'AUDIT#*',
  review: 'REVIEW#*',
  consumedEvent: 'CONSUMED#*',
  notificationDelivery: 'NOTIFY#*',
  /** The range watch's per-window, per-shard sets of accounts. */
  rangeWatch: 'RANGE#*',
  rangeRestriction: 'RANGE_RESTRICTION#*',
  /** The ranges restricted now: carrier reference data. */
  rangeRestrictions: 'RANGE_RESTRICTIONS',
} as const;
export type Partition = keyof typeof PARTITIONS;

/** Partition-key families of `gsi1` (its `gsi1pk`), the listings. */
export const INDEX_PARTITIONS = {
  decisionsByAccount: 'DECISIONS#*',
  credentials: 'CREDENTIALS',
  reviewsByStatus: 'REVIEWS#*',
  activeBans: 'BANS',
} as const;
export type IndexPartition = keyof typeof INDEX_PARTITIONS;

export interface TableAccess {
  /** GetItem, BatchGetItem, Query on the table. */
  readonly read?: readonly Partition[];
  /** PutItem, UpdateItem, ConditionCheckItem (alone or in TransactWriteItems). */
  readonly write?: readonly Partition[];
  /** DeleteItem (alone or in TransactWriteItems). */
  readonly delete?: readonly Partition[];
  /** Query on `gsi1`, by its partition key. */
  readonly query?: readonly IndexPartition[];
}

/** Every function Tollgate deploys: the HTTP functions, the authorizer, the consumers and the stream publisher. */
export type TollgateFunctionName = FunctionName | ConsumerName | 'authorizer' | 'stream-publisher';

// What an account change writes beside the account item: its audit record, its event, the to-end marker, the peer index.
const ACCOUNT_CHANGE = ['account', 'audit', 'outbox', 'toEnd', 'peerIndex'] as const satisfies readonly Partition[];
// The live-call store (interim, completion, views): the account's ledger, the decision records, profiles, to-end markers.
const LIVE_CALLS = ['account', 'decision', 'profile', 'toEnd'] as const satisfies readonly Partition[];
// The rate deck and the high-risk list every process that decides or serves them keeps in memory.
const REFERENCE_DATA = ['rateDeckPointer', 'rateDeckChunks', 'highRisk', 'rangeRestrictions'] as const satisfies readonly Partition[];

/**
 * The table access of each function, from the adapters its composition root builds (functions/<name>/handler.ts)
 * and the methods it calls on them. No function scans; only `credentials` and `calls` delete items.
 */
export const TABLE_ACCESS: Readonly<Record<TollgateFunctionName, TableAccess>> = {
  health: {},
  // Serves the OpenAPI document it generates from the contract in memory.
  openapi: {},
  // The stream publisher reads the table's stream only (granted by the event source), never an item.
  'stream-publisher': {},
  authorizer: { read: ['credential'] },
  authorize: {
    read: ['account', 'techPrefixAlias', 'sipUserAlias', 'decision', ...REFERENCE_DATA],
    write: ['account', 'decision', 'outbox', 'toEnd'],
    query: ['activeBans'],
  },
  accounts: {
    read: [...LIVE_CALLS, 'peerIndex', 'accountListing'],
    write: [...ACCOUNT_CHANGE, 'techPrefixAlias', 'sipUserAlias', 'accountListing'],
  },
  policy: { read: ['account'], write: ACCOUNT_CHANGE },
  'carrier-policy': { read: ['account'], write: ACCOUNT_CHANGE },
  'account-status': { read: ['account'], write: ACCOUNT_CHANGE },
  // The reset writes the account item, its audit record and its event; it ends no call.
  'account-reset': { read: ['account'], write: ['account', 'audit', 'outbox'] },
  // Read-only: the accounts (all of them through the peer index), the decisions and their completions, reference data.
  'what-if': { read: ['account', 'decision', 'peerIndex', ...REFERENCE_DATA], query: ['decisionsByAccount'] },
  credits: { read: ['account'], write: ACCOUNT_CHANGE },
  decisions: { read: ['account'], query: ['decisionsByAccount'] },
  'rate-deck': { read: REFERENCE_DATA, write: ['rateDeckPointer', 'rateDeckChunks'] },
  'high-risk-prefixes': { read: REFERENCE_DATA, write: ['highRisk'] },
  credentials: {
    read: ['account', 'credential', 'credentialById'],
    write: ['credential', 'credentialById', 'audit'],
    delete: ['credential', 'credentialById'],
    query: ['credentials'],
  },
  'call-completed': { read: LIVE_CALLS, write: LIVE_CALLS },
  'call-interim': { read: LIVE_CALLS, write: LIVE_CALLS },
  // The to-end list clears the markers whose calls have all ended.
  calls: { read: ['account', 'decision', 'toEnd'], delete: ['toEnd'] },
  'auth-failures': {
    read: ['ban', 'authFailure', 'peerIndex', 'account'],
    write: ['ban', 'authFailure', 'outbox', 'audit'],
    query: ['activeBans'],
  },
  // Lifting a ban (DELETE /v1/bans/{ip}) ends it in place: an update, not a delete. A lifted ban shows its audit record.
  bans: { read: ['ban', 'audit'], write: ['ban', 'audit'], query: ['activeBans'] },
  destinations: { read: [...LIVE_CALLS, 'peerIndex'], write: ACCOUNT_CHANGE },
  // Clearing a carrier review lifts its range: the restriction, the carrier's list, the review, in one write.
  reviews: {
    read: ['account', 'review', 'rangeRestriction', ...REFERENCE_DATA],
    write: [...ACCOUNT_CHANGE, 'review', 'consumedEvent', 'rangeRestriction', 'rangeRestrictions'],
    query: ['reviewsByStatus'],
  },
  'review-flagger': { read: ['account', 'review'], write: [...ACCOUNT_CHANGE, 'review', 'consumedEvent'] },
  audit: { read: ['account', 'audit'] },
  'webhook-secret': { read: ['account'], write: ['account', 'audit'] },
  'auto-replenish': { read: ['account'], write: ACCOUNT_CHANGE },
  // Reads the account (its webhook, its contacts) and its webhook secret, creating the secret at first need.
  notifier: { read: ['account', 'notificationDelivery'], write: ['account', 'notificationDelivery'] },
  // Lists and lifts the carrier-wide range restrictions (the restriction, the list authorize holds, the audit record).
  // A lift closes the range's carrier review in the same write.
  'range-restrictions': { read: ['rangeRestriction', 'review', ...REFERENCE_DATA], write: ['rangeRestriction', 'rangeRestrictions', 'review', 'audit'] },
  // Counts a range's unusual dialers; at the threshold writes the restriction, the list, its event and audit record.
  'range-watch': { read: ['rangeWatch', 'rangeRestriction', ...REFERENCE_DATA], write: ['rangeWatch', 'rangeRestriction', 'rangeRestrictions', 'review', 'outbox', 'audit'] },
};
