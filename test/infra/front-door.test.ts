import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../domain/contract/routes.js';
import { parseStageConfig, resolveStageConfig, type StageConfig } from '../../infra/config.js';
import { isSwitchRoute, originSecretName, publicV1Paths, routeThrottles, wafRequestsPerIpPer5Min } from '../../infra/constructs/front-door.js';
import { buildTollgate, type Tollgate } from '../../infra/tollgate-app.js';
import { readNagFindings, testContext, type NagFinding } from './synth-tollgate.js';

const DOMAIN = {
  domainName: 'tollgate.carrier.example',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
  originDomainName: 'origin.tollgate.carrier.example',
  originCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/66666666-7777-8888-9999-000000000000',
};

function withDomain(config: StageConfig): StageConfig {
  return parseStageConfig({ ...config, api: { ...config.api, domain: DOMAIN } });
}

function synth(config: StageConfig): { tollgate: Tollgate; nag: NagFinding[] } {
  const app = new App({ builtinCloudFormationValidation: false, context: testContext(config.stage) });
  const tollgate = buildTollgate(app, config);
  const assembly = app.synth();
  return { tollgate, nag: readNagFindings(assembly.directory) };
}

/** The CloudFormation dynamic reference both stacks resolve the origin header's value from. */
const originSecretReference = (name: string) => `{{resolve:secretsmanager:${name}:SecretString:::}}`;

type FunctionResource = { Properties: { Description?: string; Environment?: { Variables?: Record<string, unknown> } } };

/** The functions whose environment has TOLLGATE_ORIGIN_HEADER_SECRET, by description, with its value. */
function originSecretVariables(template: Template): Map<string, unknown> {
  return new Map(
    (Object.values(template.findResources('AWS::Lambda::Function')) as FunctionResource[])
      .filter((fn) => fn.Properties.Environment?.Variables?.TOLLGATE_ORIGIN_HEADER_SECRET !== undefined)
      .map((fn) => [fn.Properties.Description ?? '?', fn.Properties.Environment?.Variables?.TOLLGATE_ORIGIN_HEADER_SECRET]),
  );
}

const SWITCH_ROUTE_KEYS = ['POST /v1/authorize', 'POST /v1/calls/{callId}/interim', 'POST /v1/calls/{callId}/completed', 'GET /v1/calls/to-end', 'POST /v1/auth-failures'];

describe('the front door of prod with a custom domain', () => {
  const config = withDomain(resolveStageConfig('prod'));
  let tollgate: Tollgate;
  let nag: NagFinding[];
  let edge: Template;
  let stateless: Template;

  beforeAll(() => {
    ({ tollgate, nag } = synth(config));
    if (!tollgate.edge) throw new Error('no edge stack');
    edge = Template.fromStack(tollgate.edge);
    stateless = Template.fromStack(tollgate.stateless);
  });

  it('is clean under cdk-nag, with a reason for each acknowledgement', () => {
    expect(nag).toEqual([]);
    const acknowledged = Object.values(edge.toJSON().Resources as Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress?: Array<{ id: string; reason: string }> } } }>).flatMap(
      (resource) => resource.Metadata?.cdk_nag?.rules_to_suppress ?? [],
    );
    expect(acknowledged.map((rule) => rule.id).sort()).toEqual(['AwsSolutions-CFR1', 'AwsSolutions-CFR3']);
    for (const rule of acknowledged) expect(rule.reason.length).toBeGreaterThan(30);
  });

  it('puts the edge in us-east-1, where CloudFront web ACLs live', () => {
    expect(tollgate.edge?.region).toBe('us-east-1');
    edge.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
  });

  it('associates the web ACL with a distribution answering the custom domain, its origin the API custom domain over TLS 1.2', () => {
    edge.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: [DOMAIN.domainName],
        WebACLId: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] },
        ViewerCertificate: Match.objectLike({ AcmCertificateArn: DOMAIN.certificateArn, MinimumProtocolVersion: 'TLSv1.2_2021' }),
        Origins: [Match.objectLike({ DomainName: DOMAIN.originDomainName, CustomOriginConfig: Match.objectLike({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }) })],
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'https-only', AllowedMethods: Match.arrayWith(['PUT', 'POST', 'DELETE']) }),
      }),
    });
    edge.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ DefaultTTL: 0, ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({ HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] } }) }),
    });
  });

  it('blocks with AWS common rules, a rate per source IP and /v1/ requests without an Authorization header', () => {
    const [acl] = Object.values(edge.findResources('AWS::WAFv2::WebACL')) as Array<{ Properties: { Rules: Array<Record<string, any>> } }>;
    const rules = new Map(acl!.Properties.Rules.map((rule) => [rule.Name as string, rule]));
    expect(rules.get('aws-common-rules')?.Statement.ManagedRuleGroupStatement).toMatchObject({ VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' });
    expect(rules.get('aws-common-rules')?.Statement.ManagedRuleGroupStatement.RuleActionOverrides.map((o: { Name: string }) => o.Name)).toEqual(['SizeRestrictions_BODY', 'NoUserAgent_HEADER']);
    expect(rules.get('rate-per-source-ip')).toMatchObject({
      Action: { Block: {} },
      Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: wafRequestsPerIpPer5Min(config), EvaluationWindowSec: 300 } },
    });
    expect(wafRequestsPerIpPer5Min(config)).toBe(2000 * 150);
    const header = rules.get('v1-requires-authorization');
    expect(header?.Action).toEqual({ Block: {} });
    const [path, notPublic, notHeader] = header?.Statement.AndStatement.Statements;
    expect(path.ByteMatchStatement).toMatchObject({ FieldToMatch: { UriPath: {} }, PositionalConstraint: 'STARTS_WITH', SearchString: '/v1/' });
    // The public OpenAPI document is the one /v1/ path a request without a credential may reach.
    expect(notPublic.NotStatement.Statement.ByteMatchStatement).toMatchObject({ FieldToMatch: { UriPath: {} }, PositionalConstraint: 'EXACTLY', SearchString: '/v1/openapi.json' });
    expect(notHeader.NotStatement.Statement.SizeConstraintStatement).toMatchObject({
      FieldToMatch: { SingleHeader: { Name: 'authorization' } },
      ComparisonOperator: 'GT',
      Size: 0,
    });
    // The public routes: /health, outside /v1/, and the OpenAPI document, excepted above.
    expect(ROUTES.filter((route) => route.access === 'public').map((route) => route.path)).toEqual(['/health', '/v1/openapi.json']);
    expect(publicV1Paths()).toEqual(['/v1/openapi.json']);
  });

  it('sends the secret origin header to the origin, its value resolved at deploy from Secrets Manager and in no template', () => {
    expect(originSecretName(config)).toBe('tollgate/prod/origin-header');
    const [distribution] = Object.values(edge.findResources('AWS::CloudFront::Distribution')) as Array<{ Properties: { DistributionConfig: { Origins: Array<Record<string, any>> } } }>;
    const [origin] = distribution!.Properties.DistributionConfig.Origins;
    expect(origin?.OriginCustomHeaders).toEqual([{ HeaderName: 'x-tollgate-origin', HeaderValue: originSecretReference('tollgate/prod/origin-header') }]);
  });

  it('requires the origin header in the authorizer: an identity source (401 without it, cache keyed by it) and a value to compare', () => {
    stateless.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization', '$request.header.x-tollgate-origin'],
    });
    // The authorizer alone gets the value, from the same secret CloudFront reads (in the API's region).
    expect(originSecretVariables(stateless)).toEqual(new Map([['Tollgate prod: authorizer', originSecretReference('tollgate/prod/origin-header')]]));
  });

  it('reads the origin header secret under the name the config gives', () => {
    const named = parseStageConfig({ ...config, api: { ...config.api, domain: { ...DOMAIN, originSecretName: 'carrier/tollgate-origin' } } });
    const { tollgate: other } = synth(named);
    const [distribution] = Object.values(Template.fromStack(other.edge!).findResources('AWS::CloudFront::Distribution')) as Array<{ Properties: { DistributionConfig: { Origins: Array<Record<string, any>> } } }>;
    expect(distribution!.Properties.DistributionConfig.Origins[0]?.OriginCustomHeaders[0].HeaderValue).toBe(originSecretReference('carrier/tollgate-origin'));
    expect([...originSecretVariables(Template.fromStack(other.stateless)).values()]).toEqual([originSecretReference('carrier/tollgate-origin')]);
    expect(() => parseStageConfig({ ...config, api: { ...config.api, domain: { ...DOMAIN, originSecretName: 'no spaces allowed' } } })).toThrow(/secret name/);
  });

  it('turns the default execute-api endpoint off and maps the API to its origin custom domain', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    stateless.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: DOMAIN.originDomainName,
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: DOMAIN.originCertificateArn })],
    });
    stateless.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    stateless.hasOutput('ApiUrl', { Value: `https://${DOMAIN.domainName}/` });
  });
});

describe.each(['dev', 'staging', 'prod'] as const)('the %s HTTP API stage', (stage) => {
  const config = resolveStageConfig(stage);
  let stateless: Template;
  let tollgate: Tollgate;

  beforeAll(() => {
    ({ tollgate } = synth(config));
    stateless = Template.fromStack(tollgate.stateless);
  });

  it('throttles the switch routes at the stage throttle and every other route at the admin throttle', () => {
    const { switchRoutes, adminRoutes } = routeThrottles(config);
    expect(adminRoutes.rateLimit).toBeLessThan(switchRoutes.rateLimit);
    expect(ROUTES.filter(isSwitchRoute).map((route) => `${route.method} ${route.path}`).sort()).toEqual([...SWITCH_ROUTE_KEYS].sort());
    const [stageResource] = Object.values(stateless.findResources('AWS::ApiGatewayV2::Stage')) as Array<{ Properties: { RouteSettings: Record<string, unknown> }; DependsOn: string[] }>;
    const settings = stageResource!.Properties.RouteSettings;
    expect(Object.keys(settings).sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
    for (const route of ROUTES) {
      const throttle = SWITCH_ROUTE_KEYS.includes(`${route.method} ${route.path}`) ? switchRoutes : adminRoutes;
      expect(settings[`${route.method} ${route.path}`]).toEqual({ ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit });
    }
    // Route settings need their routes to exist first.
    expect(stageResource!.DependsOn.length).toBeGreaterThanOrEqual(ROUTES.length);
  });

  it('has no front door without a custom domain: no edge stack, the execute-api endpoint stays on', () => {
    expect(tollgate.edge).toBeUndefined();
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
  });

  it('requires no origin header without a front door: Authorization is the only identity source, no function gets a secret', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { IdentitySource: ['$request.header.Authorization'] });
    expect(originSecretVariables(stateless).size).toBe(0);
  });
});

describe('the front door config', () => {
  it('refuses a CloudFront certificate outside us-east-1 and an origin named like the front door', () => {
    const prod = resolveStageConfig('prod');
    expect(() => parseStageConfig({ ...prod, api: { ...prod.api, domain: { ...DOMAIN, certificateArn: DOMAIN.originCertificateArn } } })).toThrow(/us-east-1/);
    expect(() => parseStageConfig({ ...prod, api: { ...prod.api, domain: { ...DOMAIN, originDomainName: DOMAIN.domainName } } })).toThrow(/origin/);
  });
});

describe('the public /v1/ paths the WAF lets through without a credential', () => {
  it('refuses a public route with a path parameter, which an exact match cannot except', () => {
    const templated = [...ROUTES, { method: 'GET', path: '/v1/docs/{page}', functionName: 'openapi', access: 'public' } as const];

    expect(() => publicV1Paths(templated)).toThrow(/\/v1\/docs\/\{page\}/);
  });
});
