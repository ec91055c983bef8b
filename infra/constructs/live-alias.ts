/**
 * The `live` alias of a function on the switch's path (authorize, the authorizer): API Gateway invokes the alias, never
 * `$LATEST`; the alias keeps `provisionedConcurrency` environments initialized (the rate deck already loaded, see
 * functions/authorize/handler.ts) and CodeDeploy moves it to each new version by the stage's strategy, rolling back
 * when one of the gate alarms (added with {@link LiveAlias.gateOn}) fires during the shift.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Metric, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaDeploymentConfig, LambdaDeploymentGroup, type ILambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.js';

export { HANDLER_MARGIN_MS, reservedConcurrencyFor } from '../config.js';
import type { TollgateFunction } from './tollgate-function.js';

export const LIVE_ALIAS_NAME = 'live';

/** The Lambda timeout of the functions on the switch's path: whole seconds, at most the switch's wait (at least 1 s). */
export function hotPathLambdaTimeout(hotPath: StageConfig['hotPath']): Duration {
  return Duration.seconds(Math.max(1, Math.floor(hotPath.switchTimeoutMs / 1000)));
}

/** The SDK and budget variables both functions get, set explicitly per stage. */
export function hotPathEnvironment(hotPath: StageConfig['hotPath']): Record<string, string> {
  return {
    TOLLGATE_AUTHORIZE_BUDGET_MS: String(hotPath.authorizeBudgetMs),
    TOLLGATE_CREDENTIAL_LOOKUP_BUDGET_MS: String(hotPath.credentialLookupBudgetMs),
    TOLLGATE_DYNAMODB_CONNECT_TIMEOUT_MS: String(hotPath.dynamoDbConnectTimeoutMs),
    TOLLGATE_DYNAMODB_REQUEST_TIMEOUT_MS: String(hotPath.dynamoDbRequestTimeoutMs),
  };
}

const DEPLOYMENT_CONFIGS: Record<StageConfig['hotPath']['deployment'], ILambdaDeploymentConfig> = {
  'all-at-once': LambdaDeploymentConfig.ALL_AT_ONCE,
  'linear-10-percent-every-1-minute': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  'canary-10-percent-5-minutes': LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  'canary-10-percent-10-minutes': LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
};

export interface LiveAliasProps {
  readonly fn: TollgateFunction;
  readonly config: StageConfig;
  readonly provisionedConcurrency: number;
}

export class LiveAlias extends Construct {
  readonly alias: Alias;
  readonly deploymentGroup: LambdaDeploymentGroup;

  constructor(scope: Construct, id: string, props: LiveAliasProps) {
    super(scope, id);
    const { config } = props;
    this.alias = new Alias(this, 'Alias', {
      aliasName: LIVE_ALIAS_NAME,
      version: props.fn.function.currentVersion,
      description: `Tollgate ${config.stage}: the version API Gateway invokes`,
      ...(props.provisionedConcurrency > 0 ? { provisionedConcurrentExecutions: props.provisionedConcurrency } : {}),
    });
    this.deploymentGroup = new LambdaDeploymentGroup(this, 'Deployment', {
      alias: this.alias,
      deploymentConfig: DEPLOYMENT_CONFIGS[config.hotPath.deployment],
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    Validations.of(this.deploymentGroup).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason:
        "CodeDeploy's own service role for Lambda traffic shifting: the AWS-managed AWSCodeDeployRoleForLambdaLimited allows only alias updates and invoking hooks named CodeDeployHook_*, which a hand-written policy would repeat.",
    });
  }

  /**
   * A Lambda metric of the version being deployed only, as invoked through this alias (dimensions FunctionName,
   * Resource `<function>:live`, ExecutedVersion): during a canary it judges the 10 % alone, not diluted by the 90 %.
   */
  newVersionMetric(metricName: 'Errors' | 'Invocations' | 'Throttles' | 'Duration', statistic: string, period: Duration): Metric {
    const fn = this.alias.version.lambda;
    return new Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: fn.functionName, Resource: `${fn.functionName}:${LIVE_ALIAS_NAME}`, ExecutedVersion: this.alias.version.version },
      statistic,
      period,
    });
  }

  /** A gate: while CodeDeploy shifts traffic, this alarm in ALARM stops the deployment and returns the alias. */
  gateOn(alarm: IAlarm): void {
    this.deploymentGroup.addAlarm(alarm);
  }
}
