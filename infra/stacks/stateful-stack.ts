/**
 * What holds data and must outlive a redeploy: the single table and the event bus with its archive.
 * Kept apart from the stateless stack so functions, API and alarms can be replaced freely.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.js';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Index names on the table; grants name them one by one instead of `index/*`. */
export const TABLE_INDEX_NAMES = ['gsi1'] as const;

export class StatefulStack extends Stack {
  readonly table: Table;
  readonly eventBus: EventBus;
  readonly tableIndexNames: readonly string[] = TABLE_INDEX_NAMES;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const retain = config.table.removalPolicy === 'retain';

    // One table for every record: accounts, policies, balances, credentials, counters, decisions, rate-deck
    // versions and the outbox. The rate deck is stored here too; functions keep its index in memory.
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      // Events leave through this stream (outbox items and the changes that imply events), never from the request path.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      deletionProtection: config.table.deletionProtection,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
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
