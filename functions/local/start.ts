/**
 * `npm start`: the local stack with demo data, and a curl to paste. Configuration (all optional):
 * PORT (3000), HOST (127.0.0.1), TOLLGATE_DATA_DIR (./.data), DYNAMODB_ENDPOINT (use an existing DynamoDB instead of
 * starting DynamoDB Local), TOLLGATE_ADMIN_TOKEN (generated and printed when unset), and every TOLLGATE_* runtime
 * variable listed in the README.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import { loadDemoData } from './demo-data.js';
import { startLocalStack } from './local-stack.js';

const startSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  TOLLGATE_DATA_DIR: z.string().default('./.data'),
  DYNAMODB_ENDPOINT: z.url().optional(),
  TOLLGATE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

async function main(): Promise<void> {
  const parsed = startSchema.safeParse(process.env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`Invalid ${issue.path.join('.')}: ${issue.message}`);
    process.exit(2);
  }
  const env = parsed.data;
  const dataDir = resolve(env.TOLLGATE_DATA_DIR);
  console.log(env.DYNAMODB_ENDPOINT ? `Using DynamoDB at ${env.DYNAMODB_ENDPOINT}` : `Starting DynamoDB Local (data in ${dataDir}) ...`);
  const stack = await startLocalStack({
    port: env.PORT,
    host: env.HOST,
    ...(env.DYNAMODB_ENDPOINT ? { dynamoEndpoint: env.DYNAMODB_ENDPOINT } : { dataDir }),
    ...(env.TOLLGATE_ADMIN_TOKEN ? { adminToken: env.TOLLGATE_ADMIN_TOKEN } : {}),
  });
  mkdirSync(dataDir, { recursive: true });
  const demo = await loadDemoData(stack.adapters, { credentialsFile: join(dataDir, 'demo-credentials.json') });

  console.log(`
Tollgate is listening on ${stack.url}  (DynamoDB: ${stack.dynamoEndpoint})
Console: ${stack.url}/console/  (sign in with one of the tokens below)
The contract as OpenAPI 3.1 (no credential): ${stack.url}/v1/openapi.json

Admin token${stack.adminTokenGenerated ? ' (generated; set TOLLGATE_ADMIN_TOKEN to choose one)' : ''}:
  ${stack.adminToken}
Demo switch token:    ${demo.switchToken}
Demo customer token:  ${demo.customerToken}   (account ${demo.accountId})

Authorize a call from the demo PBX to a New York number:

curl -s ${stack.url}/v1/authorize \\
  -H 'Authorization: Bearer ${demo.switchToken}' \\
  -H 'Content-Type: application/json' \\
  -d '{"callId":"demo-'$(date +%s)'","to":"+12125550123","from":"+13055550100","sourceIp":"127.0.0.1","authMethod":"ip","accountId":"${demo.accountId}"}'

Then try "to":"+18765550123" (Jamaica, a NANP look-alike above the demo's max rate) and see the decision log:
curl -s ${stack.url}/v1/accounts/${demo.accountId}/decisions -H 'Authorization: Bearer ${demo.customerToken}'

Ctrl-C stops Tollgate and DynamoDB Local.`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping ...`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`Tollgate could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
