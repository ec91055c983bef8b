/**
 * What holds data and must outlive a redeploy: the single table and the event bus with its archive.
 * Kept apart from the stateless stack so functions, API and alarms can be replaced freely.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { TABLE_SCHEMA, type KeyAttribute, type KeyAttributeType, type TableSchema } from '../../domain/contract/table-schema.js';
import type { StageConfig } from '../config.js';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Index names on the table; grants name them one by one instead of `index/*`. */
export const TABLE_INDEX_NAMES: readonly string[] = TABLE_SCHEMA.globalSecondaryIndexes.map((index) => index.indexName);

const ATTRIBUTE_TYPES: Readonly<Record<KeyAttributeType, AttributeType>> = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY };
const STREAM_VIEW_TYPES: Readonly<Record<TableSchema['streamViewType'], StreamViewType>> = {
  NEW_AND_OLD_IMAGES: StreamViewType.NEW_AND_OLD_IMAGES,
  NEW_IMAGE: StreamViewType.NEW_IMAGE,
  OLD_IMAGE: StreamViewType.OLD_IMAGE,
  KEYS_ONLY: StreamViewType.KEYS_ONLY,
};
const BILLING_MODES: Readonly<Record<TableSchema['billingMode'], BillingMode>> = { PAY_PER_REQUEST: BillingMode.PAY_PER_REQUEST };

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: ATTRIBUTE_TYPES[key.type] };
}

export class StatefulStack extends Stack {
  readonly table: Table;
  readonly eventBus: EventBus;
  /** Encrypts the webhook signing secrets stored in the table (only the notifier may decrypt). */
  readonly webhookSecretKey: Key;
  readonly tableIndexNames: readonly string[] = TABLE_INDEX_NAMES;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const retain = config.table.removalPolicy === 'retain';

    // One table for every record: accounts, policies, balances, credentials, counters, decisions, rate-deck
    // versions and the outbox. The rate deck is stored here too; functions keep its index in memory. Its shape
    // (keys, index, TTL, stream, billing) is domain/contract/table-schema.ts, which the local stack creates too.
    const schema = TABLE_SCHEMA;
    this.table = new Table(this, 'Table', {
      partitionKey: attribute(schema.partitionKey),
      sortKey: attribute(schema.sortKey),
      billingMode: BILLING_MODES[schema.billingMode],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: schema.timeToLiveAttribute,
      stream: STREAM_VIEW_TYPES[schema.streamViewType],
      deletionProtection: config.table.deletionProtection,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of schema.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: ProjectionType[index.projection],
      });
    }

    // Webhook signing secrets live in the account's partition, which many functions may read: they are stored as
    // KMS ciphertext under this customer-managed key, kept with the data it protects (losing it loses the secrets).
    this.webhookSecretKey = new Key(this, 'WebhookSecretKey', {
      description: `Tollgate ${config.stage}: webhook signing secrets`,
      enableKeyRotation: true,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: `tollgate-${config.stage}` });
    // Archive everything the bus receives so consumers that were down or buggy can be replayed.
    this.eventBus.archive('Archive', {
      description: `Tollgate ${config.stage} events, for replay`,
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(config.events.archiveRetentionDays),
    });

    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'The single DynamoDB table' });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName, description: 'Subscribe other carrier systems here (source "tollgate")' });
    new CfnOutput(this, 'EventBusArn', { value: this.eventBus.eventBusArn });
  }
}
