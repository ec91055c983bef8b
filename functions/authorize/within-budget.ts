/**
 * The answer within TOLLGATE_AUTHORIZE_BUDGET_MS whatever the database does: the decision of the use case if it
 * comes in time, else the fail mode decided on what the process holds in memory (domain/policy/degraded-decision.ts).
 * Whatever a missed deadline left in flight is withdrawn in the background once the database answers again, so a
 * decision the switch never received never counts as a live call.
 */
import type { AuthorizationRequest } from '../../domain/policy/authorization-request.js';
import type { AuthorizeTrace, DecisionRecord, makeAuthorizeCall, makeDegradedDecision, SentCommit } from '../../domain/policy/authorize-call.js';
import type { Withdrawals } from './withdrawals.js';

export type BudgetedDecision =
  | { readonly kind: 'decided'; readonly record: DecisionRecord; readonly replayed: boolean; readonly trace?: AuthorizeTrace; readonly degradedBecause?: string }
  /** The callId was decided before for a different call: the caller's mistake, not an outage. */
  | { readonly kind: 'call-id-conflict'; readonly existing: DecisionRecord };

export interface WithinBudgetPorts {
  readonly authorizeCall: ReturnType<typeof makeAuthorizeCall>;
  readonly decideDegraded: ReturnType<typeof makeDegradedDecision>;
  readonly withdrawals: Pick<Withdrawals, 'later'>;
  readonly budgetMs: number;
}

export function makeDecideWithinBudget(ports: WithinBudgetPorts) {
  const degraded = (request: AuthorizationRequest, because: string): BudgetedDecision => ({
    kind: 'decided',
    record: ports.decideDegraded(request, 'unavailable'),
    replayed: false,
    degradedBecause: because,
  });

  return async function decideWithinBudget(request: AuthorizationRequest, credentialUnverified: boolean): Promise<BudgetedDecision> {
    if (credentialUnverified) {
      return { kind: 'decided', record: ports.decideDegraded(request, 'unverified-credential'), replayed: false, degradedBecause: 'the credential could not be verified' };
    }
    const controller = new AbortController();
    const sent: SentCommit[] = [];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((done) => {
      timer = setTimeout(() => {
        controller.abort();
        done('deadline');
      }, ports.budgetMs);
    });
    const attempt = ports.authorizeCall(request, { signal: controller.signal, onCommitSent: (round) => sent.push(round) });
    attempt.catch(() => undefined); // once the deadline has answered, a late failure only matters to the withdrawal
    let answer: BudgetedDecision;
    try {
      const outcome = await Promise.race([attempt, deadline]);
      if (outcome === 'deadline') answer = degraded(request, `no answer within the ${ports.budgetMs} ms budget`);
      else if (outcome.kind === 'call-id-conflict') return { kind: 'call-id-conflict', existing: outcome.existing };
      else answer = { kind: 'decided', record: outcome.record, replayed: outcome.replayed, trace: outcome.trace };
    } catch (error) {
      answer = degraded(request, `a dependency failed: ${String(error)}`);
    } finally {
      clearTimeout(timer);
    }
    if (answer.kind === 'decided' && answer.degradedBecause) ports.withdrawals.later(sent, answer.record);
    return answer;
  };
}
