/**
 * The yardstick for sustained authorizations: single-item writes sent raw to the same DynamoDB (Local), from the
 * bench process, closed loop with the same number of requests in flight as the authorize load has connections, for
 * the same time. Each write is one request on one item, shaped as authorize's two writes are
 * (functions/adapters/dynamodb/authorization-store.ts), without any of the handler around them:
 *  - even requests: a PutItem of a decision record the size of a real one (GSI keys included, so the index write is
 *    paid as authorize pays it), conditioned on the key being new;
 *  - odd requests: an UpdateItem on one of `items` account-shaped items of their own (a live-call entry set, two
 *    counters added), conditioned on the entry being new.
 * A write's answer is not read back (no ReturnValues): this is the floor, not a copy of authorize.
 */
import { PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { keys } from '../functions/adapters/dynamodb/keys.js';
import { round, summarize, type LatencySummary } from './stats.js';

export interface RawWriteLoadOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Writes in flight at once (each a closed loop: the next write leaves when the previous answer is in). */
  readonly concurrency: number;
  readonly seconds: number;
  /** Items the UpdateItems spread over, as the authorize load spreads over its accounts. */
  readonly items: number;
  /** A decision record as authorize stores it, so that each PutItem carries as many bytes. */
  readonly record: unknown;
  /** Keeps this run's keys apart from any other's in the table. */
  readonly runId: string;
}

export interface RawWriteLoadResult {
  readonly concurrency: number;
  readonly seconds: number;
  readonly writes: number;
  readonly puts: number;
  readonly updates: number;
  readonly writesPerSecond: number;
  readonly latency: LatencySummary;
  readonly errors: number;
}

export async function runRawWriteLoad(options: RawWriteLoadOptions): Promise<RawWriteLoadResult> {
  const { client, tableName } = options;
  const latencies: number[] = [];
  let issued = 0;
  let puts = 0;
  let updates = 0;
  let errors = 0;

  const write = (n: number) => {
    const callId = `raw-${options.runId}-${n}`;
    if (n % 2 === 0) {
      const decidedAt = new Date().toISOString();
      return client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: marshall(
            {
              ...keys.decision(callId),
              entity: 'decision',
              gsi1pk: keys.decisionsByAccount(`raw-${n % options.items}`),
              gsi1sk: `${decidedAt}#${callId}`,
              expiresAt: Math.floor(Date.now() / 1000) + 86_400,
              record: options.record,
            },
            { removeUndefinedValues: true },
          ),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    }
    return client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: marshall({ pk: `RAWWRITE#${options.runId}-${n % options.items}`, sk: 'STATE' }),
        UpdateExpression: 'SET #call = :call ADD liveCalls :one, reservedMicros :reserved',
        ConditionExpression: 'attribute_not_exists(#call)',
        ExpressionAttributeNames: { '#call': `c#${callId}` },
        ExpressionAttributeValues: marshall({ ':call': { r: 43_200, g: 14_400, q: 0.0045, d: 'US', n: '12125550100', a: Date.now(), e: Date.now() + 14_520_000 }, ':one': 1, ':reserved': 43_200 }),
      }),
    );
  };

  const started = process.hrtime.bigint();
  const deadline = Date.now() + options.seconds * 1000;
  const loop = async () => {
    while (Date.now() < deadline) {
      const n = issued;
      issued += 1;
      const sent = process.hrtime.bigint();
      try {
        await write(n);
        latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
        if (n % 2 === 0) puts += 1;
        else updates += 1;
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    concurrency: options.concurrency,
    seconds: round(elapsedSeconds, 2),
    writes: latencies.length,
    puts,
    updates,
    writesPerSecond: round(latencies.length / elapsedSeconds, 1),
    latency: summarize(latencies),
    errors,
  };
}
