/**
 * The local stack's own handle on the table, for what runs beside the functions: the bootstrap admin, the demo
 * data, and the integration tests that look at stored state. The functions themselves are composed by their roots.
 */
import { AccountRepository } from '../adapters/dynamodb/account-repository.js';
import { AuditRepository } from '../adapters/dynamodb/audit-repository.js';
import { CredentialRepository } from '../adapters/dynamodb/credential-repository.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { NotificationDeliveryRepository } from '../adapters/dynamodb/notification-delivery-repository.js';
import { ReferenceDataRepository } from '../adapters/dynamodb/reference-data-repository.js';
import { TopUpRepository } from '../adapters/dynamodb/top-up-repository.js';
import { paymentsOf } from '../shared/process-caches.js';
import type { Runtime } from '../shared/runtime.js';

export type LocalAdapters = ReturnType<typeof localAdapters>;

export function localAdapters(runtime: Runtime) {
  const { client, config: { tableName } } = runtime;
  return {
    clock: runtime.clock,
    accounts: new AccountRepository(client, tableName),
    audit: new AuditRepository(client, tableName),
    credentials: new CredentialRepository(client, tableName),
    liveCalls: new DynamoLiveCallStore(client, tableName),
    notificationDeliveries: new NotificationDeliveryRepository(client, tableName),
    referenceDataRepository: new ReferenceDataRepository(client, tableName),
    topUps: new TopUpRepository(client, tableName),
    /** The same provider the auto-replenish function of this stack charges: tests switch its mode here. */
    payments: paymentsOf(runtime),
  };
}
