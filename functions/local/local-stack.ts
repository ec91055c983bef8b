/**
 * The one-machine runtime: DynamoDB Local (or an existing endpoint), the table, the admin credential, the local
 * API Gateway stand-in. `npm start`, the scenario tests, the e2e suite and the benchmarks all start it this way.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDynamoDbClient } from '../adapters/dynamodb/client.js';
import { CredentialRepository, generateToken } from '../adapters/dynamodb/credential-repository.js';
import { ensureTable } from '../adapters/dynamodb/table-definition.js';
import { readConfig } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { buildDependencies, type Dependencies } from '../shared/wiring.js';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from './dynamodb-local.js';
import { createLocalServer } from './server.js';

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
  readonly authorizerCacheMs?: number;
  /** Extra environment for the runtime configuration (TOLLGATE_* variables). */
  readonly environment?: Record<string, string | undefined>;
  readonly logger?: Logger;
}

export interface LocalStack {
  readonly url: string;
  readonly port: number;
  readonly dynamoEndpoint: string;
  readonly adminToken: string;
  readonly adminTokenGenerated: boolean;
  readonly deps: Dependencies;
  readonly server: Server;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  let dynamo: RunningDynamoDbLocal | undefined;
  const dynamoEndpoint = options.dynamoEndpoint ?? (dynamo = await startDynamoDbLocal({ ...(options.dataDir ? { dataDir: options.dataDir } : {}) })).endpoint;
  try {
    const config = readConfig({
      ...process.env,
      ...options.environment,
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      AWS_REGION: 'local',
      TABLE_NAME: options.tableName ?? options.environment?.TABLE_NAME ?? 'tollgate',
    });
    const client = createDynamoDbClient({ endpoint: dynamoEndpoint, region: 'local' });
    await ensureTable(client, config.tableName);
    const deps = buildDependencies(config, { client, ...(options.logger ? { logger: options.logger } : {}) });

    const adminTokenGenerated = !options.adminToken;
    const adminToken = options.adminToken ?? generateToken().token;
    await deps.credentials.save(adminToken, { role: 'admin', credentialId: 'bootstrap-admin' }, deps.clock.now().toISOString(), 'TOLLGATE_ADMIN_TOKEN');

    const authorizerClient = createDynamoDbClient({ endpoint: dynamoEndpoint, region: 'local' });
    const server = createLocalServer(deps, {
      authorizerCacheMs: options.authorizerCacheMs ?? 60_000,
      authorizerCredentials: new CredentialRepository(authorizerClient, config.tableName),
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
      deps,
      server,
      async stop() {
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
