/** The CDK app the CLI runs (cdk.json): `npx cdk synth|deploy -c stage=<dev|staging|prod>`. */
import { App } from 'aws-cdk-lib';
import { buildTollgate } from './tollgate-app.js';

const app = new App();
buildTollgate(app);
app.synth();
