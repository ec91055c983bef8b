/**
 * Where the table stream's failed batches go, with their records. An SQS on-failure destination of a stream mapping
 * holds only a pointer (shard, sequence numbers) to records the stream drops after 24 h; an S3 on-failure
 * destination receives the whole invocation record, the batch's stream records included, as one object per failed
 * batch. That is the simplest honest capture: nothing for the publisher to do, and nothing lost with the stream.
 *
 * Each object: `aws/lambda/<ESM UUID>/<shard>/YYYY/MM/DD/<timestamp>-<uuid>` (JSON: requestContext, responseContext,
 * version, timestamp, DDBStreamBatchInfo and `payload`, the records). Replaying one means putting its records' events
 * on the bus again (docs/deploy.md, "On-call"). A request metric on the bucket counts the objects written; any in
 * 5 minutes alarms.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { DlqDestinationConfig, IEventSourceDlq, IEventSourceMapping, IFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.js';

const METRICS_FILTER_ID = 'EntireBucket';

export interface StreamFailureCaptureProps {
  readonly config: StageConfig;
  /**
   * Days a captured batch is kept.
   * @default 30
   */
  readonly retentionDays?: number;
}

export class StreamFailureCapture extends Construct implements IEventSourceDlq {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: StreamFailureCaptureProps) {
    super(scope, id);
    const retain = props.config.table.removalPolicy === 'retain';
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.retentionDays ?? 30) }],
      metrics: [{ id: METRICS_FILTER_ID }],
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Only Lambda writes here (one object per failed stream batch, counted by a request metric that alarms); reads are by operators, recorded by CloudTrail.',
    });
  }

  /** The stream mapping's on-failure destination: PutObject (and ListBucket, which Lambda checks) for the function. */
  bind(_target: IEventSourceMapping, targetHandler: IFunction): DlqDestinationConfig {
    targetHandler.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    targetHandler.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('*')] }));
    const role = targetHandler.role;
    if (role) {
      const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
        reason: "Lambda names each failed batch's object itself; the function may only put objects into this one bucket, never read them.",
      });
    }
    return { destination: this.bucket.bucketArn };
  }

  /** Objects written in 5 minutes: every one is a batch the stream could not publish. */
  objectsWritten(): Metric {
    return new Metric({
      namespace: 'AWS/S3',
      metricName: 'PutRequests',
      dimensionsMap: { BucketName: this.bucket.bucketName, FilterId: METRICS_FILTER_ID },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
  }

  /**
   * One captured batch is already an incident (changes that never reached EventBridge), so this alarm fires on a
   * single one rather than on M of N; the stack hands it to Monitoring, which notifies on ALARM and OK.
   */
  capturedBatchesAlarm(): Alarm {
    return new Alarm(this, 'CapturedBatches', {
      alarmDescription: 'The table stream could not publish a batch of changes to EventBridge; its records are in the stream failures bucket (docs/deploy.md)',
      metric: this.objectsWritten(),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
