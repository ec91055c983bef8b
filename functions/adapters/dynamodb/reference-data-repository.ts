/**
 * Carrier-wide reference data: the rate deck (versioned, stored in chunks so a deck of any size fits under
 * DynamoDB's 400 KB item limit) and the high-risk prefix list. A version's chunks are written before the
 * CURRENT pointer moves to it, so readers see the old deck or the new one, never a mix.
 */
import { GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { parseRateDeckCsv, serializeRateDeckCsv, type RateDeckEntry } from '../../../domain/rate-deck/rate-deck.js';
import type { HighRiskList, RateDeckVersionInfo, ReferenceDataStore } from '../../../domain/rate-deck/ports.js';
import { keys } from './keys.js';
import { parseStored } from './stored-record.js';

const CHUNK_CHARACTERS = 300_000;

const rateDeckPointerSchema = z.object({
  version: z.string().min(1),
  entries: z.number().int().min(0),
  importedAt: z.iso.datetime(),
  importedBy: z.string(),
  chunks: z.number().int().min(1),
});
const rateDeckChunkSchema = z.object({ text: z.string() });
const highRiskListSchema = z.object({
  prefixes: z.array(z.string().regex(/^\d{1,15}$/)),
  updatedAt: z.iso.datetime(),
  version: z.number().int().min(1),
});

const restrictedRangesSchema = z.object({ ranges: z.set(z.string()).optional(), version: z.number().int() });

export class ReferenceDataRepository implements ReferenceDataStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async saveRateDeck(entries: readonly RateDeckEntry[], info: RateDeckVersionInfo): Promise<void> {
    const csv = serializeRateDeckCsv(entries);
    const chunks: string[] = [];
    for (let offset = 0; offset < csv.length; offset += CHUNK_CHARACTERS) chunks.push(csv.slice(offset, offset + CHUNK_CHARACTERS));
    for (const [index, text] of chunks.entries()) {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...keys.rateDeckChunk(info.version, index), entity: 'rate-deck-chunk', text }),
        }),
      );
    }
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...keys.rateDeckPointer(), entity: 'rate-deck-pointer', ...info, chunks: chunks.length }),
      }),
    );
  }

  async currentRateDeckVersion(): Promise<RateDeckVersionInfo | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.rateDeckPointer()), ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    const { version, entries, importedAt, importedBy } = parseStored(rateDeckPointerSchema, unmarshall(result.Item), 'rate deck pointer');
    return { version, entries, importedAt, importedBy };
  }

  async loadRateDeck(version: string): Promise<RateDeckEntry[]> {
    let text = '';
    let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: marshall({ ':pk': keys.rateDeckChunksOf(version) }),
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) text += parseStored(rateDeckChunkSchema, unmarshall(item), `rate deck ${version} chunk`).text;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const parsed = parseRateDeckCsv(text);
    if (!parsed.ok) throw new Error(`stored rate deck ${version} does not parse: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
    return [...parsed.entries];
  }

  async saveHighRiskList(prefixes: readonly string[], updatedAt: string, updatedBy: string): Promise<HighRiskList> {
    const current = await this.loadHighRiskList();
    const next = { prefixes: [...prefixes], updatedAt, version: current.version + 1 };
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...keys.highRiskList(), entity: 'high-risk-list', ...next, updatedBy }),
      }),
    );
    return next;
  }

  async loadHighRiskList(): Promise<HighRiskList> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.highRiskList()), ConsistentRead: true }),
    );
    if (!result.Item) return { prefixes: [], updatedAt: null, version: 0 };
    // Read as "no high-risk prefixes", a damaged list would open every IRSF range: it is refused instead.
    const { prefixes, updatedAt, version } = parseStored(highRiskListSchema, unmarshall(result.Item), 'high-risk list');
    return { prefixes, updatedAt, version };
  }

  async loadRestrictedRanges(): Promise<{ readonly ranges: readonly string[]; readonly version: string }> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.rangeRestrictionList()), ConsistentRead: true }));
    if (!result.Item) return { ranges: [], version: '0' };
    const list = parseStored(restrictedRangesSchema, unmarshall(result.Item), 'range restrictions');
    return { ranges: [...(list.ranges ?? [])].sort(), version: String(list.version) };
  }
}
