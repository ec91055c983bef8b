/**
 * The peer index: which accounts allow which source IPs, for the auth-failures path to tell a customer's own PBX
 * from an attacker without a Scan.
 *
 * - One item per account, `PEERS` / `<accountId>`, holding a copy of `policy.allowedIps`. It is written in the same
 *   transaction as the account's creation and every policy change (`peerIndexPut`), so it never disagrees with a
 *   committed policy. It is not a GSI on the account item on purpose: the account item is written on every call,
 *   and a GSI would double each of those writes; the policy changes rarely.
 * - Reading the whole index is one paged Query of one partition. Its size is bounded by the policy schema (at most
 *   100 entries per account) and it is read only when failures reach the ban threshold, through a cache.
 * - Status is not in the index (it changes without a policy change): the accounts themselves are read, consistently.
 */
import { BatchGetItemCommand, type BatchGetItemCommandOutput, type DynamoDBClient, type KeysAndAttributes, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { accountStatusOf, type PeerAccountState, type PeerIndexEntry } from '../../../domain/bans/known-peer.js';
import type { PeerIndex } from '../../../domain/bans/ports.js';
import { keys } from './keys.js';
import { queryPartition } from './query-partition.js';

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_LIMIT = 100;
/** Unprocessed keys (throttling) are retried this many times before the read fails. */
const BATCH_GET_ATTEMPTS = 5;

/** The index item of one account; goes into the transaction that writes the account's policy. */
export function peerIndexPut(tableName: string, accountId: string, allowedIps: readonly string[]): TransactWriteItem {
  return { Put: { TableName: tableName, Item: marshall({ ...keys.peerIndexEntry(accountId), entity: 'peer-index', accountId, allowedIps: [...allowedIps] }) } };
}

export class PeerIndexRepository implements PeerIndex {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Every account's allowed sources; accounts that allow none are left out. */
  async readAll(): Promise<PeerIndexEntry[]> {
    const entries: PeerIndexEntry[] = [];
    for (const item of await queryPartition(this.client, this.tableName, keys.peerIndex(), { projection: 'accountId, allowedIps' })) {
      const allowedIps = stringArray(item.allowedIps);
      if (typeof item.accountId === 'string' && allowedIps.length > 0) entries.push({ accountId: item.accountId, allowedIps });
    }
    return entries;
  }

  /** Status and allow-list of each account as committed now (consistent reads); missing accounts are absent. */
  async currentStates(accountIds: readonly string[]): Promise<Map<string, PeerAccountState>> {
    const states = new Map<string, PeerAccountState>();
    const unique = [...new Set(accountIds)];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let request: Record<string, KeysAndAttributes> | undefined = {
        [this.tableName]: {
          Keys: unique.slice(start, start + BATCH_GET_LIMIT).map((accountId) => marshall(keys.account(accountId))),
          ConsistentRead: true,
          ProjectionExpression: 'accountId, #status, #policy.allowedIps',
          ExpressionAttributeNames: { '#status': 'status', '#policy': 'policy' },
        },
      };
      for (let attempt = 1; request && Object.keys(request).length > 0; attempt += 1) {
        if (attempt > BATCH_GET_ATTEMPTS) throw new Error(`peer accounts still unprocessed after ${BATCH_GET_ATTEMPTS} BatchGetItem attempts`);
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
        const result: BatchGetItemCommandOutput = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const raw of result.Responses?.[this.tableName] ?? []) {
          const item = unmarshall(raw);
          const policy = (item.policy ?? {}) as Record<string, unknown>;
          states.set(String(item.accountId), { status: accountStatusOf(item.status), allowedIps: stringArray(policy.allowedIps) });
        }
        request = result.UnprocessedKeys;
      }
    }
    return states;
  }
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}
