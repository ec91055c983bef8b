/**
 * The sizes of the items an authorize writes, as DynamoDB bills them, measured on the local stack: the decision
 * record (and its gsi1 copy, the projected attributes) and the account item, for an account holding a given number
 * of live calls. infra/cost-model.ts quotes these figures (`npx tsx bench/item-sizes.ts`).
 *
 * DynamoDB's item size: the attribute names' UTF-8 bytes plus each value's (strings: UTF-8 bytes; numbers: about one
 * byte per two significant digits plus one; booleans and null: 1; maps and lists: 3 plus 1 per element plus the
 * elements; sets: the members).
 */
import { readFileSync } from 'node:fs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { TABLE_SCHEMA, type GlobalSecondaryIndex } from '../domain/contract/table-schema.js';
import { startLocalStack } from '../functions/local/local-stack.js';

function valueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace(/[.\-e+]/g, '').replace(/^0+/, '').length / 2) + 1;
  if (value instanceof Set) return [...(value as Set<unknown>)].reduce<number>((sum, member) => sum + valueSize(member), 0);
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + 1 + valueSize(element), 0);
  if (typeof value === 'object') return 3 + Object.entries(value as Record<string, unknown>).reduce((sum, [name, inner]) => sum + 1 + Buffer.byteLength(name) + valueSize(inner), 0);
  return 0;
}

export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

/** The bytes of the item's gsi1 copy: the table and index keys plus the projected attributes. */
export function indexCopySize(item: Record<string, unknown>): number {
  const index: GlobalSecondaryIndex = TABLE_SCHEMA.globalSecondaryIndexes[0];
  const projected = new Set<string>(['pk', 'sk', index.partitionKey.name, index.sortKey.name, ...(index.nonKeyAttributes ?? [])]);
  const copy = Object.fromEntries(Object.entries(item).filter(([name]) => index.projection === 'ALL' || projected.has(name)));
  // DynamoDB adds 100 bytes of index overhead per item.
  return itemSize(copy) + 100;
}

async function main(): Promise<void> {
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const stack = await startLocalStack({ port: 0, logger: quiet, environment: { TOLLGATE_EMAIL_TRANSPORT: 'none' } });
  const call = async (method: string, path: string, options: { token: string; body?: unknown; rawBody?: string; contentType?: string }) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.token}`, 'content-type': options.contentType ?? 'application/json' },
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  try {
    const admin = { token: stack.adminToken };
    const deck = readFileSync(new URL('../data/ratedeck-sample.csv', import.meta.url), 'utf8');
    await call('PUT', '/v1/rate-deck', { ...admin, rawBody: deck, contentType: 'text/csv' });
    await call('POST', '/v1/accounts', { ...admin, body: { accountId: 'sized', name: 'Sized Telecom', homeCountry: 'US', techPrefix: '55509876' } });
    await call('PUT', '/v1/accounts/sized/policy', { ...admin, body: { allowedIps: ['203.0.113.0/24'], maxRatePerMinute: 0.5, internationalEnabled: true, whitelistCountries: ['GB'] } });
    await call('POST', '/v1/accounts/sized/credits', { ...admin, body: { amount: 1000 } });
    const switchToken = stack.adminToken;
    const sizes: Record<string, number> = {};
    const read = async (key: { pk: string; sk: string }) => {
      const result = await stack.runtime.client.send(new GetItemCommand({ TableName: stack.runtime.config.tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }));
      return unmarshall(result.Item ?? {});
    };
    sizes.accountLiveCalls0 = itemSize(await read({ pk: 'ACCOUNT#sized', sk: 'STATE' }));
    for (let n = 1; n <= 10; n += 1) {
      const callId = `0b8e8a52-5f7c-4d0e-9a35-${String(n).padStart(12, '0')}@sbc-1.carrier.example`;
      const to = n % 2 === 0 ? '+12125550123' : '+442071234567';
      const answer = await call('POST', '/v1/authorize', { token: switchToken, body: { callId, to, from: '+13055550100', sourceIp: '203.0.113.10', authMethod: 'ip', accountId: 'sized' } });
      if (answer.body.decision !== 'allow') throw new Error(`call ${n}: ${JSON.stringify(answer.body)}`);
      if (n === 1) {
        const decision = await read({ pk: `CALL#${callId}`, sk: 'DECISION' });
        sizes.decision = itemSize(decision);
        sizes.decisionIndexCopy = indexCopySize(decision);
        sizes.decisionIndexCopyAll = itemSize(decision) + 100;
        sizes.accountLiveCalls1 = itemSize(await read({ pk: 'ACCOUNT#sized', sk: 'STATE' }));
      }
    }
    sizes.accountLiveCalls10 = itemSize(await read({ pk: 'ACCOUNT#sized', sk: 'STATE' }));
    console.log(JSON.stringify(sizes, null, 2));
  } finally {
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
