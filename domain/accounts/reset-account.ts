/**
 * POST /v1/accounts/{id}/reset (reviewer, admin): a reviewer who has looked at an account clears what automatic
 * protection left on it, its usage counters and/or its automatic restrictions, with a note.
 *
 *  1. Read the account with its live side (strongly consistent).
 *  2. Plan: the counters to clear (velocity, spend, unusual-destination attempts; never the balance, the live calls
 *     or their reservations) and the restrictions to lift (each restricted country becomes known, as the unblock of
 *     one destination does: domain/profiling/destinations.ts).
 *  3. One conditional write at the version read: the clear, the version bumped (every cached copy of the account is
 *     refused at its next write and read again), the audit record and the `Account Reset` event. A concurrent change
 *     of the account fails the write; it is planned again on the fresh account.
 */
import * as z from 'zod';
import type { AuditEntry } from '../audit/audit-entry.js';
import type { AccountLedger } from '../calls/ledger.js';
import type { EventDetail } from '../events/contracts.js';
import type { AccountSnapshot } from '../policy/authorize-call.js';
import { liftRestrictions } from '../profiling/destinations.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import type { Account } from './account.js';

export const RESET_NOTE_MAX_LENGTH = 1_000;

export const accountResetSchema = z
  .object({
    counters: z.boolean().default(false),
    restrictions: z.boolean().default(false),
    note: z.string().trim().min(1, 'is required: say why the account is reset').max(RESET_NOTE_MAX_LENGTH),
  })
  .strict()
  .refine((reset) => reset.counters || reset.restrictions, { path: ['counters'], message: 'counters or restrictions must be true: there is nothing to reset' });
export type AccountResetRequest = z.infer<typeof accountResetSchema>;

/** The usage counters a reset clears: the account's ledger without its money and its live calls (which it keeps). */
export type UsageCounters = Omit<AccountLedger, 'availableMicros' | 'reservedMicros' | 'liveCallCount' | 'liveCalls' | 'settled'>;

export interface ResetWrite {
  /** The version the reset was planned on; the write fails if the account moved since. */
  readonly expectedVersion: number;
  readonly counters: boolean;
  /** Automatic restrictions to lift, and the countries among them that become known for the account. */
  readonly liftDestinations: readonly string[];
  readonly knownCountries: readonly string[];
  readonly audit: AuditEntry;
  readonly event: EventDetail<'Account Reset'>;
}

/** Port: the account's storage as the reset needs it. */
export interface AccountResetStore {
  /** The account and its live side, strongly consistent. */
  read(accountId: string): Promise<AccountSnapshot | undefined>;
  /** The reset in one conditional write (see ResetWrite); 'conflict' when the version moved, 'not-found' when the account is gone. */
  reset(accountId: string, write: ResetWrite): Promise<'reset' | 'conflict' | 'not-found'>;
}

export interface ResetAccountPorts {
  readonly store: AccountResetStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export type ResetAccountOutcome =
  | { readonly kind: 'reset'; readonly account: Account; readonly clearedCounters: UsageCounters | null; readonly liftedDestinations: readonly string[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'conflict' };

const RESET_ATTEMPTS = 3;

export function makeResetAccount(ports: ResetAccountPorts) {
  return async function resetAccount(accountId: string, request: AccountResetRequest, actor: string): Promise<ResetAccountOutcome> {
    for (let attempt = 1; attempt <= RESET_ATTEMPTS; attempt += 1) {
      const snapshot = await ports.store.read(accountId);
      if (!snapshot) return { kind: 'not-found' };
      const { account, ledger } = snapshot;
      const at = ports.clock.now().toISOString();
      const version = account.version + 1;
      const lifting = request.restrictions ? [...account.restrictedDestinations] : [];
      const { remaining, knownCountries } = liftRestrictions(account.restrictedDestinations, lifting);
      const counters = request.counters ? countersOf(ledger) : null;
      const outcome = await ports.store.reset(accountId, {
        expectedVersion: account.version,
        counters: request.counters,
        liftDestinations: lifting,
        knownCountries,
        audit: {
          scope: accountId,
          id: ports.ids.newId(),
          at,
          actor,
          action: 'account.reset',
          before: { ...(counters ? { counters } : {}), ...(request.restrictions ? { restrictedDestinations: account.restrictedDestinations } : {}) },
          after: { counters: request.counters ? 'cleared' : 'kept', restrictedDestinations: remaining, note: request.note },
        },
        event: {
          eventId: `account-reset:${accountId}:${version}`,
          occurredAt: at,
          accountId,
          resetBy: actor,
          counters: request.counters,
          restrictions: request.restrictions,
          liftedDestinations: lifting,
          note: request.note,
          version,
        },
      });
      if (outcome === 'not-found') return { kind: 'not-found' };
      if (outcome === 'reset') {
        const known = [...new Set([...account.knownCountries, ...knownCountries])];
        return { kind: 'reset', account: { ...account, restrictedDestinations: remaining, knownCountries: known, version }, clearedCounters: counters, liftedDestinations: lifting };
      }
    }
    return { kind: 'conflict' };
  };
}

function countersOf(ledger: AccountLedger): UsageCounters {
  const { availableMicros: _available, reservedMicros: _reserved, liveCallCount: _count, liveCalls: _live, settled: _settled, readAtMs: _readAt, ...counters } = ledger;
  return counters;
}
