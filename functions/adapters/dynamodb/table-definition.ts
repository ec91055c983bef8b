/**
 * The single table, as created locally (npm start, tests), from the one description infra/ builds the AWS table
 * from (domain/contract/table-schema.ts): keys, index, TTL, stream, billing.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { keyAttributes, TABLE_SCHEMA, type TableSchema } from '../../../domain/contract/table-schema.js';

/** The CreateTable request for `schema`; exported so a test can hold it against the CDK template. */
export function createTableInput(tableName: string, schema: TableSchema = TABLE_SCHEMA): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: schema.billingMode,
    AttributeDefinitions: keyAttributes(schema).map((attribute) => ({ AttributeName: attribute.name, AttributeType: attribute.type })),
    KeySchema: [
      { AttributeName: schema.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: schema.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: schema.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection, ...(index.projection === 'INCLUDE' ? { NonKeyAttributes: [...(index.nonKeyAttributes ?? [])] } : {}) },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: schema.streamViewType },
  };
}

export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true } }),
  ).catch(() => undefined); // already enabled on a kept local table
}
