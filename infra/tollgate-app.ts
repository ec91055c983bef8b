/**
 * Stage -> config -> stacks. `infra/app.ts` runs this for the CDK CLI; tests run it on their own App.
 *
 * 1. Resolve the stage from `-c stage=` (an unknown or missing stage throws) and validate its config.
 * 2. The stateful stack (table, bus), then the stateless stack wired to it by typed props.
 * 3. cdk-nag's AwsSolutions pack validates the whole app at synth; every acknowledgement carries its reason.
 */
import { App, CrossStackReferences, ReferenceStrength, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveStageConfig, type StageConfig } from './config.js';
import { EdgeStack } from './stacks/edge-stack.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { StatelessStack } from './stacks/stateless-stack.js';

export interface Tollgate {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
  /** CloudFront + WAF in us-east-1, when the stage configures `api.domain`. */
  readonly edge: EdgeStack | undefined;
}

/** `config` defaults to the stage named by `-c stage=`; tests pass their own. */
export function buildTollgate(app: App, config: StageConfig = resolveStageConfig(app.node.tryGetContext('stage'))): Tollgate {
  const name = `Tollgate-${config.stage}`;
  // Strong references (exports/imports): CloudFormation refuses to delete the table's stack while the functions use it.
  CrossStackReferences.of(app).consume(ReferenceStrength.STRONG);

  const stateful = new StatefulStack(app, `${name}-Stateful`, {
    config,
    env: config.env,
    description: `Tollgate ${config.stage}: table and event bus`,
    terminationProtection: config.table.deletionProtection,
  });
  const stateless = new StatelessStack(app, `${name}-Stateless`, {
    config,
    env: config.env,
    description: `Tollgate ${config.stage}: functions, HTTP API, event rules, alarms`,
    table: stateful.table,
    tableIndexNames: stateful.tableIndexNames,
    eventBus: stateful.eventBus,
    webhookSecretKey: stateful.webhookSecretKey,
  });

  const domain = config.api.domain;
  const edge = domain
    ? new EdgeStack(app, `${name}-Edge`, { config, domain, description: `Tollgate ${config.stage}: CloudFront and WAF in front of the HTTP API` })
    : undefined;

  Tags.of(app).add('application', 'tollgate');
  Tags.of(app).add('stage', config.stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  return { config, stateful, stateless, edge };
}
