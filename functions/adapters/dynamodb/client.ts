/**
 * One DynamoDB client per process. Locally it points at DynamoDB Local (DYNAMODB_ENDPOINT) with dummy
 * credentials; in AWS it uses the function's role. Retries are short and every request has a deadline: a database
 * that stops answering (rather than refusing connections) must not hold a caller, a switch least of all.
 *
 * Every client is instrumented here, once: each command's duration and name go to the current request's metrics
 * (functions/shared/observability.ts; nothing happens where metrics are off), and in Lambda with tracing on each
 * command is an X-Ray subsegment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startDynamoDbCommand, traceAwsClient } from '../../shared/observability.js';

export interface DynamoDbClientOptions {
  readonly endpoint?: string;
  readonly region?: string;
  /** @default 500 — a connection not established in this time fails. */
  readonly connectionTimeoutMs?: number;
  /** @default 2000 — a request whose socket stays silent this long fails. */
  readonly requestTimeoutMs?: number;
}

export function createDynamoDbClient(options: DynamoDbClientOptions = {}): DynamoDBClient {
  const local = Boolean(options.endpoint);
  const client = new DynamoDBClient({
    region: options.region ?? 'us-east-1',
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({ connectionTimeout: options.connectionTimeoutMs ?? 500, requestTimeout: options.requestTimeoutMs ?? 2_000 }),
    ...(local
      ? { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  timeCommands(client);
  return traceAwsClient(client);
}

/** The whole command as its caller waits for it (retries included), from the first step of the SDK's stack. */
function timeCommands(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const done = startDynamoDbCommand(context.commandName ?? 'unknown');
      if (!done) return next(args);
      try {
        return await next(args);
      } finally {
        done();
      }
    },
    { step: 'initialize', name: 'tollgateCommandTiming', priority: 'high' },
  );
}

/** Counts the DynamoDB requests a client sends, by command name; benchmarks and tests read it. */
export interface RequestCounter {
  readonly counts: Map<string, number>;
  total(): number;
  reset(): void;
  /** Calls in flight at the same moment form one sequential step; this lists the commands per step. */
  readonly steps: string[][];
}

const installedCounters = new WeakMap<DynamoDBClient, RequestCounter>();

/** Installs the counting middleware once per client; later calls return the same counter. */
export function countRequests(client: DynamoDBClient): RequestCounter {
  const installed = installedCounters.get(client);
  if (installed) return installed;
  const counts = new Map<string, number>();
  const steps: string[][] = [];
  let inFlight = 0;
  let currentStep: string[] | undefined;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      counts.set(command, (counts.get(command) ?? 0) + 1);
      if (inFlight === 0) {
        currentStep = [];
        steps.push(currentStep);
      }
      currentStep?.push(command);
      inFlight += 1;
      try {
        return await next(args);
      } finally {
        inFlight -= 1;
      }
    },
    { step: 'initialize', name: 'tollgateRequestCounter' },
  );
  const counter: RequestCounter = {
    counts,
    steps,
    total: () => [...counts.values()].reduce((sum, count) => sum + count, 0),
    reset: () => {
      counts.clear();
      steps.length = 0;
    },
  };
  installedCounters.set(client, counter);
  return counter;
}
