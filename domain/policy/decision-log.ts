/** The per-account access log: every decision, newest first, paged with an opaque cursor. */
import type { DecisionRecord } from './authorize-call.js';

export interface DecisionPage {
  readonly decisions: DecisionRecord[];
  readonly nextCursor: string | null;
}

export interface DecisionLog {
  listForAccount(accountId: string, limit: number, cursor?: string): Promise<DecisionPage>;
}
