/**
 * What every composition root starts from: the validated configuration, one DynamoDB client, the logger, the clock
 * and the id generator of this process. A function's `handler.ts` builds, from a Runtime, only the adapters its
 * ports need; in Lambda one Runtime serves one function, while the local stack gives one Runtime to every function
 * of the process (so they share the client and what is cached per process, as they would share a machine).
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock, IdGenerator } from '../../domain/shared/ports.js';
import { createDynamoDbClient } from '../adapters/dynamodb/client.js';
import type { HostResolver } from '../adapters/notifications/webhook-sender.js';
import { readConfig, type RuntimeConfig } from './config.js';
import { getLogger, type Logger } from './logger.js';

export interface Runtime {
  readonly config: RuntimeConfig;
  readonly client: DynamoDBClient;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** How webhook hosts resolve; the system resolver unless a test maps names to addresses. */
  readonly hostResolver?: HostResolver;
}

export const systemClock: Clock = { now: () => new Date() };
export const randomIds: IdGenerator = { newId: () => randomUUID() };

export function createRuntime(config: RuntimeConfig, overrides: Partial<Omit<Runtime, 'config'>> = {}): Runtime {
  return {
    config,
    client:
      overrides.client ??
      createDynamoDbClient({ endpoint: config.dynamoEndpoint, region: config.region, connectionTimeoutMs: config.dynamoConnectTimeoutMs, requestTimeoutMs: config.dynamoRequestTimeoutMs }),
    logger: overrides.logger ?? getLogger(),
    clock: overrides.clock ?? systemClock,
    ids: overrides.ids ?? randomIds,
    ...(overrides.hostResolver ? { hostResolver: overrides.hostResolver } : {}),
  };
}

let processRuntime: Runtime | undefined;

/** This process's Runtime, built on first use so that importing a handler reads no environment. */
export function runtimeOfProcess(): Runtime {
  processRuntime ??= createRuntime(readConfig());
  return processRuntime;
}

const scoped = new WeakMap<Runtime, Map<(runtime: Runtime) => unknown, unknown>>();

/**
 * One instance per Runtime of what `build` makes (a cache of the process, the payment provider): every function of
 * the local stack then sees the same ban list and rate deck, as the functions of one Lambda process do.
 */
export function perRuntime<T>(runtime: Runtime, build: (runtime: Runtime) => T): T {
  let instances = scoped.get(runtime);
  if (!instances) scoped.set(runtime, (instances = new Map()));
  if (!instances.has(build)) instances.set(build, build(runtime));
  return instances.get(build) as T;
}

/** A Lambda entry point that composes its handler on the first invocation, from this process's Runtime. */
export function composedOnFirstCall<TEvent, TResult, TContext>(
  compose: (runtime: Runtime) => (event: TEvent, context: TContext) => Promise<TResult>,
): (event: TEvent, context: TContext) => Promise<TResult> {
  let composed: ((event: TEvent, context: TContext) => Promise<TResult>) | undefined;
  return (event, context) => {
    composed ??= compose(runtimeOfProcess());
    return composed(event, context);
  };
}
