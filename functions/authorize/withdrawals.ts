import type { AuthorizationStore, DecisionRecord, SentCommit } from '../../domain/policy/authorize-call.js';
import type { Logger } from '../shared/logger.js';

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
