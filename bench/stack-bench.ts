/**
 * Authorize end to end through the local stack (API Gateway stand-in, authorizer with its cache, the Lambda handler,
 * DynamoDB Local), with the local stack in a child process (bench/stack-server.ts) so that its memory is its own.
 *
 * 1. Requests per authorize, by named scenario (bench/request-counts.ts): the child's SDK middleware counts each
 *    request's DynamoDB requests and groups them into sequential steps (requests in flight together form one step).
 * 2. Latency beside its floor: `GET /health` on the same server (HTTP, routing, handler wrapper, no I/O) and one
 *    raw `GetItem` of the account item against the same DynamoDB Local from this process, interleaved with
 *    authorizes in the same rounds, one request at a time.
 * 3. Raw single-item writes (bench/raw-write-load.ts): what the same DynamoDB Local sustains with as many writes in
 *    flight as the load has connections, measured right before the load, for as long.
 * 4. Sustained load: closed-loop connections for a fixed time; the child reports its peak RSS and CPU time. The
 *    load never reports its calls completed: their reservations stay on the load accounts, which hold a balance
 *    large enough that none is refused for it; the live calls each account holds at the end are reported.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { build } from 'esbuild';
import { createDynamoDbClient } from '../functions/adapters/dynamodb/client.js';
import { keys } from '../functions/adapters/dynamodb/keys.js';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../functions/local/dynamodb-local.js';
import { BENCH_TMP, PROJECT_ROOT } from './bundle-bench.js';
import { HttpClient } from './http-client.js';
import { runLoad, type LoadResult } from './load-generator.js';
import { runRawWriteLoad, type RawWriteLoadResult } from './raw-write-load.js';
import { countRequestScenarios, type CountScenario, type ScenarioAccounts } from './request-counts.js';
import { HIGH_RISK_PREFIXES, sampleDeckCsv } from './sample-data.js';
import { median, round, summarize, type LatencySummary } from './stats.js';
import type { ServerMessage, ServerRequest } from './stack-server.js';

export interface StackBenchOptions {
  /** Where the server bundle is written (a folder of this run's own). */
  readonly workDir: string;
  /** An existing DynamoDB (Local) endpoint; DynamoDB Local is started (and stopped) when undefined. */
  readonly dynamoEndpoint?: string;
  /** Interleaved rounds of health, GetItem and authorize, one request at a time. */
  readonly latencyRounds: number;
  /** Authorizes counted per scenario. */
  readonly countSamples: number;
  readonly loadSeconds: number;
  readonly loadConnections: number;
  /** Accounts the load spreads over. */
  readonly accounts: number;
}

export type { CountScenario } from './request-counts.js';

export interface StackBenchResult {
  readonly requestsPerAuthorize: readonly CountScenario[];
  readonly latency: {
    readonly rounds: number;
    readonly health: LatencySummary;
    readonly getItem: LatencySummary;
    readonly authorize: LatencySummary;
    /** authorize p50 / (health p50 + GetItem p50). */
    readonly ratio: number;
    /** Diagnostics: authorize's two parallel writes issued raw from this process, without the handler. */
    readonly dynamoPattern: { readonly oneStep: LatencySummary };
  };
  /** Raw single-item writes on the same DynamoDB, same concurrency, measured right before the load. */
  readonly rawWrites: RawWriteLoadResult;
  readonly load: LoadResult & {
    readonly server: { readonly rssBeforeMiB: number; readonly peakRssMiB: number; readonly cpuMsPerRequest: number };
    /** The load generator shares the machine's two cores with the server and DynamoDB Local. */
    readonly loadGeneratorCpuMsPerRequest: number;
    /** Live calls (never reported completed) each load account holds at the end, and the least available balance. */
    readonly heldAtEnd: { readonly liveCallsMedian: number; readonly liveCallsMax: number; readonly minAvailable: number };
  };
  /** Authorizations/s under load ÷ raw writes/s. */
  readonly throughputRatio: number;
}

const SOURCE_IP = '203.0.113.10';

export async function runStackBench(options: StackBenchOptions): Promise<StackBenchResult> {
  let dynamo: RunningDynamoDbLocal | undefined;
  const endpoint = options.dynamoEndpoint ?? (dynamo = await startDynamoDbLocal()).endpoint;
  const tableName = `bench_${randomBytes(5).toString('hex')}`;
  const adminToken = `bench-admin-${randomBytes(16).toString('hex')}`;
  const server = await StackServer.start({ endpoint, tableName, adminToken, workDir: options.workDir });
  const admin = new HttpClient(server.url, adminToken);
  const dynamoClient = createDynamoDbClient({ endpoint, region: 'local' });
  try {
    const switchToken = await prepare(admin, options.accounts, options.countSamples);
    const scenarioAccounts: ScenarioAccounts = {
      warm: (i) => accountId(i % options.accounts),
      fresh: (i) => `bench-fresh-${i}`,
      unusual: (i) => `bench-unusual-${i}`,
      burst: (i) => `bench-burst-${i}`,
      limited: 'bench-limited',
      prepaid: 'bench-prepaid',
    };
    const switchClient = new HttpClient(server.url, switchToken);
    const runId = randomBytes(3).toString('hex');
    let sequence = 0;
    const authorizeBody = (accountId: string, to: string, callId = `${runId}-${(sequence += 1)}`) =>
      JSON.stringify({ callId, to, from: '+13055550100', sourceIp: SOURCE_IP, authMethod: 'ip', accountId });

    // Warm every load account in the child: the first sight of an account in a process costs a read first.
    for (let i = 0; i < options.accounts; i += 1) {
      await switchClient.send('POST', '/v1/authorize', authorizeBody(accountId(i % options.accounts), usNumber(i)));
      await switchClient.send('GET', '/health');
    }

    const requestsPerAuthorize = await countRequestScenarios(server, { client: switchClient, body: authorizeBody }, scenarioAccounts, options.countSamples);

    const samples = { health: [] as number[], getItem: [] as number[], authorize: [] as number[], oneStep: [] as number[] };
    let recordSample: unknown = {};
    const getItem = async (id: string) => {
      const started = process.hrtime.bigint();
      await dynamoClient.send(new GetItemCommand({ TableName: tableName, Key: marshall(keys.account(id)), ConsistentRead: true }));
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const warmRounds = Math.min(50, options.latencyRounds);
    for (let index = 0; index < warmRounds + options.latencyRounds; index += 1) {
      const id = accountId(index % options.accounts);
      const measured = {
        health: async () => (await switchClient.send('GET', '/health')).ms,
        getItem: () => getItem(id),
        authorize: async () => {
          const answer = await switchClient.send('POST', '/v1/authorize', authorizeBody(id, usNumber(index)));
          if (answer.status !== 200) throw new Error(`authorize answered ${answer.status}: ${answer.text}`);
          recordSample = JSON.parse(answer.text);
          return answer.ms;
        },
        oneStep: () => authorizeShapedRequests(dynamoClient, tableName, id, `${runId}-p1-${index}`, recordSample),
      };
      // Rotate the order so no kind always runs right after another.
      const order = (['health', 'getItem', 'authorize', 'oneStep'] as const).map((_unused, position, all) => all[(position + index) % all.length] as keyof typeof measured);
      for (const kind of order) {
        const ms = await measured[kind]();
        if (index >= warmRounds) samples[kind].push(ms);
      }
    }
    const health = summarize(samples.health);
    const getItemSummary = summarize(samples.getItem);
    const authorize = summarize(samples.authorize);
    switchClient.close();

    const rawWrites = await runRawWriteLoad({
      client: dynamoClient,
      tableName,
      concurrency: options.loadConnections,
      seconds: options.loadSeconds,
      items: options.accounts,
      record: recordSample,
      runId,
    });

    const before = await server.usage();
    const generatorCpu = process.cpuUsage();
    const load = await runLoad({
      url: server.url,
      token: switchToken,
      connections: options.loadConnections,
      seconds: options.loadSeconds,
      request: (n) => ({
        method: 'POST',
        path: '/v1/authorize',
        body: { callId: `load-${runId}-${n}`, to: loadDestination(n), from: '+13055550100', sourceIp: SOURCE_IP, authMethod: 'ip', accountId: accountId(n % options.accounts) },
      }),
      classify: (status, text) => (status === 200 ? ((JSON.parse(text) as { reason?: string }).reason ?? 'unknown') : undefined),
    });
    const generatorCpuUsed = process.cpuUsage(generatorCpu);
    const after = await server.usage();
    const heldAtEnd = await heldByLoadAccounts(admin, options.accounts);
    return {
      requestsPerAuthorize,
      latency: {
        rounds: options.latencyRounds,
        health,
        getItem: getItemSummary,
        authorize,
        ratio: round(authorize.p50Ms / (health.p50Ms + getItemSummary.p50Ms), 2),
        dynamoPattern: { oneStep: summarize(samples.oneStep) },
      },
      rawWrites,
      throughputRatio: round(load.throughputPerSecond / Math.max(rawWrites.writesPerSecond, 1e-9), 2),
      load: {
        ...load,
        heldAtEnd,
        server: {
          rssBeforeMiB: round(before.rssBytes / 2 ** 20, 1),
          peakRssMiB: round(after.peakRssBytes / 2 ** 20, 1),
          cpuMsPerRequest: round((after.cpuMicros - before.cpuMicros) / 1000 / Math.max(1, load.requests), 3),
        },
        loadGeneratorCpuMsPerRequest: round((generatorCpuUsed.user + generatorCpuUsed.system) / 1000 / Math.max(1, load.requests), 3),
      },
    };
  } finally {
    admin.close();
    dynamoClient.destroy();
    await server.stop();
    await dynamo?.stop();
  }
}

const accountId = (index: number) => `bench-${index}`;
const LOAD_ACCOUNT_BALANCE = 1_000_000;

/** What the load left on its accounts: live calls held (never completed) and the least available balance. */
async function heldByLoadAccounts(admin: HttpClient, accounts: number): Promise<StackBenchResult['load']['heldAtEnd']> {
  const liveCalls: number[] = [];
  let minAvailable = Number.POSITIVE_INFINITY;
  for (let i = 0; i < accounts; i += 1) {
    const account = await admin.json<{ liveCalls?: number; available?: number }>('GET', `/v1/accounts/${accountId(i)}`, undefined);
    liveCalls.push(account.liveCalls ?? 0);
    minAvailable = Math.min(minAvailable, account.available ?? Number.POSITIVE_INFINITY);
  }
  return { liveCallsMedian: median(liveCalls), liveCallsMax: Math.max(0, ...liveCalls), minAvailable: round(minAvailable, 2) };
}

/**
 * The requests authorize sends for a warm account (functions/adapters/dynamodb/authorization-store.ts), raw and in
 * parallel: the decision record's PutItem and an UpdateItem on an account-sized item of its own. The floor of the
 * one-round-trip write path on this DynamoDB, without the handler.
 */
async function authorizeShapedRequests(client: DynamoDBClient, tableName: string, id: string, callId: string, record: unknown): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all([
    client.send(
      new PutItemCommand({ TableName: tableName, Item: marshall({ ...keys.decision(callId), entity: 'decision', record }, { removeUndefinedValues: true }), ConditionExpression: 'attribute_not_exists(pk)' }),
    ),
    client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: marshall({ pk: `PATTERN#${id}`, sk: 'STATE' }),
        UpdateExpression: 'SET #call = :call ADD liveCalls :one',
        ConditionExpression: 'attribute_not_exists(#call)',
        ExpressionAttributeNames: { '#call': `c#${callId}` },
        ExpressionAttributeValues: marshall({ ':call': { r: 1000, g: 180, e: Date.now() + 600_000 }, ':one': 1 }),
        ReturnValues: 'ALL_NEW',
      }),
    ),
  ]);
  return Number(process.hrtime.bigint() - started) / 1e6;
}
const usNumber = (n: number) => `+1212555${String(n % 10_000).padStart(4, '0')}`;

/** Mostly domestic, some whitelisted international, a few look-alikes (denied). */
function loadDestination(n: number): string {
  if (n % 50 === 7) return `+1876555${String(n % 10_000).padStart(4, '0')}`;
  if (n % 10 === 3) return `+4420794${String(n % 100_000).padStart(5, '0')}`;
  return usNumber(n);
}

async function prepare(admin: HttpClient, accounts: number, scenarioSamples: number): Promise<string> {
  const deck = await admin.send('PUT', '/v1/rate-deck', sampleDeckCsv(), { contentType: 'text/csv' });
  if (deck.status >= 300) throw new Error(`rate deck import answered ${deck.status}: ${deck.text}`);
  await admin.json('PUT', '/v1/high-risk-prefixes', { prefixes: HIGH_RISK_PREFIXES });
  const policy = {
    allowedIps: ['203.0.113.0/24'],
    internationalEnabled: true,
    whitelistCountries: ['CA', 'GB', 'MX'],
    maxRatePerMinute: 0.5,
    limits: { callsPerMinute: null, concurrentCalls: 1_000, spendPerHour: null, spendPerDay: null },
  };
  const create = async (id: string, accountPolicy: typeof policy, balance: number) => {
    await admin.json('POST', '/v1/accounts', { accountId: id, name: `Bench ${id}`, homeCountry: 'US' });
    await admin.json('PUT', `/v1/accounts/${id}/policy`, accountPolicy);
    await admin.json('POST', `/v1/accounts/${id}/credits`, { amount: balance });
  };
  // The load's accounts hold every call the load authorizes (it never reports them completed): a balance no load can
  // reserve away, so that no call is refused for money.
  for (let i = 0; i < accounts; i += 1) await create(accountId(i), policy, LOAD_ACCOUNT_BALANCE);
  // The scenarios' own accounts (bench/request-counts.ts): one per sample where a sample changes the account for the next.
  for (let i = 0; i < scenarioSamples; i += 1) {
    for (const kind of ['fresh', 'unusual', 'burst']) await create(`bench-${kind}-${i}`, policy, 1_000);
  }
  await create('bench-limited', { ...policy, limits: { ...policy.limits, concurrentCalls: 1 } }, 1_000);
  // Small enough that a $1.20/min call is not granted its whole duration up front (credit-control.ts: fullGrantShare).
  await create('bench-prepaid', policy, 200);
  const credential = await admin.json<{ token: string }>('POST', '/v1/credentials', { role: 'switch' });
  return credential.token;
}

/** The child process running the local stack, and its IPC answers. */
class StackServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly stderr: () => string,
  ) {}

  static async start(settings: { endpoint: string; tableName: string; adminToken: string; workDir: string }): Promise<StackServer> {
    const entry = await bundleServer(settings.workDir);
    const child = fork(entry, [], {
      cwd: PROJECT_ROOT,
      // BENCH_SERVER_CPU_PROFILE=1 writes a V8 CPU profile of the server to node_modules/.cache/tollgate-bench/.
      execArgv: process.env.BENCH_SERVER_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${BENCH_TMP}`] : [],
      env: {
        ...process.env,
        BENCH_DYNAMODB_ENDPOINT: settings.endpoint,
        BENCH_TABLE_NAME: settings.tableName,
        BENCH_ADMIN_TOKEN: settings.adminToken,
        TOLLGATE_EMAIL_TRANSPORT: 'none',
      },
      // Decision logs go where Lambda's would (stdout); here nobody reads them, but they are still written.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
    const ready = await nextMessage(child, () => stderr, 60_000);
    if (ready.type !== 'ready') throw new Error(`the stack server did not start: ${JSON.stringify(ready)} ${stderr}`);
    return new StackServer(child, ready.url, () => stderr);
  }

  async resetCount(): Promise<void> {
    await this.ask({ type: 'count-reset' });
  }

  async readCount(): Promise<{ counts: Record<string, number>; steps: string[][] }> {
    const answer = await this.ask({ type: 'count-read' });
    if (answer.type !== 'count-read') throw new Error(`unexpected answer ${answer.type}`);
    return answer;
  }

  async usage(): Promise<{ rssBytes: number; peakRssBytes: number; cpuMicros: number }> {
    const answer = await this.ask({ type: 'usage' });
    if (answer.type !== 'usage') throw new Error(`unexpected answer ${answer.type}`);
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'stop' } satisfies ServerRequest);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private async ask(request: ServerRequest): Promise<ServerMessage> {
    const answer = nextMessage(this.child, this.stderr, 30_000);
    this.child.send(request);
    return answer;
  }
}

function nextMessage(child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<ServerMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`the stack server did not answer within ${timeoutMs} ms: ${stderr()}`)), timeoutMs);
    const onMessage = (message: ServerMessage) => finish(undefined, message);
    const onExit = (code: number | null) => finish(new Error(`the stack server exited (${code}): ${stderr()}`));
    function finish(error: Error | undefined, message?: ServerMessage) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else if (message?.type === 'error') reject(new Error(`the stack server failed: ${message.message} ${stderr()}`));
      else resolve(message as ServerMessage);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** The child runs as plain JavaScript (no TypeScript loader in its memory), bundled with packages left in node_modules. */
async function bundleServer(workDir: string): Promise<string> {
  mkdirSync(workDir, { recursive: true });
  const outfile = join(workDir, 'stack-server.mjs');
  await build({
    entryPoints: [join(PROJECT_ROOT, 'bench', 'stack-server.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  return outfile;
}
