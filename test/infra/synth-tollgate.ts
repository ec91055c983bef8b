/**
 * Synthesizes the real app for one stage the way `cdk synth -c stage=<stage>` does, minus esbuild bundling
 * (`aws:cdk:bundling-stacks: []`) and CDK's built-in CloudFormation schema check, both slow and both exercised by
 * `npm run synth`. cdk-nag still runs; its findings are collected instead of failing the synth.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildTollgate, type Tollgate } from '../../infra/tollgate-app.js';

export interface NagFinding {
  readonly rule: string;
  readonly path: string;
  readonly severity: string;
}

export interface SynthesizedTollgate extends Tollgate {
  readonly app: App;
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
  readonly nagFindings: readonly NagFinding[];
}

/** Context that keeps unit-test synths fast; `extra` adds or overrides keys. */
export function testContext(stage: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    stage,
    'aws:cdk:bundling-stacks': [],
    // Report validation findings in validation-report.json instead of throwing, so a test can name them.
    '@aws-cdk/core:failSynthOnValidationErrors': false,
    ...extra,
  };
}

export function synthTollgate(stage: string, customize: (tollgate: Tollgate) => void = () => {}): SynthesizedTollgate {
  const app = new App({ builtinCloudFormationValidation: false, context: testContext(stage) });
  const tollgate = buildTollgate(app);
  customize(tollgate);
  const assembly = app.synth();
  return {
    ...tollgate,
    app,
    statefulTemplate: Template.fromStack(tollgate.stateful),
    statelessTemplate: Template.fromStack(tollgate.stateless),
    nagFindings: readNagFindings(assembly.directory),
  };
}

interface ValidationReport {
  readonly pluginReports?: ReadonlyArray<{
    readonly pluginName: string;
    readonly violations?: ReadonlyArray<{
      readonly ruleName: string;
      readonly severity: string;
      readonly violatingConstructs?: ReadonlyArray<{ readonly constructPath?: string }>;
    }>;
  }>;
}

/** Unacknowledged cdk-nag findings, errors and warnings alike, from the cloud assembly's validation report. */
export function readNagFindings(assemblyDirectory: string): NagFinding[] {
  const report = JSON.parse(readFileSync(join(assemblyDirectory, 'validation-report.json'), 'utf8')) as ValidationReport;
  return (report.pluginReports ?? [])
    .filter((plugin) => plugin.pluginName === 'AwsSolutions')
    .flatMap((plugin) => plugin.violations ?? [])
    .flatMap((violation) =>
      (violation.violatingConstructs ?? [{}]).map((construct) => ({
        rule: violation.ruleName,
        severity: violation.severity,
        path: construct.constructPath ?? '?',
      })),
    );
}
