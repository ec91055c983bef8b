/**
 * The console in the synthesized stacks (issue 15): served by the HTTP API on its own origin, by a function that may
 * do nothing but write its logs, with its files bundled beside it at synth; cdk-nag clean.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthTollgate, type SynthesizedTollgate } from './synth-tollgate.js';

let synth: SynthesizedTollgate;

beforeAll(() => {
  synth = synthTollgate('dev');
});

describe('the console on the HTTP API', () => {
  it('has public GET routes for /console and everything under it, both to the console function', () => {
    const routes = synth.statelessTemplate.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: Match.stringLikeRegexp('^GET /console') } });
    const byKey: Record<string, any> = Object.fromEntries(Object.values(routes).map((route: any) => [route.Properties.RouteKey, route.Properties]));

    expect(Object.keys(byKey).sort()).toEqual(['GET /console', 'GET /console/{proxy+}']);
    for (const route of Object.values(byKey)) expect(route.AuthorizationType).toBe('NONE');
    // one integration for both, and it invokes the console function
    expect(byKey['GET /console']?.Target).toEqual(byKey['GET /console/{proxy+}']?.Target);
    const integrationId = byKey['GET /console']?.Target['Fn::Join'][1][1].Ref as string;
    const integration = synth.statelessTemplate.toJSON().Resources[integrationId];
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toMatch(/ConsoleFunction/);
  });

  it('runs a function whose role may only write its own logs', () => {
    const functions = synth.statelessTemplate.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp("console's static files") } });
    expect(Object.keys(functions)).toHaveLength(1);
    const [fn] = Object.values(functions);
    const roleId = fn?.Properties.Role['Fn::GetAtt'][0];
    const policies = Object.values(synth.statelessTemplate.findResources('AWS::IAM::Policy')).filter((policy) =>
      policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId),
    );
    const actions = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement.flatMap((statement: { Action: string | string[] }) => [statement.Action].flat()));
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('outputs the console URL and leaves cdk-nag with nothing to report', () => {
    synth.statelessTemplate.hasOutput('ConsoleUrl', {});
    expect(synth.nagFindings).toEqual([]);
  });
});
