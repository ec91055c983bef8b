/**
 * The HTTP API, built from the contract table: one route per ROUTES entry, integrated with the function that
 * serves it, behind the bearer-credential authorizer unless the route is public.
 *
 * The authorizer answers "is this a valid credential, and whose" (role, accountId, credentialId); its answer is
 * cached per Authorization header, so it cannot be route-specific. Which roles may call which route is enforced
 * by the handlers from the same ROUTES table.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  DomainName,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  LogGroupLogDestination,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../../domain/contract/routes.js';
import { ORIGIN_HEADER } from '../../domain/contract/secrets.js';

/** Why each public route needs no credential, for its cdk-nag acknowledgement. */
const PUBLIC_BECAUSE: Readonly<Record<string, string>> = {
  '/health': 'load balancers and switches probe it without a credential, and it touches no data',
  '/v1/openapi.json': 'the OpenAPI document of the contract, generated from the code; it holds no account data and client generators fetch it without a credential',
};
import type { StageConfig } from '../config.js';
import { pascalCase } from './event-routing.js';
import { applyRouteThrottles } from './front-door.js';

export interface TollgateApiProps {
  readonly config: StageConfig;
  readonly routes: readonly RouteDefinition[];
  /** The function serving each `functionName` in `routes`. */
  readonly handlers: ReadonlyMap<string, IFunction>;
  /** The REQUEST authorizer (simple responses) guarding every non-public route. */
  readonly authorizer: IFunction;
  /**
   * API Gateway's wait for a function, by function name (the switch's path answers well inside the 30 s default).
   * @default - 30 s for every function
   */
  readonly integrationTimeouts?: ReadonlyMap<string, Duration>;
}

/** One JSON line per request; `authorizer.*` are the keys of the authorizer's simple-response context. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    role: '$context.authorizer.role',
    accountId: '$context.authorizer.accountId',
    credentialId: '$context.authorizer.credentialId',
  }),
);

export class TollgateApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** The custom domain, when the stage configures one. */
  readonly domainName: DomainName | undefined;

  constructor(scope: Construct, id: string, props: TollgateApiProps) {
    super(scope, id);
    const { config } = props;

    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `tollgate-${config.stage}`,
      description: `Tollgate ${config.stage}: call authorization and account administration`,
      createDefaultStage: false,
      // With a custom domain the only way in is the front door: CloudFront (with WAF) -> the API's custom domain.
      disableExecuteApiEndpoint: config.api.domain !== undefined,
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logs.retentionDays,
      removalPolicy: config.logs.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: config.api.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });

    // With a front door, the origin header is an identity source too: API Gateway answers 401 without invoking the
    // authorizer when it is missing, and caches the authorizer's answer per (credential, origin header) pair, so a
    // request with a wrong origin header never rides on the cached answer to a right one. The authorizer compares
    // the value (TOLLGATE_ORIGIN_HEADER_SECRET, set by the stateless stack).
    const authorizer = new HttpLambdaAuthorizer('BearerCredential', props.authorizer, {
      authorizerName: 'bearer-credential',
      identitySource: ['$request.header.Authorization', ...(config.api.domain ? [`$request.header.${ORIGIN_HEADER}`] : [])],
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      resultsCacheTtl: Duration.seconds(config.api.authorizerCacheTtlSeconds),
    });

    const integrations = new Map<string, HttpLambdaIntegration>();
    const created: Array<{ definition: RouteDefinition; route: HttpRoute }> = [];
    for (const route of props.routes) {
      const handler = props.handlers.get(route.functionName);
      if (!handler) {
        throw new Error(`Route ${route.method} ${route.path} names function "${route.functionName}", which has no handler`);
      }
      let integration = integrations.get(route.functionName);
      if (!integration) {
        const timeout = props.integrationTimeouts?.get(route.functionName);
        integration = new HttpLambdaIntegration(`${pascalCase(route.functionName)}Integration`, handler, timeout ? { timeout } : {});
        integrations.set(route.functionName, integration);
      }
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: route.access === 'public' ? undefined : authorizer,
      });
      if (httpRoute) created.push({ definition: route, route: httpRoute });
      if (route.access === 'public' && httpRoute) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is public by contract (domain/contract/routes.ts): ${PUBLIC_BECAUSE[route.path] ?? 'it serves no account data'}.`,
        });
      }
    }

    applyRouteThrottles(this.stage, created, config);

    // The API's own custom domain is the front door's origin (infra/constructs/front-door.ts).
    const domain = config.api.domain;
    if (domain) {
      this.domainName = new DomainName(this, 'DomainName', {
        domainName: domain.originDomainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.originCertificateArn),
      });
      new ApiMapping(this, 'ApiMapping', { api: this.api, domainName: this.domainName, stage: this.stage });
    }
  }
}
