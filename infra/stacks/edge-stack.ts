/**
 * The front door's edge, in us-east-1 whatever the API's region: a CLOUDFRONT-scoped web ACL can only be created
 * there (infra/constructs/front-door.ts says why CloudFront + WAF). Built only when the stage configures
 * `api.domain`; it holds no data and references nothing in the other stacks (the origin is a name from the config).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.js';
import { EdgeFrontDoor } from '../constructs/front-door.js';

export const EDGE_REGION = 'us-east-1';

export interface EdgeStackProps extends Omit<StackProps, 'env'> {
  readonly config: StageConfig;
  readonly domain: NonNullable<StageConfig['api']['domain']>;
}

export class EdgeStack extends Stack {
  readonly frontDoor: EdgeFrontDoor;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, { ...props, env: { account: props.config.env?.account, region: EDGE_REGION } });
    this.frontDoor = new EdgeFrontDoor(this, 'FrontDoor', { config: props.config, domain: props.domain });

    new CfnOutput(this, 'ApiUrl', { value: `https://${props.domain.domainName}/`, description: 'Base URL switches and clients call' });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.frontDoor.distribution.distributionDomainName,
      description: `Point ${props.domain.domainName} here (CNAME, or a Route 53 alias)`,
    });
    new CfnOutput(this, 'WebAclArn', { value: this.frontDoor.webAcl.attrArn });
  }
}
