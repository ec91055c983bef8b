/**
 * What a process keeps in memory between invocations, one instance per Runtime (shared/runtime.ts `perRuntime`):
 * a function that writes a ban or imports a rate deck updates the copy that authorize in the same process reads.
 */
import { BanRepository } from '../adapters/dynamodb/ban-repository.js';
import { PeerIndexRepository } from '../adapters/dynamodb/peer-index-repository.js';
import { ReferenceDataRepository } from '../adapters/dynamodb/reference-data-repository.js';
import { SimulatedPaymentProvider } from '../adapters/payments/simulated-provider.js';
import { BanListCache } from './ban-list-cache.js';
import { KnownPeers } from './known-peers.js';
import { ReferenceDataCache } from './reference-data-cache.js';
import { perRuntime, type Runtime } from './runtime.js';

const nowMsOf = (runtime: Runtime) => () => runtime.clock.now().getTime();

const buildBanList = (runtime: Runtime) =>
  new BanListCache(new BanRepository(runtime.client, runtime.config.tableName), runtime.config.banRefreshMs, runtime.logger, nowMsOf(runtime));

const buildReferenceData = (runtime: Runtime) =>
  new ReferenceDataCache(new ReferenceDataRepository(runtime.client, runtime.config.tableName), runtime.config.referenceRefreshMs, runtime.logger, nowMsOf(runtime));

const buildKnownPeers = (runtime: Runtime) =>
  new KnownPeers(new PeerIndexRepository(runtime.client, runtime.config.tableName), runtime.config.peerIndexCacheMs, nowMsOf(runtime));

/** The simulated provider everywhere so far; the local stack's tests switch its mode through this instance. */
const buildPayments = (runtime: Runtime) => new SimulatedPaymentProvider(runtime.config.simulatedPayments, runtime.ids);

export const banListOf = (runtime: Runtime): BanListCache => perRuntime(runtime, buildBanList);
export const referenceDataOf = (runtime: Runtime): ReferenceDataCache => perRuntime(runtime, buildReferenceData);
export const knownPeersOf = (runtime: Runtime): KnownPeers => perRuntime(runtime, buildKnownPeers);
export const paymentsOf = (runtime: Runtime): SimulatedPaymentProvider => perRuntime(runtime, buildPayments);
