/**
 * The authorize function's composition root. The account store keeps this process's copies of accounts; the rate
 * deck, high-risk list and ban list are held in memory per process (shared/process-caches.ts). In Lambda the module
 * loads them while it is imported (the init phase, ahead of traffic under provisioned concurrency): see preload.ts.
 */
import { makeReleaseExpired } from '../../domain/calls/release-expired.js';
import { makeAuthorizeCall, makeDegradedDecision } from '../../domain/policy/authorize-call.js';
import { DynamoAuthorizationStore } from '../adapters/dynamodb/authorization-store.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { banListOf, referenceDataOf } from '../shared/process-caches.js';
import { composedOnFirstCall, runtimeOfProcess, type Runtime } from '../shared/runtime.js';
import { makeAuthorizeEndpoint } from './endpoint.js';
import { preload, preloadEnabled } from './preload.js';
import { makeDecideWithinBudget } from './within-budget.js';
import { Withdrawals } from './withdrawals.js';

export function compose(runtime: Runtime) {
  const { client, config, clock, ids, logger } = runtime;
  const store = new DynamoAuthorizationStore(
    client,
    config.tableName,
    { decisionTtlDays: config.decisionTtlDays, aliasCacheMs: config.aliasCacheMs, accountCacheMs: config.accountCacheMs },
    () => clock.now().getTime(),
  );
  const settings = {
    sipResponses: config.sipResponses,
    maxCallDurationSeconds: config.maxCallDurationSeconds,
    minimumBillableSeconds: config.minimumBillableSeconds,
    detection: config.detection,
    ...config.credit,
  };
  const common = { store, referenceData: referenceDataOf(runtime), bans: banListOf(runtime), clock, ids, settings };
  const decideWithinBudget = makeDecideWithinBudget({
    authorizeCall: makeAuthorizeCall({
      ...common,
      releaseExpired: makeReleaseExpired({ store: new DynamoLiveCallStore(client, config.tableName), clock }),
      pause: (ms) => new Promise((done) => setTimeout(done, ms)),
    }),
    decideDegraded: makeDegradedDecision({ ...common, failMode: config.failMode, failOpenMaxSeconds: config.failOpenMaxSeconds }),
    withdrawals: new Withdrawals(store, logger),
    budgetMs: config.authorizeBudgetMs,
  });
  return makeAuthorizeEndpoint({ decideWithinBudget, config, logger });
}

export const handler = composedOnFirstCall(compose);

/** What the first call would otherwise wait for, from the same per-process caches the handler composes with. */
export function preloads(runtime: Runtime) {
  const referenceData = referenceDataOf(runtime);
  const bans = banListOf(runtime);
  return [
    { what: 'rate deck', load: () => referenceData.rateDeck() },
    { what: 'high-risk list', load: () => referenceData.highRiskPrefixes() },
    { what: 'ban list', load: () => bans.load() },
  ];
}

// Top-level await: Lambda's init phase waits for it (ESM bundle); importing the module elsewhere does nothing here.
if (preloadEnabled()) {
  const runtime = runtimeOfProcess();
  await preload(preloads(runtime), runtime.logger);
}
