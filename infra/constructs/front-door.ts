/**
 * The front door: what stands between the internet and the HTTP API.
 *
 * Why CloudFront + WAF and not a REST API: an HTTP API cannot take a WAF web ACL (WAF associates with REST API
 * stages, ALBs, AppSync, Cognito, App Runner, Verified Access and CloudFront, not HTTP APIs). Moving to a REST API
 * would change the event every handler parses (payload format 1.0 instead of 2.0), the authorizer's response
 * format and its cache, for the whole contract; CloudFront in front changes nothing behind it. CloudFront's web
 * ACLs have CLOUDFRONT scope and must be created in us-east-1, so the ACL and the distribution live in their own
 * stack pinned there (infra/stacks/edge-stack.ts); the distribution's origin is the API's own custom domain, a name
 * from the stage config, so no value crosses regions.
 *
 * Here:
 * 1. `applyRouteThrottles`: per-route throttles on the HTTP API stage, the switch's routes apart from the rest.
 * 2. `EdgeFrontDoor`: the web ACL (AWS common rules, a rate limit per source IP, no /v1/ request without an
 *    Authorization header but to the public OpenAPI document) and the CloudFront distribution that carries it.
 * 3. The origin header (`ORIGIN_HEADER` in domain/contract/secrets.ts, `originHeaderSecret`): CloudFront adds a secret header to every request it
 *    sends to the origin, and the authorizer refuses any request without it, so the origin's public name cannot be
 *    used to go around CloudFront and WAF.
 */
import { Duration, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import type { HttpStage, IHttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ROUTES, type RouteDefinition } from '../../domain/contract/routes.js';
import { ORIGIN_HEADER } from '../../domain/contract/secrets.js';
import type { StageConfig } from '../config.js';

export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * The routes a switch calls on every call attempt or in its loop: authorize, the call's interim update and
 * completion, the to-end list and the SIP authentication failures. They keep the stage's throttle; everything else
 * (account administration, reviews, imports, /health) gets the admin throttle, so a burst of admin traffic or a
 * flood on an admin route cannot take the switch's share.
 */
export function isSwitchRoute(route: RouteDefinition): boolean {
  return (
    (route.method === 'POST' && ['/v1/authorize', '/v1/calls/{callId}/interim', '/v1/calls/{callId}/completed', '/v1/auth-failures'].includes(route.path)) ||
    (route.method === 'GET' && route.path === '/v1/calls/to-end')
  );
}

/** The switch routes' throttle (the stage's) and everyone else's. */
export function routeThrottles(config: StageConfig): { readonly switchRoutes: Throttle; readonly adminRoutes: Throttle } {
  const switchRoutes = config.api.throttle;
  const adminRoutes = config.api.adminThrottle ?? {
    rateLimit: Math.max(10, Math.round(switchRoutes.rateLimit / 20)),
    burstLimit: Math.max(20, Math.round(switchRoutes.burstLimit / 20)),
  };
  return { switchRoutes, adminRoutes };
}

/** The per-IP limit of the WAF rate-based rule, requests per 5 minutes. */
export function wafRequestsPerIpPer5Min(config: StageConfig): number {
  return config.api.wafRequestsPerIpPer5Min ?? config.api.throttle.rateLimit * 150;
}

/**
 * Route settings on the stage, one per route key. CloudFormation rejects a route setting whose route does not exist
 * yet, so the stage waits for the routes.
 */
export function applyRouteThrottles(stage: HttpStage, routes: ReadonlyArray<{ readonly definition: RouteDefinition; readonly route: IHttpRoute }>, config: StageConfig): void {
  const { switchRoutes, adminRoutes } = routeThrottles(config);
  const settings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
  for (const { definition, route } of routes) {
    const throttle = isSwitchRoute(definition) ? switchRoutes : adminRoutes;
    settings[`${definition.method} ${definition.path}`] = { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit };
    stage.node.addDependency(route);
  }
  (stage.node.defaultChild as CfnStage).addPropertyOverride('RouteSettings', settings);
}

/** The Secrets Manager secret holding the origin header's value (docs/deploy.md "The front door"). */
export function originSecretName(config: StageConfig): string {
  return config.api.domain?.originSecretName ?? `tollgate/${config.stage}/origin-header`;
}

/**
 * The origin header's value as a CloudFormation dynamic reference (`{{resolve:secretsmanager:<name>}}`), never the
 * value itself: CloudFormation resolves it at deploy, in the region of the stack that uses it, so the value is in no
 * template, no repository and no cloud assembly. Both sides read the same secret by name: the edge stack (us-east-1)
 * puts it in the CloudFront origin's custom header, the stateless stack (the API's region) in the authorizer's
 * environment. Why this mechanism:
 * - Secrets Manager, not an SSM SecureString: CloudFormation resolves `ssm-secure` only in a short list of resource
 *   properties, which includes neither a Lambda environment nor a CloudFront origin header; `secretsmanager` resolves
 *   in any property.
 * - A dynamic reference resolves in its own stack's region only, so the operator creates the secret once in the
 *   API's region with a replica in us-east-1 (Secrets Manager keeps the replica's value in step).
 * - Resolved into the authorizer's environment at deploy, the authorizer needs no Secrets Manager client, no IAM
 *   grant and no call at cold start on the switch's path. The price: the value is visible to whoever may read the
 *   function's configuration (`lambda:GetFunctionConfiguration`), as CloudFront's is to whoever may read the
 *   distribution's; both are already people who administer the stage.
 * A changed secret reaches CloudFront and the authorizer only when CloudFormation updates those resources (the
 * template text does not change with the value): docs/deploy.md says how to rotate.
 */
export function originHeaderSecret(config: StageConfig): string {
  return SecretValue.secretsManager(originSecretName(config)).unsafeUnwrap();
}

export interface EdgeFrontDoorProps {
  readonly config: StageConfig;
  readonly domain: NonNullable<StageConfig['api']['domain']>;
}

/**
 * The public routes under /v1/ (routes.ts, `access: 'public'`), left out of the rule that blocks a /v1/ request
 * without an Authorization header. Exact paths only: a public route with a path parameter would need a pattern here.
 */
export function publicV1Paths(routes: readonly RouteDefinition[] = ROUTES): string[] {
  const paths = routes.filter((route) => route.access === 'public' && route.path.startsWith('/v1/')).map((route) => route.path);
  const templated = paths.filter((path) => path.includes('{'));
  if (templated.length > 0) throw new Error(`Tollgate: the WAF rule cannot except the public route(s) ${templated.join(', ')}: a path parameter needs a pattern`);
  return [...new Set(paths)];
}

/** `NOT (path is one of the public /v1/ paths)`, as the statements of the rule's AND; none when there is none. */
function publicV1PathsExcepted(): CfnWebACL.StatementProperty[] {
  const matches = publicV1Paths().map((path) => ({
    byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'EXACTLY', searchString: path, textTransformations: [{ priority: 0, type: 'NONE' }] },
  }));
  const [only] = matches;
  if (!only) return [];
  return [{ notStatement: { statement: matches.length === 1 ? only : { orStatement: { statements: matches } } } }];
}

/** Managed common rules that would refuse legitimate Tollgate traffic; they count instead of block. */
const COMMON_RULES_COUNTED = [
  // 8 KB body limit: the bulk imports (rate deck, high-risk list) are up to 4 MiB; the API's own limits apply.
  'SizeRestrictions_BODY',
  // Switches' HTTP clients (Kamailio http_client, FreeSWITCH mod_curl) do not always send a User-Agent.
  'NoUserAgent_HEADER',
];

export class EdgeFrontDoor extends Construct {
  readonly webAcl: CfnWebACL;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: EdgeFrontDoorProps) {
    super(scope, id);
    const { config, domain } = props;
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `tollgate-${config.stage}-${name}` });

    if (!Stack.of(this).region.startsWith('us-east-1')) {
      throw new Error('Tollgate: a CloudFront web ACL (scope CLOUDFRONT) must be created in us-east-1');
    }

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `tollgate-${config.stage}`,
      description: `Tollgate ${config.stage}: in front of the HTTP API`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: metric('web-acl'),
      rules: [
        {
          name: 'aws-common-rules',
          priority: 0,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              ruleActionOverrides: COMMON_RULES_COUNTED.map((name) => ({ name, actionToUse: { count: {} } })),
            },
          },
          visibilityConfig: metric('aws-common-rules'),
        },
        {
          name: 'rate-per-source-ip',
          priority: 1,
          action: { block: {} },
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: wafRequestsPerIpPer5Min(config), evaluationWindowSec: 300 } },
          visibilityConfig: metric('rate-per-source-ip'),
        },
        {
          // Every /v1/ route but the public ones (the OpenAPI document) needs a credential: a request without one
          // never reaches the authorizer, nor spends the throttle the switches need.
          name: 'v1-requires-authorization',
          priority: 2,
          action: { block: {} },
          statement: {
            andStatement: {
              statements: [
                {
                  byteMatchStatement: {
                    fieldToMatch: { uriPath: {} },
                    positionalConstraint: 'STARTS_WITH',
                    searchString: '/v1/',
                    textTransformations: [{ priority: 0, type: 'NONE' }],
                  },
                },
                ...publicV1PathsExcepted(),
                {
                  notStatement: {
                    statement: {
                      sizeConstraintStatement: {
                        fieldToMatch: { singleHeader: { Name: 'authorization' } },
                        comparisonOperator: 'GT',
                        size: 0,
                        textTransformations: [{ priority: 0, type: 'NONE' }],
                      },
                    },
                  },
                },
              ],
            },
          },
          visibilityConfig: metric('v1-requires-authorization'),
        },
      ],
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Tollgate ${config.stage}: WAF in front of the HTTP API`,
      domainNames: [domain.domainName],
      certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_ALL,
      webAclId: this.webAcl.attrArn,
      defaultBehavior: {
        origin: new HttpOrigin(domain.originDomainName, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
          // Without it the authorizer refuses the request (the origin's name is public DNS).
          customHeaders: { [ORIGIN_HEADER]: originHeaderSecret(config) },
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: this.passAuthorization(config),
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: "Carriers' switches and customers call from any country; geographic restriction is the carrier's policy (per account, in the carrier policy), not the edge's.",
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason: "Every request that passes the edge is logged by the API stage's access log (JSON, one line per request); WAF keeps sampled requests and metrics per rule for those it blocks.",
    });
  }

  /**
   * Nothing is cached (the API sends no Cache-Control, so the default TTL of 0 holds), but CloudFront forwards the
   * Authorization header of a GET only when it is part of the cache key, so the key names it. The Host header stays
   * CloudFront's own (the origin's name), which is what the API's custom domain answers to.
   */
  private passAuthorization(config: StageConfig): CachePolicy {
    return new CachePolicy(this, 'PassAuthorization', {
      cachePolicyName: `tollgate-${config.stage}-pass-authorization`,
      comment: 'Forward Authorization; cache nothing the API does not mark cacheable',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: CacheQueryStringBehavior.all(),
    });
  }
}
