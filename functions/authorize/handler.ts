/**
 * The authorize function's composition root. The account store keeps this process's copies of accounts; the rate
 * deck, high-risk list and ban list are held in memory per process (shared/process-caches.ts).
 */
import { makeReleaseExpired } from '../../domain/calls/release-expired.js';
import { makeAuthorizeCall, makeDegradedDecision } from '../../domain/policy/authorize-call.js';
import { DynamoAuthorizationStore } from '../adapters/dynamodb/authorization-store.js';
import { DynamoLiveCallStore } from '../adapters/dynamodb/live-call-store.js';
import { banListOf, referenceDataOf } from '../shared/process-caches.js';
import { composedOnFirstCall, type Runtime } from '../shared/runtime.js';
import { makeAuthorizeEndpoint } from './endpoint.js';
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
