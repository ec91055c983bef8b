/**
 * Which (event, target) pairs were delivered, so a redelivered event or a retry after one target failed does not
 * notify the other targets again. Records expire after the longest EventBridge retry horizon with margin.
 */
import { createHash } from 'node:crypto';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { DELIVERY_OUTCOMES, type DeliveryLog, type DeliveryOutcome } from '../../../domain/notifications/ports.js';
import { keys } from './keys.js';
import { parseStored } from './stored-record.js';

const DELIVERY_TTL_SECONDS = 7 * 86_400;

const deliverySchema = z.object({ eventId: z.string().min(1), outcome: z.enum(DELIVERY_OUTCOMES), at: z.iso.datetime() });

export class NotificationDeliveryRepository implements DeliveryLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async wasDelivered(eventId: string, targetKey: string): Promise<boolean> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(keys.notificationDelivery(eventId, hashTarget(targetKey))), ConsistentRead: true }),
    );
    if (!result.Item) return false;
    // Only a readable record means "already handled"; anything else must not silently skip a notification.
    parseStored(deliverySchema, unmarshall(result.Item), `notification delivery of ${eventId} (${targetKey.split('#')[0]})`);
    return true;
  }

  async record(eventId: string, targetKey: string, outcome: DeliveryOutcome, at: string, detail: Readonly<Record<string, unknown>>): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(
          { ...keys.notificationDelivery(eventId, hashTarget(targetKey)), entity: 'notification-delivery', eventId, target: targetKey.split('#')[0], outcome, at, ...detail, expiresAt: Math.floor(Date.parse(at) / 1000) + DELIVERY_TTL_SECONDS },
          { removeUndefinedValues: true },
        ),
      }),
    );
  }
}

/** Webhook URLs can be long and carry tokens: the sort key holds a hash, never the URL. */
function hashTarget(targetKey: string): string {
  return `${targetKey.split('#')[0]}#${createHash('sha256').update(targetKey).digest('hex').slice(0, 32)}`;
}
