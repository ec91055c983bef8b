/**
 * Key builders for the single table. Private to the DynamoDB adapters: nothing outside functions/adapters/dynamodb
 * knows how items are keyed. The access patterns they serve are listed in the README ("Table design").
 */
export const keys = {
  account: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'STATE' }),
  techPrefixAlias: (techPrefix: string) => ({ pk: `TECHPREFIX#${techPrefix}`, sk: 'ALIAS' }),
  sipUsernameAlias: (sipUsername: string) => ({ pk: `SIPUSER#${sipUsername.toLowerCase()}`, sk: 'ALIAS' }),
  credential: (tokenHash: string) => ({ pk: `CREDENTIAL#${tokenHash}`, sk: 'CREDENTIAL' }),
  decision: (callId: string) => ({ pk: `CALL#${callId}`, sk: 'DECISION' }),
  decisionsByAccount: (accountId: string) => `DECISIONS#${accountId}`,
  ban: (ip: string) => ({ pk: `BAN#${ip}`, sk: 'BAN' }),
  rateDeckPointer: () => ({ pk: 'RATEDECK', sk: 'CURRENT' }),
  rateDeckChunk: (version: string, index: number) => ({ pk: `RATEDECK#${version}`, sk: `CHUNK#${String(index).padStart(5, '0')}` }),
  rateDeckChunksOf: (version: string) => `RATEDECK#${version}`,
  highRiskList: () => ({ pk: 'HIGHRISK', sk: 'CURRENT' }),
  outbox: (eventId: string) => ({ pk: `OUTBOX#${eventId}`, sk: 'EVENT' }),
  audit: (scope: string, at: string, id: string) => ({ pk: `AUDIT#${scope}`, sk: `${at}#${id}` }),
  auditOf: (scope: string) => `AUDIT#${scope}`,
} as const;

export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}
