import { Match } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER_QUEUE_MAX_RECEIVE_COUNT, CONSUMER_QUEUE_VISIBILITY } from '../../infra/constructs/consumer-queue.js';
import { NOTIFIER_FUNCTION_NAME, STREAM_PUBLISHER_FUNCTION_NAME } from '../../infra/stacks/stateless-stack.js';
import { synthTollgate, type SynthesizedTollgate } from './synth-tollgate.js';

describe('event delivery in prod', () => {
  let synth: SynthesizedTollgate;
  const idOf = (construct: { node: { defaultChild?: unknown } }) => synth.stateless.getLogicalId(construct.node.defaultChild as CfnFunction);

  beforeAll(() => {
    synth = synthTollgate('prod');
  });

  it('puts an SQS queue between EventBridge and the notifier, retried for hours, then redriven to its dead-letter queue', () => {
    const queue = synth.stateless.eventRouting.consumerQueues.get(NOTIFIER_FUNCTION_NAME);
    const deadLetters = synth.stateless.eventRouting.deadLetterQueues.get(NOTIFIER_FUNCTION_NAME);
    const notifier = synth.stateless.functions.get(NOTIFIER_FUNCTION_NAME);
    if (!queue || !deadLetters || !notifier) throw new Error('no notifier queue');
    const queueId = synth.stateless.getLogicalId(queue.node.defaultChild as CfnQueue);
    const deadLettersId = synth.stateless.getLogicalId(deadLetters.node.defaultChild as CfnQueue);

    // Hours of attempts, and the queue keeps a message longer than all of them.
    expect(CONSUMER_QUEUE_VISIBILITY.toSeconds() * CONSUMER_QUEUE_MAX_RECEIVE_COUNT).toBeGreaterThanOrEqual(4 * 3600);
    synth.statelessTemplate.hasResource('AWS::SQS::Queue', {
      Properties: Match.objectLike({
        VisibilityTimeout: CONSUMER_QUEUE_VISIBILITY.toSeconds(),
        MessageRetentionPeriod: Match.anyValue(),
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] }, maxReceiveCount: CONSUMER_QUEUE_MAX_RECEIVE_COUNT },
      }),
    });
    const retention = (synth.statelessTemplate.toJSON().Resources[queueId].Properties as { MessageRetentionPeriod: number }).MessageRetentionPeriod;
    expect(retention).toBeGreaterThan(CONSUMER_QUEUE_VISIBILITY.toSeconds() * CONSUMER_QUEUE_MAX_RECEIVE_COUNT);
    // The visibility timeout covers a whole invocation.
    expect(CONSUMER_QUEUE_VISIBILITY.toSeconds()).toBeGreaterThanOrEqual(6 * 30);

    synth.statelessTemplate.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] } }, RetryPolicy: Match.anyValue() })],
    });
    synth.statelessTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(notifier.function) },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    // EventBridge may send to the queue.
    synth.statelessTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Principal: { Service: 'events.amazonaws.com' } })]) },
    });
    // The queue delivers now: no asynchronous-invoke config for the notifier.
    const invokeConfigs = Object.values(synth.statelessTemplate.findResources('AWS::Lambda::EventInvokeConfig')).map((config) => JSON.stringify(config));
    expect(invokeConfigs.some((config) => config.includes(idOf(notifier.function)))).toBe(false);
  });

  it("records the stream publisher's failed batches with their records in an S3 bucket, and alarms on each", () => {
    const failures = synth.stateless.streamFailures;
    const publisher = synth.stateless.functions.get(STREAM_PUBLISHER_FUNCTION_NAME);
    if (!failures || !publisher) throw new Error('no stream publisher');
    const bucketId = synth.stateless.getLogicalId(failures.bucket.node.defaultChild as CfnBucket);

    synth.statelessTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(publisher.function) },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [bucketId, 'Arn'] } } },
    });
    synth.statelessTemplate.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: Match.anyValue(),
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        MetricsConfigurations: [{ Id: 'EntireBucket' }],
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
      }),
      DeletionPolicy: 'Retain',
    });
    synth.statelessTemplate.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: synth.stateless.getLogicalId(publisher.role.node.defaultChild as CfnFunction) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } }),
          Match.objectLike({ Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] } }),
        ]),
      },
    });
    synth.statelessTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/S3',
      MetricName: 'PutRequests',
      Dimensions: Match.arrayWith([{ Name: 'FilterId', Value: 'EntireBucket' }]),
      Threshold: 1,
      AlarmActions: [{ Ref: synth.stateless.getLogicalId(synth.stateless.monitoring.alarmTopic.node.defaultChild as CfnFunction) }],
    });
  });
});
