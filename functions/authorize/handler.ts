/**
 * POST /v1/authorize: the switch asks before each outbound call. The answer is always a decision the switch can
 * act on: a schema violation is a 400, but an impossible number is a deny with 484, and a database outage is the
 * configured fail mode (603 Decline by default), never a 500 that a proxy might treat as "try the next route".
 */
import { authorizationRequestSchema, type AuthorizationRequest } from '../../domain/policy/authorization-request.js';
import { makeReleaseExpired } from '../../domain/calls/release-expired.js';
import { makeAuthorizeCall, type AuthorizeTrace, type DecisionRecord } from '../../domain/policy/authorize-call.js';
import { stepOf } from '../../domain/policy/evaluate-call.js';
import { HttpError, httpEndpoint, httpErrors } from '../shared/http.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

export function makeHandler(source: DependencySource) {
  let authorizeCall: ReturnType<typeof makeAuthorizeCall> | undefined;
  return httpEndpoint({ body: authorizationRequestSchema }, async ({ body }) => {
    const deps = resolve(source);
    authorizeCall ??= makeAuthorizeCall({
      store: deps.authorizationStore,
      referenceData: deps.referenceData,
      bans: deps.banList,
      releaseExpired: makeReleaseExpired({ store: deps.liveCalls, clock: deps.clock }),
      clock: deps.clock,
      ids: deps.ids,
      pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      settings: {
        sipResponses: deps.config.sipResponses,
        maxCallDurationSeconds: deps.config.maxCallDurationSeconds,
        minimumBillableSeconds: deps.config.minimumBillableSeconds,
        detection: deps.config.detection,
        ...deps.config.credit,
      },
    });
    let record: DecisionRecord;
    let replayed = false;
    let trace: AuthorizeTrace | undefined;
    try {
      const outcome = await authorizeCall(body);
      trace = outcome.trace;
      if (outcome.kind === 'call-id-conflict') {
        throw httpErrors.conflict(`callId ${body.callId} was already decided for a different call`, [
          { field: 'callId', message: `already used for to=${outcome.existing.request.to} from ${outcome.existing.request.sourceIp}` },
        ]);
      }
      record = outcome.record;
      replayed = outcome.replayed;
    } catch (error) {
      if (error instanceof HttpError) throw error; // the caller's own mistake (a reused callId), not an outage
      deps.logger.error('authorization degraded: a dependency failed', { callId: body.callId, error: String(error), failMode: deps.config.failMode });
      record = degradedDecision(body, deps.config.failMode, deps.config.failOpenMaxSeconds, deps.config.sipResponses.SERVICE_DEGRADED, deps.clock.now(), deps.ids.newId());
    }
    deps.logger.info('decision', {
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
    return { status: 200, body: toResponseBody(record, replayed) };
  });
}

export const handler = makeHandler(dependencies);

function toResponseBody(record: DecisionRecord, replayed: boolean) {
  return {
    callId: record.callId,
    decisionId: record.decisionId,
    decision: record.decision,
    reason: record.reason,
    sipCode: record.sipCode,
    sipReason: record.sipReason,
    accountId: record.accountId,
    destination: record.destination,
    ...(record.decision === 'allow' ? { maxDurationSeconds: record.maxDurationSeconds } : {}),
    ...(record.decision === 'allow' && record.interimSeconds !== null && record.interimSeconds !== undefined ? { interimSeconds: record.interimSeconds } : {}),
    rule: record.rule,
    decidedAt: record.decidedAt,
    replayed,
  };
}

/** Fail mode: the switch still gets a decision it can act on when the database cannot be reached. */
function degradedDecision(
  request: AuthorizationRequest,
  failMode: 'deny' | 'allow',
  failOpenMaxSeconds: number,
  sip: { code: number; reason: string },
  now: Date,
  decisionId: string,
): DecisionRecord {
  const base = {
    decisionId,
    callId: request.callId,
    decidedAt: now.toISOString(),
    request: { to: request.to, from: request.from, sourceIp: request.sourceIp, authMethod: request.authMethod },
    accountId: request.accountId ?? null,
    destination: null,
  };
  if (failMode === 'allow') {
    return {
      ...base,
      decision: 'allow',
      reason: 'ALLOWED',
      sipCode: 200,
      sipReason: 'OK',
      maxDurationSeconds: failOpenMaxSeconds,
      interimSeconds: null,
      rule: { rule: 'SERVICE_DEGRADED', step: 0, detail: 'Tollgate is degraded; fail mode allow with a capped duration', evidence: { failMode } },
    };
  }
  return {
    ...base,
    decision: 'deny',
    reason: 'SERVICE_DEGRADED',
    sipCode: sip.code,
    sipReason: sip.reason,
    maxDurationSeconds: null,
    interimSeconds: null,
    rule: { rule: 'SERVICE_DEGRADED', step: stepOf('SERVICE_DEGRADED'), detail: 'Tollgate is degraded; fail mode deny', evidence: { failMode } },
  };
}
