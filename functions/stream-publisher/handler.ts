/**
 * The stream publisher's composition root: the table stream to EventBridge. It needs no DynamoDB client (the stream
 * brings the records) and no runtime configuration beyond the bus, so it builds only the EventBridge client.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { eventsFromChange } from '../adapters/dynamodb/stream-events.js';
import { EventBridgePublisher } from '../adapters/eventbridge/eventbridge-publisher.js';
import { getLogger } from '../shared/logger.js';
import { makeStreamPublisher } from './publisher.js';

export function compose(environment: Record<string, string | undefined> = process.env) {
  const busName = environment.EVENT_BUS_NAME;
  if (!busName) throw new Error('EVENT_BUS_NAME is not set');
  return makeStreamPublisher({ eventsOf: eventsFromChange, publisher: new EventBridgePublisher(new EventBridgeClient({}), busName), logger: getLogger() });
}

let composed: ReturnType<typeof compose> | undefined;

export const handler = (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => (composed ??= compose())(event);
