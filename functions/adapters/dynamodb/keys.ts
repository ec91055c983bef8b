/**
 * Key builders for the single table. Private to the DynamoDB adapters: nothing outside functions/adapters/dynamodb
 * knows how items are keyed. The access patterns they serve are listed in the README ("Storage: one table").
 */
export const keys = {
  account: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'STATE' }),
  /** The admin listing: one small item per account under `ACCOUNTS`, sorted by id (written when it is created). */
  accountListing: (accountId: string) => ({ pk: 'ACCOUNTS', sk: accountId }),
  accountsListing: () => 'ACCOUNTS',
  techPrefixAlias: (techPrefix: string) => ({ pk: `TECHPREFIX#${techPrefix}`, sk: 'ALIAS' }),
  sipUsernameAlias: (sipUsername: string) => ({ pk: `SIPUSER#${sipUsername.toLowerCase()}`, sk: 'ALIAS' }),
  credential: (tokenHash: string) => ({ pk: `CREDENTIAL#${tokenHash}`, sk: 'CREDENTIAL' }),
  /** The same credential by its public id; on GSI1 under `CREDENTIALS` for the admin listing. */
  credentialById: (credentialId: string) => ({ pk: `CREDENTIALID#${credentialId}`, sk: 'CREDENTIAL' }),
  credentialsListing: () => 'CREDENTIALS',
  decision: (callId: string) => ({ pk: `CALL#${callId}`, sk: 'DECISION' }),
  decisionsByAccount: (accountId: string) => `DECISIONS#${accountId}`,
  ban: (ip: string) => ({ pk: `BAN#${ip}`, sk: 'BAN' }),
  /** Beside the ban, in the same partition: the ban withheld from a known peer (read with the ban in one Query). */
  withheldBan: (ip: string) => ({ pk: `BAN#${ip}`, sk: 'WITHHELD' }),
  banStateOf: (ip: string) => `BAN#${ip}`,
  /** The peer index: one item per account holding its allowedIps, so "who allows this IP" needs no Scan. */
  peerIndexEntry: (accountId: string) => ({ pk: 'PEERS', sk: accountId }),
  peerIndex: () => 'PEERS',
  rateDeckPointer: () => ({ pk: 'RATEDECK', sk: 'CURRENT' }),
  rateDeckChunk: (version: string, index: number) => ({ pk: `RATEDECK#${version}`, sk: `CHUNK#${String(index).padStart(5, '0')}` }),
  rateDeckChunksOf: (version: string) => `RATEDECK#${version}`,
  highRiskList: () => ({ pk: 'HIGHRISK', sk: 'CURRENT' }),
  /** Accounts whose live calls may have to end (see to-end-marker.ts), all in one small partition. */
  toEndMarker: (accountId: string) => ({ pk: 'TOEND', sk: `ACCOUNT#${accountId}` }),
  toEndMarkers: () => 'TOEND',
  /** Lifetime destination profile rows of an account, by country (`C#JM`) and by rate-deck prefix (`P#1876`). */
  profile: (accountId: string, dimension: string) => ({ pk: `PROFILE#${accountId}`, sk: dimension }),
  profileOf: (accountId: string) => `PROFILE#${accountId}`,
  /** The range watch: accounts that dialled a range unusual for them, one item per window and shard (sk sorts by window). */
  rangeShard: (range: string, window: number, shard: number) => ({ pk: `RANGE#${range}`, sk: `${rangeWindowSk(window)}#S${String(shard).padStart(2, '0')}` }),
  rangeOf: (range: string) => `RANGE#${range}`,
  /** A carrier-wide range restriction with its evidence (kept, status `lifted`, once lifted). */
  rangeRestriction: (range: string) => ({ pk: `RANGE_RESTRICTION#${range}`, sk: 'RESTRICTION' }),
  /** The ranges restricted now, in one item every authorize process holds in memory. */
  rangeRestrictionList: () => ({ pk: 'RANGE_RESTRICTIONS', sk: 'CURRENT' }),
  outbox: (eventId: string) => ({ pk: `OUTBOX#${eventId}`, sk: 'EVENT' }),
  audit: (scope: string, at: string, id: string) => ({ pk: `AUDIT#${scope}`, sk: `${at}#${id}` }),
  auditOf: (scope: string) => `AUDIT#${scope}`,
  /** Ban listing without a Scan: every ban item carries gsi1pk = BANS and gsi1sk = bannedUntil. */
  activeBans: () => 'BANS',
  authFailure: (ip: string, at: string, id: string) => ({ pk: `AUTHFAIL#${ip}`, sk: `${at}#${id}` }),
  authFailuresOf: (ip: string) => `AUTHFAIL#${ip}`,
  topUpClaim: (accountId: string, crossingId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `TOPUP#${crossingId}` }),
  topUpDay: (accountId: string, day: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `TOPUPDAY#${day}` }),
  review: (reviewId: string) => ({ pk: `REVIEW#${reviewId}`, sk: 'REVIEW' }),
  reviewsByStatus: (status: string) => `REVIEWS#${status}`,
  /** Marks an event as applied by a consumer; written in the same transaction as the consumer's change. */
  consumedEvent: (consumer: string, eventId: string) => ({ pk: `CONSUMED#${consumer}#${eventId}`, sk: 'EVENT' }),
  webhookSecret: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'WEBHOOK_SECRET' }),
  notificationDelivery: (eventId: string, target: string) => ({ pk: `NOTIFY#${eventId}`, sk: target }),
} as const;

/** The sort-key prefix of a range watch window: zero-padded, so a BETWEEN on it selects whole windows in order. */
export function rangeWindowSk(window: number): string {
  return `W#${String(window).padStart(12, '0')}`;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}
