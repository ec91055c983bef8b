/**
 * The console (console/, issue 15) served by the HTTP API itself: `GET /console` and `GET /console/{proxy+}` go to a
 * small Lambda that answers the built files (functions/console/handler.ts) with the console's content security policy.
 *
 * Why the API and not S3 + CloudFront: the console then shares the API's origin in every stage, so the API origin
 * needs no per-stage configuration in the bundle (the client calls relative `/v1/...` paths), `connect-src 'self'`
 * is the whole CSP for data, the API needs no CORS, and a stage with a front door (infra/constructs/front-door.ts)
 * puts the console behind the same CloudFront distribution and WAF as the API with nothing more to deploy. The files
 * are ~73 KB gzipped (app.js 71 KB, most of it zod); a Lambda answering them costs nothing measurable next to the API's own traffic.
 *
 * The files are built at synth (`npm run build:console` in the bundling's beforeBundling hook) and copied beside the
 * handler in its asset as `console/`.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.js';
import { PROJECT_ROOT } from '../handler-entries.js';

/** The paths the console answers on the API. */
export const CONSOLE_ROUTE_PATHS = ['/console', '/console/{proxy+}'] as const;

export interface ConsoleSiteProps {
  readonly config: StageConfig;
  readonly api: HttpApi;
}

export class ConsoleSite extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const { config } = props;
    const logGroup = new LogGroup(this, 'Logs', {
      retention: config.logs.retentionDays,
      removalPolicy: config.logs.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Its own role: it may write its own logs and nothing else (no table, no bus, no key).
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `Tollgate ${config.stage} console files` });
    role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}functions/console/handler.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: `Tollgate ${config.stage}: the console's static files`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(5),
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[config.logs.level],
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        tsconfig: `${PROJECT_ROOT}tsconfig.json`,
        commandHooks: {
          beforeBundling: (inputDir: string) => [`cd "${inputDir}" && npx tsx scripts/build-console.ts`],
          afterBundling: (inputDir: string, outputDir: string) => [`cp -R "${inputDir}/dist/console" "${outputDir}/console"`],
          beforeInstall: () => [],
        },
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x, the runtime Tollgate targets and tests, like every Tollgate function.',
    });

    const integration = new HttpLambdaIntegration('ConsoleIntegration', this.function);
    for (const path of CONSOLE_ROUTE_PATHS) {
      const [route] = props.api.addRoutes({ path, methods: [HttpMethod.GET], integration });
      if (route) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `GET ${path} answers the console's static files (HTML, JS, CSS; no data): a browser loads them before anyone signs in. Every API call the console then makes carries the user's bearer token through the authorizer.`,
        });
      }
    }
  }
}
