/** What the destinations view and the unblock need of storage. */
import type { AuditEntry } from '../audit/audit-entry.js';

/** One row of an account's lifetime destination profile: a country or a dialled prefix. */
export interface ProfileRow {
  readonly dimension: 'country' | 'prefix';
  readonly key: string;
  readonly country: string;
  readonly completedCalls: number;
  readonly minutes: number;
  readonly spend: number;
  readonly firstCompletedAt: string | null;
  readonly lastCompletedAt: string | null;
}

export interface DestinationProfiles {
  profile(accountId: string): Promise<ProfileRow[]>;
  /**
   * Lifts an automatic restriction, audited; a country unblocked becomes known for the account, so the same burst
   * does not restrict it again. False when the destination was not restricted.
   */
  unblock(accountId: string, destination: string, audit: AuditEntry): Promise<boolean>;
}
