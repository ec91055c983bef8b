/**
 * The cost model (infra/cost-model.ts) against what the code spends and what docs/deploy.md quotes, and the export
 * that keeps the long decision log once decisions leave the table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GSI1_LISTING_ATTRIBUTES, TABLE_SCHEMA, type GlobalSecondaryIndex } from '../../domain/contract/table-schema.js';
import { resolveStageConfig, STAGES } from '../../infra/config.js';
import {
  afterScenario,
  ASSUMPTIONS,
  BEFORE,
  comparisonTable,
  costTable,
  floorPerMillion,
  MEASURED_BYTES,
  PRICES,
  readUnits,
  totalPerMillion,
  unitsPerAttempt,
  writeUnits,
} from '../../infra/cost-model.js';
import { EXPORT_PREFIX } from '../../infra/stacks/stateful-stack.js';
import { synthTollgate, type SynthesizedTollgate } from './synth-tollgate.js';

const DEPLOY_DOC = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'deploy.md'), 'utf8');
const prod = resolveStageConfig('prod');
const AFTER = afterScenario(prod.decisionRetentionDays, prod.decisionExport.everyDays, prod.decisionExport.keepDays);

describe('the cost model', () => {
  it('bills DynamoDB as DynamoDB does: a write unit per started KB, a read unit per started 4 KB', () => {
    expect([writeUnits(1), writeUnits(1024), writeUnits(1025), writeUnits(1495)]).toEqual([1, 1, 2, 2]);
    expect([readUnits(1), readUnits(4096), readUnits(4097)]).toEqual([1, 1, 2]);
  });

  it('counts the units authorize spends: the decision, its gsi1 copy, the account update (or its consistent read when denied)', () => {
    const units = unitsPerAttempt(AFTER);
    const allowed = 1 - ASSUMPTIONS.deniedShare;
    expect(units.writes).toBeCloseTo(1 + 1 + allowed * writeUnits(MEASURED_BYTES.account), 10);
    expect(units.writes).toBeCloseTo(3.9, 10);
    expect(units.reads).toBeCloseTo(ASSUMPTIONS.deniedShare + ASSUMPTIONS.authorizerMissShare, 10);
  });

  it('prices the floor as the HTTP API request, one authorize invocation and one write unit', () => {
    expect(floorPerMillion()).toBeCloseTo(PRICES.httpApiPerMillion + 1.024 * 0.025 * PRICES.lambdaPerGbSecond * 1e6 + PRICES.lambdaPerMillionRequests + PRICES.dynamoPerMillionWrites, 10);
    expect(floorPerMillion()).toBeCloseTo(2.166, 3);
  });

  it('costs less after than before, and stays above the floor', () => {
    expect(totalPerMillion(BEFORE)).toBeCloseTo(6.499, 3);
    expect(totalPerMillion(AFTER)).toBeCloseTo(5.238, 3);
    expect(totalPerMillion(AFTER)).toBeGreaterThan(floorPerMillion());
  });

  it("prices the after scenario with the schema's gsi1 projection", () => {
    const index: GlobalSecondaryIndex = TABLE_SCHEMA.globalSecondaryIndexes[0];
    expect(index.projection).toBe('INCLUDE');
    expect(AFTER.decisionIndexCopyBytes).toBe(MEASURED_BYTES.decisionIndexCopyRecordOnly);
  });

  it("is what docs/deploy.md quotes: the per-line table at prod's retention and export, and the before/after comparison", () => {
    expect(DEPLOY_DOC).toContain(costTable(AFTER));
    expect(DEPLOY_DOC).toContain(comparisonTable(BEFORE, AFTER));
  });
});

describe('gsi1', () => {
  it('projects exactly what its listings read', () => {
    const index: GlobalSecondaryIndex = TABLE_SCHEMA.globalSecondaryIndexes[0];
    expect([...(index.nonKeyAttributes ?? [])].sort()).toEqual([...new Set(Object.values(GSI1_LISTING_ATTRIBUTES).flat())].sort());
    expect(GSI1_LISTING_ATTRIBUTES.decisions).toEqual(['record']);
  });
});

describe.each(STAGES)('the %s decision export', (stage) => {
  let synth: SynthesizedTollgate;
  beforeAll(() => {
    synth = synthTollgate(stage);
  });

  it('keeps decisions in the table for the configured span, shorter than the time an export is kept', () => {
    expect(synth.config.decisionRetentionDays).toBe(14);
    expect(synth.config.decisionExport.everyDays).toBeLessThan(synth.config.decisionRetentionDays);
  });

  it('exports the table to an encrypted, private bucket that keeps each export the configured days', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: synth.config.decisionExport.keepDays, Status: 'Enabled' })]) },
    });
    const buckets = synth.statefulTemplate.findResources('AWS::S3::Bucket');
    expect(Object.values(buckets).map((bucket) => (bucket as { DeletionPolicy: string }).DeletionPolicy)).toEqual([stage === 'prod' ? 'Retain' : 'Delete']);
  });

  it('starts a full export on a schedule, from EventBridge Scheduler straight to the DynamoDB API', () => {
    const tableId = synth.stateful.getLogicalId(synth.stateful.table.node.defaultChild as never);
    const schedules = Object.values(synth.statefulTemplate.findResources('AWS::Scheduler::Schedule')) as { Properties: { ScheduleExpression: string; Target: { Arn: string; Input: unknown } } }[];
    expect(schedules).toHaveLength(1);
    const [schedule] = schedules;
    expect(schedule?.Properties.ScheduleExpression).toBe(`rate(${synth.config.decisionExport.everyDays} days)`);
    expect(schedule?.Properties.Target.Arn).toBe('arn:aws:scheduler:::aws-sdk:dynamodb:exportTableToPointInTime');
    const input = JSON.stringify(schedule?.Properties.Target.Input);
    expect(input).toContain(tableId);
    expect(input).toContain(`\\"S3Prefix\\":\\"${EXPORT_PREFIX}\\"`);
    expect(input).toContain('DYNAMODB_JSON');
  });

  it('lets the export role export this table and write export objects in this bucket, nothing else', () => {
    const policies = Object.values(synth.statefulTemplate.findResources('AWS::IAM::Policy')) as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }[];
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action])).sort();
    expect(actions).toEqual(['dynamodb:ExportTableToPointInTime', 's3:AbortMultipartUpload', 's3:PutObject'].sort());
    const tableId = synth.stateful.getLogicalId(synth.stateful.table.node.defaultChild as never);
    expect(statements.find((statement) => statement.Action === 'dynamodb:ExportTableToPointInTime')?.Resource).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    synth.statefulTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] },
    });
  });

  it('keeps point-in-time recovery on, which the export reads from', () => {
    synth.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  });
});
