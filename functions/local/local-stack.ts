/**
 * The one-machine runtime: DynamoDB Local (or an existing endpoint), the table, the admin credential, the local
 * API Gateway stand-in. `npm start`, the scenario tests, the e2e suite and the benchmarks all start it this way.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CREDENTIAL_REVOCATION_SECONDS } from '../../domain/contract/routes.js';
import type { Clock } from '../../domain/shared/ports.js';
import { createDynamoDbClient } from '../adapters/dynamodb/client.js';
import { CredentialRepository, generateToken } from '../adapters/dynamodb/credential-repository.js';
import { ensureTable } from '../adapters/dynamodb/table-definition.js';
import type { HostResolver } from '../adapters/notifications/webhook-sender.js';
import { readConfig } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { createRuntime, type Runtime } from '../shared/runtime.js';
import { localAdapters, type LocalAdapters } from './local-adapters.js';
import { buildConsumers } from './consumers.js';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from './dynamodb-local.js';
import { LocalEventBus } from './event-bus.js';
import { createLocalServer } from './server.js';
import { StreamPoller } from './stream-poller.js';
import { guardTableAccess } from './table-access-guard.js';

export const BOOTSTRAP_ADMIN_ID = 'bootstrap-admin';

export interface LocalStackOptions {
  /** Port for the HTTP server; 0 picks a free one. */
  readonly port: number;
  readonly host?: string;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  readonly dynamoEndpoint?: string;
  /** Where DynamoDB Local keeps its file; in memory when undefined. */
  readonly dataDir?: string;
  readonly tableName?: string;
  readonly adminToken?: string;
  /** The built console served at /console/ (default dist/console, what `npm run build:console` writes). */
  readonly consoleDir?: string;
  /** The authorizer cache TTL; CREDENTIAL_REVOCATION_SECONDS by default, and never more. */
  readonly authorizerCacheMs?: number;
  /** Extra environment for the runtime configuration (TOLLGATE_* variables). */
  readonly environment?: Record<string, string | undefined>;
  readonly logger?: Logger;
  /** How often the local stream poller reads the table's stream (default 100 ms). */
  readonly streamPollMs?: number;
  /** Local bus delivery attempts per consumer before dead-lettering (default 4) and the first backoff (default 200 ms). */
  readonly eventMaxAttempts?: number;
  readonly eventBaseDelayMs?: number;
  /** The clock every handler and consumer reads (tests move it to expire bans); the system clock by default. */
  readonly clock?: Clock;
  /** How webhook hosts resolve (tests map names to addresses); the system resolver by default. */
  readonly hostResolver?: HostResolver;
}

export interface LocalEvents {
  readonly bus: LocalEventBus;
  readonly poller: StreamPoller;
  /** Waits until every change written so far has been published and every consumer (and what it wrote) is done. */
  settle(): Promise<void>;
}

export interface LocalStack {
  readonly url: string;
  readonly port: number;
  readonly dynamoEndpoint: string;
  readonly adminToken: string;
  readonly adminTokenGenerated: boolean;
  /** What every function of this stack is composed from (one client, one clock, the configuration). */
  readonly runtime: Runtime;
  readonly adapters: LocalAdapters;
  readonly server: Server;
  readonly events: LocalEvents;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  let dynamo: RunningDynamoDbLocal | undefined;
  const dynamoEndpoint = options.dynamoEndpoint ?? (dynamo = await startDynamoDbLocal({ ...(options.dataDir ? { dataDir: options.dataDir } : {}) })).endpoint;
  try {
    const config = readConfig({
      // No KMS on one machine, whatever stage the environment names: webhook secrets use the local stand-in.
      TOLLGATE_WEBHOOK_SECRET_CIPHER: 'local',
      ...process.env,
      ...options.environment,
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      AWS_REGION: 'local',
      TABLE_NAME: options.tableName ?? options.environment?.TABLE_NAME ?? 'tollgate',
    });
    const timeouts = { connectionTimeoutMs: config.dynamoConnectTimeoutMs, requestTimeoutMs: config.dynamoRequestTimeoutMs };
    const client = createDynamoDbClient({ endpoint: dynamoEndpoint, region: 'local', ...timeouts });
    await ensureTable(client, config.tableName);
    // IAM's leading-key conditions, enforced locally while a function runs (the declarations infra grants).
    guardTableAccess(client);
    const runtime = createRuntime(config, {
      client,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.hostResolver ? { hostResolver: options.hostResolver } : {}),
    });
    const adapters = localAdapters(runtime);

    const adminTokenGenerated = !options.adminToken;
    const adminToken = options.adminToken ?? generateToken().token;
    // One bootstrap admin whatever the number of starts: a new token replaces the previous one.
    await adapters.credentials.replace(adminToken, { role: 'admin', credentialId: BOOTSTRAP_ADMIN_ID, createdAt: runtime.clock.now().toISOString(), expiresAt: null, label: 'TOLLGATE_ADMIN_TOKEN' });

    const bus = new LocalEventBus(buildConsumers(runtime), {
      maxAttempts: options.eventMaxAttempts ?? 4,
      baseDelayMs: options.eventBaseDelayMs ?? 200,
      logger: runtime.logger,
    });
    const poller = new StreamPoller(client, bus, { endpoint: dynamoEndpoint, tableName: config.tableName, intervalMs: options.streamPollMs ?? 100, logger: runtime.logger });
    poller.start();
    const events: LocalEvents = {
      bus,
      poller,
      async settle() {
        for (let round = 0; round < 20; round += 1) {
          await poller.drain();
          await bus.idle();
          if ((await poller.pollOnce()) === 0) return;
        }
      },
    };

    const authorizerClient = createDynamoDbClient({ endpoint: dynamoEndpoint, region: 'local', ...timeouts });
    guardTableAccess(authorizerClient);
    const server = createLocalServer(runtime, {
      authorizerCacheMs: Math.min(options.authorizerCacheMs ?? CREDENTIAL_REVOCATION_SECONDS * 1000, CREDENTIAL_REVOCATION_SECONDS * 1000),
      authorizerCredentials: new CredentialRepository(authorizerClient, config.tableName),
      ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
    });
    server.keepAliveTimeout = 65_000;
    const port = (server.address() as AddressInfo).port;
    return {
      url: `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`,
      port,
      dynamoEndpoint,
      adminToken,
      adminTokenGenerated,
      runtime,
      adapters,
      server,
      events,
      async stop() {
        await poller.stop();
        await bus.idle();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        client.destroy();
        authorizerClient.destroy();
        await dynamo?.stop();
      },
    };
  } catch (error) {
    await dynamo?.stop();
    throw error;
  }
}
