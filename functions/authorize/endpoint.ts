/**
 * POST /v1/authorize: the switch asks before each outbound call. The answer is always a decision the switch can
 * act on, within TOLLGATE_AUTHORIZE_BUDGET_MS whatever the database does: a schema violation is a 400, an
 * impossible number is a deny with 484, and a database that fails or misses the budget gives the fail mode,
 * decided on what the process holds in memory (domain/policy/degraded-decision.ts), never a 500 that a proxy might
 * treat as "try the next route". Whatever a missed deadline left in flight is withdrawn once the database answers
 * again, so a decision the switch never received never counts as a live call.
 */
import { authorizationRequestSchema } from '../../domain/policy/authorization-request.js';
import {
  makeAuthorizeCall,
  makeDegradedDecision,
  type AuthorizationStore,
  type AuthorizeTrace,
  type DecisionRecord,
  type SentCommit,
} from '../../domain/policy/authorize-call.js';
import { HttpError, httpEndpoint, httpErrors } from '../shared/http.js';
import type { RuntimeConfig } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';

export interface AuthorizePorts {
  readonly authorizeCall: ReturnType<typeof makeAuthorizeCall>;
  readonly decideDegraded: ReturnType<typeof makeDegradedDecision>;
  /** Withdraws in the background what a missed deadline left in flight. */
  readonly withdrawals: Pick<Withdrawals, 'later'>;
  readonly config: Pick<RuntimeConfig, 'authorizeBudgetMs' | 'failMode'>;
  readonly logger: Logger;
}

export function makeAuthorizeEndpoint(ports: AuthorizePorts) {
  return httpEndpoint({ body: authorizationRequestSchema }, async ({ body, principal }) => {
    let record: DecisionRecord;
    let replayed = false;
    let trace: AuthorizeTrace | undefined;
    let degradedBecause: string | undefined;
    if (principal?.unverified) {
      degradedBecause = 'the credential could not be verified';
      record = ports.decideDegraded(body, 'unverified-credential');
    } else {
      const controller = new AbortController();
      const sent: SentCommit[] = [];
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((done) => {
        timer = setTimeout(() => {
          controller.abort();
          done('deadline');
        }, ports.config.authorizeBudgetMs);
      });
      const attempt = ports.authorizeCall(body, { signal: controller.signal, onCommitSent: (round) => sent.push(round) });
      attempt.catch(() => undefined); // once the deadline has answered, a late failure is only logged below
      try {
        const outcome = await Promise.race([attempt, deadline]);
        if (outcome === 'deadline') {
          degradedBecause = `no answer within the ${ports.config.authorizeBudgetMs} ms budget`;
          record = ports.decideDegraded(body, 'unavailable');
        } else {
          trace = outcome.trace;
          if (outcome.kind === 'call-id-conflict') {
            throw httpErrors.conflict(`callId ${body.callId} was already decided for a different call`, [
              { field: 'callId', message: `already used for to=${outcome.existing.request.to} from ${outcome.existing.request.sourceIp}` },
            ]);
          }
          record = outcome.record;
          replayed = outcome.replayed;
        }
      } catch (error) {
        if (error instanceof HttpError) throw error; // the caller's own mistake (a reused callId), not an outage
        degradedBecause = `a dependency failed: ${String(error)}`;
        record = ports.decideDegraded(body, 'unavailable');
      } finally {
        clearTimeout(timer);
      }
      if (degradedBecause) ports.withdrawals.later(sent, record);
    }
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
    return { status: 200, body: toResponseBody(record, replayed) };
  });
}


/**
 * Withdraws, in the background, what missed deadlines left in flight, retrying until the database answers (for up
 * to WITHDRAW_FOR_MS). In Lambda the retries run while the execution environment runs; an environment reclaimed
 * before the database answers leaves the reservation to expire on its own (its grant plus the grace).
 */
export class Withdrawals {
  private pending = 0;

  constructor(
    private readonly store: AuthorizationStore,
    private readonly logger: Logger,
  ) {}

  later(sent: readonly SentCommit[], given: DecisionRecord): void {
    if (this.pending >= MAX_PENDING_WITHDRAWALS) {
      this.logger.error('too many withdrawals pending; this one is left to expire', { callId: given.callId });
      return;
    }
    this.pending += 1;
    void this.run(sent, given).finally(() => (this.pending -= 1));
  }

  private async run(sent: readonly SentCommit[], given: DecisionRecord): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; Date.now() - started < WITHDRAW_FOR_MS; attempt += 1) {
      await new Promise((done) => setTimeout(done, Math.min(30_000, 250 * 2 ** attempt)).unref());
      try {
        const { liveCallsWithdrawn } = await this.store.withdraw(sent, given);
        this.logger.info('degraded decision recorded; anything in flight withdrawn', { callId: given.callId, rounds: sent.length, liveCallsWithdrawn, attempts: attempt + 1 });
        return;
      } catch (error) {
        this.logger.warn('withdrawal not yet possible', { callId: given.callId, attempt: attempt + 1, error: String(error) });
      }
    }
    this.logger.error('withdrawal abandoned: a reservation left in flight will expire on its own', { callId: given.callId });
  }
}

const WITHDRAW_FOR_MS = 10 * 60_000;
const MAX_PENDING_WITHDRAWALS = 10_000;

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
