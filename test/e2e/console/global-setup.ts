/**
 * Builds the console and starts the local stack (DynamoDB Local, demo data) once for the browser tests; the stack's
 * URL and tokens go to .e2e/console/stack.json for the tests (which run in other processes) to read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { loadDemoData } from '../../../functions/local/demo-data.js';
import { startLocalStack } from '../../../functions/local/local-stack.js';
import { buildConsole } from '../../../scripts/build-console.js';
import { STACK_FILE, type ConsoleStack } from './stack.js';

export default async function globalSetup(): Promise<() => Promise<void>> {
  await buildConsole();
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-console-e2e-'));
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    eventBaseDelayMs: 20,
    streamPollMs: 100,
    logger: new PowertoolsLogger({ serviceName: 'tollgate-console-e2e', logLevel: 'ERROR' }),
  });
  const demo = await loadDemoData(stack.adapters, {});
  await demoAccountServed(stack.url, demo.switchToken, demo.accountId);
  const info: ConsoleStack = { url: stack.url, adminToken: stack.adminToken, switchToken: demo.switchToken, customerToken: demo.customerToken, accountId: demo.accountId };
  mkdirSync(join(STACK_FILE, '..'), { recursive: true });
  writeFileSync(STACK_FILE, JSON.stringify(info));
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

/**
 * The demo account is written straight to the table while the stack is already serving; an authorization that ran
 * before it existed may be remembered for a moment (the account cache). Wait until authorize finds it, so no test
 * depends on which ran first.
 */
async function demoAccountServed(url: string, switchToken: string, accountId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; ; attempt += 1) {
    const callId = `console-e2e-ready-${Date.now()}-${attempt}`;
    const response = await fetch(`${url}/v1/authorize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${switchToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ callId, to: '+12125550123', from: '+13055550100', sourceIp: '127.0.0.1', authMethod: 'ip', accountId }),
    });
    const answer = (await response.json()) as { decision?: string };
    if (answer.decision === 'allow') {
      await fetch(`${url}/v1/calls/${callId}/completed`, {
        method: 'POST',
        headers: { authorization: `Bearer ${switchToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ durationSeconds: 0, endedAt: new Date().toISOString() }),
      });
      return;
    }
    if (Date.now() > deadline) throw new Error(`the demo account is not served: ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
