/**
 * Reads DynamoDB Local's stream of the table, as Lambda's event source mapping does in AWS, and hands the records
 * to the same publishChanges the stream-publisher function runs. Starts at TRIM_HORIZON, so events written while
 * the local stack was down are delivered at the next start (consumers are idempotent).
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { EventPublisher } from '../../domain/events/ports.js';
import type { Logger } from '../shared/logger.js';
import { eventsFromChange } from '../adapters/dynamodb/stream-events.js';
import { publishChanges } from '../stream-publisher/publisher.js';

export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly tableName: string;
  readonly intervalMs: number;
  readonly logger: Logger;
}

export class StreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private readonly iterators = new Map<string, string | undefined>();
  private streamArn: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly publisher: EventPublisher,
    private readonly options: StreamPollerOptions,
  ) {
    this.streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      await this.pollOnce().catch((error: unknown) => this.options.logger.warn('stream poll failed', { error: String(error) }));
      if (!this.stopped) this.timer = setTimeout(loop, this.options.intervalMs);
    };
    void loop();
  }

  /** One pass over every shard; returns how many records it handed on. Never runs twice at once. */
  pollOnce(): Promise<number> {
    this.running ??= this.poll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Polls until a pass finds nothing new: everything written before the call has been published. */
  async drain(): Promise<void> {
    while ((await this.pollOnce()) > 0) {
      // keep reading until the stream is quiet
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    this.streams.destroy();
  }

  private async poll(): Promise<number> {
    this.streamArn ??= (await this.client.send(new DescribeTableCommand({ TableName: this.options.tableName }))).Table?.LatestStreamArn;
    if (!this.streamArn) return 0;
    const description = await this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn }));
    let handed = 0;
    for (const shard of description.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId;
      if (!shardId) continue;
      if (!this.iterators.has(shardId)) {
        const iterator = await this.streams.send(new GetShardIteratorCommand({ StreamArn: this.streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
        this.iterators.set(shardId, iterator.ShardIterator);
      }
      let iterator = this.iterators.get(shardId);
      while (iterator) {
        const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const records: _Record[] = page.Records ?? [];
        if (records.length > 0) {
          const result = await publishChanges(records, { eventsOf: eventsFromChange, publisher: this.publisher, logger: this.options.logger });
          if (result.failedEventId) return handed; // retry from the same iterator next pass
          handed += records.length;
        }
        iterator = page.NextShardIterator;
        this.iterators.set(shardId, iterator);
        if (records.length === 0) break;
      }
    }
    return handed;
  }
}
