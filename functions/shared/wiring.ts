/**
 * Production wiring: one set of adapters per process, built on first use from the validated configuration.
 * Handlers export a factory taking these dependencies (tests pass their own) and a `handler` wired here.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock, IdGenerator } from '../../domain/shared/ports.js';
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { DynamoAuthorizationStore } from '../adapters/dynamodb/authorization-store.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { createDynamoDbClient } from '../adapters/dynamodb/client.js';
import { CredentialRepository } from '../adapters/dynamodb/credential-repository.js';
import { DecisionRepository } from '../adapters/dynamodb/decision-repository.js';
import { ReferenceDataRepository } from '../adapters/dynamodb/reference-data-repository.js';
import { AuditRepository } from '../adapters/dynamodb/audit-repository.js';
import { BanRepository } from '../adapters/dynamodb/ban-repository.js';
import { NotificationDeliveryRepository } from '../adapters/dynamodb/notification-delivery-repository.js';
import { PeerIndexRepository } from '../adapters/dynamodb/peer-index-repository.js';
import { ReviewRepository } from '../adapters/dynamodb/review-repository.js';
import { TopUpRepository } from '../adapters/dynamodb/top-up-repository.js';
import { WebhookSecretRepository } from '../adapters/dynamodb/webhook-secret-repository.js';
import { makeEmailSender } from '../adapters/notifications/email-transport.js';
import { WebhookSender, type HostResolver } from '../adapters/notifications/webhook-sender.js';
import { SimulatedPaymentProvider } from '../adapters/payments/simulated-provider.js';
import type { EmailSender } from '../../domain/notifications/notification.js';
import type { PaymentProvider } from '../../domain/payments/payment-provider.js';
import { readConfig, type RuntimeConfig } from './config.js';
import { KnownPeers } from './known-peers.js';
import { getLogger, type Logger } from './logger.js';
import { BanListCache } from './ban-list-cache.js';
import { ReferenceDataCache } from './reference-data-cache.js';

export interface Dependencies {
  readonly config: RuntimeConfig;
  readonly client: DynamoDBClient;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly accounts: AccountRepository;
  readonly credentials: CredentialRepository;
  readonly decisions: DecisionRepository;
  readonly referenceDataRepository: ReferenceDataRepository;
  readonly referenceData: ReferenceDataCache;
  readonly authorizationStore: DynamoAuthorizationStore;
  readonly liveCalls: DynamoLiveCallStore;
  readonly bans: BanRepository;
  readonly banList: BanListCache;
  /** Active accounts that allow a source IP (a known peer is never banned automatically). */
  readonly knownPeers: KnownPeers;
  readonly reviews: ReviewRepository;
  readonly audit: AuditRepository;
  readonly topUps: TopUpRepository;
  readonly webhookSecrets: WebhookSecretRepository;
  readonly notificationDeliveries: NotificationDeliveryRepository;
  /** The simulated provider everywhere so far; tests switch its mode through this reference. */
  readonly payments: PaymentProvider;
  readonly email: EmailSender;
  readonly webhooks: WebhookSender;
}

export const systemClock: Clock = { now: () => new Date() };
export const randomIds: IdGenerator = { newId: () => randomUUID() };

export function buildDependencies(
  config: RuntimeConfig,
  overrides: { client?: DynamoDBClient; clock?: Clock; ids?: IdGenerator; logger?: Logger; hostResolver?: HostResolver } = {},
): Dependencies {
  const client =
    overrides.client ??
    createDynamoDbClient({ endpoint: config.dynamoEndpoint, region: config.region, connectionTimeoutMs: config.dynamoConnectTimeoutMs, requestTimeoutMs: config.dynamoRequestTimeoutMs });
  const logger = overrides.logger ?? getLogger();
  const clock = overrides.clock ?? systemClock;
  const referenceDataRepository = new ReferenceDataRepository(client, config.tableName);
  const bans = new BanRepository(client, config.tableName);
  return {
    config,
    client,
    logger,
    clock,
    ids: overrides.ids ?? randomIds,
    accounts: new AccountRepository(client, config.tableName),
    credentials: new CredentialRepository(client, config.tableName),
    decisions: new DecisionRepository(client, config.tableName),
    referenceDataRepository,
    referenceData: new ReferenceDataCache(referenceDataRepository, config.referenceRefreshMs, logger, () => clock.now().getTime()),
    authorizationStore: new DynamoAuthorizationStore(
      client,
      config.tableName,
      { decisionTtlDays: config.decisionTtlDays, aliasCacheMs: config.aliasCacheMs, accountCacheMs: config.accountCacheMs },
      () => clock.now().getTime(),
    ),
    liveCalls: new DynamoLiveCallStore(client, config.tableName),
    bans,
    banList: new BanListCache(bans, config.banRefreshMs, logger, () => clock.now().getTime()),
    knownPeers: new KnownPeers(new PeerIndexRepository(client, config.tableName), config.peerIndexCacheMs, () => clock.now().getTime()),
    reviews: new ReviewRepository(client, config.tableName),
    audit: new AuditRepository(client, config.tableName),
    topUps: new TopUpRepository(client, config.tableName),
    webhookSecrets: new WebhookSecretRepository(client, config.tableName),
    notificationDeliveries: new NotificationDeliveryRepository(client, config.tableName),
    payments: new SimulatedPaymentProvider(config.simulatedPayments, overrides.ids ?? randomIds),
    email: makeEmailSender(config, clock, logger),
    webhooks: new WebhookSender(overrides.hostResolver),
  };
}

let processDependencies: Dependencies | undefined;

/** The process-wide dependencies, built lazily so that importing a handler has no side effects. */
export function dependencies(): Dependencies {
  processDependencies ??= buildDependencies(readConfig());
  return processDependencies;
}

/** A handler factory's `deps` argument: a value for tests, or this lazy getter for production. */
export type DependencySource = Dependencies | (() => Dependencies);

export function resolve(source: DependencySource): Dependencies {
  return typeof source === 'function' ? source() : source;
}
