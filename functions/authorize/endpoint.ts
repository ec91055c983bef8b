/**
 * POST /v1/authorize: the switch asks before each outbound call. The answer is always a decision the switch can
 * act on, within TOLLGATE_AUTHORIZE_BUDGET_MS whatever the database does: a schema violation is a 400, an
 * impossible number is a deny with 484, and a database that fails or misses the budget gives the fail mode,
 * decided on what the process holds in memory (domain/policy/degraded-decision.ts), never a 500 that a proxy might
 * treat as "try the next route". Whatever a missed deadline left in flight is withdrawn once the database answers
 * again, so a decision the switch never received never counts as a live call.
 */
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { RuntimeConfig } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { recordDecision } from '../shared/observability.js';
import { toResponseBody } from './response.js';
import type { makeDecideWithinBudget } from './within-budget.js';

export interface AuthorizePorts {
  readonly decideWithinBudget: ReturnType<typeof makeDecideWithinBudget>;
  readonly config: Pick<RuntimeConfig, 'failMode'>;
  readonly logger: Logger;
}

export function makeAuthorizeEndpoint(ports: AuthorizePorts) {
  return httpEndpoint({ routes: ['POST /v1/authorize'] }, async ({ body, principal }) => {
    const outcome = await ports.decideWithinBudget(body, principal?.unverified === true);
    if (outcome.kind === 'call-id-conflict') {
      throw httpErrors.conflict(`callId ${body.callId} was already decided for a different call`, [
        { field: 'callId', message: `already used for to=${outcome.existing.request.to} from ${outcome.existing.request.sourceIp}` },
      ]);
    }
    const { record, replayed, trace, degradedBecause } = outcome;
    if (degradedBecause) ports.logger.warn('authorization degraded', { callId: body.callId, because: degradedBecause, failMode: ports.config.failMode, decision: record.decision, reason: record.reason });
    ports.logger.info('decision', {
      callId: record.callId,
      decisionId: record.decisionId,
      accountId: record.accountId,
      decision: record.decision,
      reason: record.reason,
      sipCode: record.sipCode,
      destination: record.destination?.e164,
      country: record.destination?.country,
      rule: record.rule,
      replayed,
      ...(trace ? { rounds: trace.rounds, cachedAccount: trace.cached, ...(trace.retries.length ? { retries: trace.retries } : {}) } : {}),
    });
    recordDecision({ decision: record.decision, reason: record.reason, country: record.destination?.country, degraded: degradedBecause !== undefined, replayed });
    return { status: 200, body: toResponseBody(record, replayed) };
  });
}
