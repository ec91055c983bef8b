/**
 * What holds data and must outlive a redeploy: the single table and the event bus with its archive.
 * Kept apart from the stateless stack so functions, API and alarms can be replaced freely.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type CfnElement, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { TABLE_SCHEMA, type KeyAttribute, type KeyAttributeType, type TableSchema } from '../../domain/contract/table-schema.js';
import type { StageConfig } from '../config.js';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Where the table exports land in the export bucket. */
export const EXPORT_PREFIX = 'exports/';

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
  /** The long decision log: the table's scheduled exports (DynamoDB JSON, gzip), each kept `decisionExport.keepDays`. */
  readonly exportBucket: Bucket;
  readonly exportSchedule: CfnSchedule;
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
        ...(index.projection === 'INCLUDE' ? { nonKeyAttributes: [...(index.nonKeyAttributes ?? [])] } : {}),
      });
    }

    // Webhook signing secrets live in the account's partition, which many functions may read: they are stored as
    // KMS ciphertext under this customer-managed key, kept with the data it protects (losing it loses the secrets).
    this.webhookSecretKey = new Key(this, 'WebhookSecretKey', {
      description: `Tollgate ${config.stage}: webhook signing secrets`,
      enableKeyRotation: true,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    ({ bucket: this.exportBucket, schedule: this.exportSchedule } = this.exportDecisions(config));

    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: `tollgate-${config.stage}` });
    // Archive everything the bus receives so consumers that were down or buggy can be replayed.
    this.eventBus.archive('Archive', {
      description: `Tollgate ${config.stage} events, for replay`,
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(config.events.archiveRetentionDays),
    });

    new CfnOutput(this, 'DecisionExportBucket', { value: this.exportBucket.bucketName, description: 'The 90-day decision log: the table exports (Athena over DynamoDB JSON)' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'The single DynamoDB table' });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName, description: 'Subscribe other carrier systems here (source "tollgate")' });
    new CfnOutput(this, 'EventBusArn', { value: this.eventBus.eventBusArn });
  }

  /**
   * Decisions stay `decisionRetentionDays` in the table (14 by default) and reach S3 for the long log by a full
   * export of the table (ExportTableToPointInTime, from the point-in-time recovery the table has anyway) every
   * `decisionExport.everyDays`, started by EventBridge Scheduler calling the DynamoDB API directly: no function, no
   * stream consumer, nothing on the authorize path. Every decision is alive for at least one export because the
   * interval is shorter than the retention (the config refuses otherwise), so the exports of the last 90 days hold
   * every decision of the last 90 days (and the accounts, bans and reviews of each day: the what-if history).
   *
   * Chosen over the stream -> Pipe -> Firehose -> S3 path: that one bills per record (Firehose rounds each to 5 KB)
   * and needs its own consumer of the stream, its failure handling and its alarms; an export costs $0.10 per GB of
   * table each time, about $0.16 per million attempts at a weekly interval (infra/cost-model.ts), and fails loudly
   * in the DynamoDB console. The price is a delay: a decision reaches S3 up to `everyDays` after it was made, which
   * the long log tolerates (the table answers for the recent days).
   */
  private exportDecisions(config: StageConfig): { bucket: Bucket; schedule: CfnSchedule } {
    const bucket = new Bucket(this, 'DecisionExports', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(config.decisionExport.keepDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: config.table.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Only the scheduled DynamoDB export writes this bucket, through its own role; access to the exports is audited by CloudTrail, and server access logs would need a bucket of their own.',
    });
    const role = new Role(this, 'DecisionExportRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: `Tollgate ${config.stage}: scheduled export of the table to S3`,
    });
    role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['dynamodb:ExportTableToPointInTime'], resources: [this.table.tableArn] }));
    // DynamoDB writes the export's objects with the caller's permissions; their names are chosen by the export.
    role.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [bucket.arnForObjects(`${EXPORT_PREFIX}*`)] }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>/${EXPORT_PREFIX}*]`,
      reason: 'An export names its own objects (a new export id each time): the role may write any object, under the exports prefix of this one bucket only.',
    });
    const schedule = new CfnSchedule(this, 'DecisionExportSchedule', {
      description: `Tollgate ${config.stage}: export the table to S3 every ${config.decisionExport.everyDays} days`,
      scheduleExpression: `rate(${config.decisionExport.everyDays} days)`,
      flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 60 },
      target: {
        arn: 'arn:aws:scheduler:::aws-sdk:dynamodb:exportTableToPointInTime',
        roleArn: role.roleArn,
        input: this.toJsonString({ TableArn: this.table.tableArn, S3Bucket: bucket.bucketName, S3Prefix: EXPORT_PREFIX, ExportFormat: 'DYNAMODB_JSON' }),
        retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 86_400 },
      },
    });
    return { bucket, schedule };
  }
}
