import { describe, expect, it, vi } from 'vitest';
import type { Account } from '../../../domain/accounts/account.js';
import { makeListCallsToEnd } from '../../../domain/calls/calls-to-end.js';
import type { LiveCall } from '../../../domain/calls/ledger.js';
import type { DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { accountSnapshot } from '../../support/account-snapshot.js';
import { allowedRecord, internationalAccount } from '../../support/call-records.js';
import { policy } from '../../support/fixtures.js';
import { InMemoryLiveCalls } from '../../support/in-memory-live-calls.js';
import { settableClock } from '../../support/settable-clock.js';

const NOW = '2026-11-29T12:05:00.000Z';
const NOW_MS = Date.parse(NOW);
const DECIDED_AT = '2026-11-29T12:00:00.000Z';
const MARKED_AT = '2026-11-29T12:04:00.000Z';

const live = (callId: string, expiresAtMs = NOW_MS + 60_000): LiveCall => ({ callId, reservedMicros: 90_000, grantedSeconds: 180, expiresAtMs });
/** A call to GB (the fixture's), or to the US. */
const toGb = (callId: string): DecisionRecord => allowedRecord(callId, DECIDED_AT, { maxDurationSeconds: 180, interimSeconds: 150 });
const toUs = (callId: string): DecisionRecord => ({
  ...toGb(callId),
  destination: { e164: '+12125550123', country: 'US', prefix: '1', description: 'US 48 states', ratePerMinute: 0.0045 },
});

interface Seed {
  readonly account: Partial<Account> & { readonly accountId: string };
  readonly calls: readonly LiveCall[];
  /** Marked at MARKED_AT unless false. */
  readonly marked?: boolean;
}

function setUp(accounts: readonly Seed[], records: readonly DecisionRecord[]) {
  const store = new InMemoryLiveCalls({
    accounts: accounts.map(({ account, calls }) => accountSnapshot(internationalAccount(account), { liveCalls: calls })),
    calls: records,
  });
  for (const { account, marked = true } of accounts) if (marked) store.markers.set(account.accountId, { reason: 'TEST', at: MARKED_AT });
  return { store, listCallsToEnd: makeListCallsToEnd({ store, clock: settableClock(NOW) }) };
}

describe('listCallsToEnd', () => {
  it('lists the unexpired live calls of a marked account that must end, and keeps its marker', async () => {
    const { store, listCallsToEnd } = setUp(
      [{ account: { accountId: 'acme', status: 'suspended' }, calls: [live('call-1'), live('call-2'), live('call-old', NOW_MS - 1)] }],
      [toGb('call-1'), toUs('call-2'), toGb('call-old')],
    );

    const calls = await listCallsToEnd();

    expect(calls).toEqual([
      { callId: 'call-1', accountId: 'acme', reason: 'ACCOUNT_SUSPENDED' },
      { callId: 'call-2', accountId: 'acme', reason: 'ACCOUNT_SUSPENDED' },
    ]);
    expect(store.markers.get('acme')).toEqual({ reason: 'TEST', at: MARKED_AT });
  });

  it('lists only the calls to a destination the account blocked, not its other calls', async () => {
    const { listCallsToEnd } = setUp(
      [{ account: { accountId: 'acme', policy: policy({ internationalEnabled: true, blockedCountries: ['GB'] }) }, calls: [live('call-1'), live('call-2')] }],
      [toGb('call-1'), toUs('call-2')],
    );

    expect(await listCallsToEnd()).toEqual([{ callId: 'call-1', accountId: 'acme', reason: 'DESTINATION_BLOCKED' }]);
  });

  it('clears the marker of an account with nothing left to end, and lists nothing of an unmarked one', async () => {
    const { store, listCallsToEnd } = setUp(
      [
        { account: { accountId: 'reactivated' }, calls: [live('call-1')] },
        { account: { accountId: 'unmarked', status: 'suspended' }, calls: [live('call-2')], marked: false },
      ],
      [toGb('call-1'), toGb('call-2')],
    );

    expect(await listCallsToEnd()).toEqual([]);
    expect(store.markers.has('reactivated')).toBe(false);
  });

  it('keeps a marker rewritten by a change that landed after the accounts were read', async () => {
    const { store, listCallsToEnd } = setUp([{ account: { accountId: 'acme' }, calls: [live('call-1')] }], [toGb('call-1')]);
    vi.spyOn(store, 'readAccounts').mockImplementationOnce(async (accountIds) => {
      const read = await InMemoryLiveCalls.prototype.readAccounts.call(store, accountIds);
      await store.markToEnd('acme', 'ACCOUNT_SUSPENDED', '2026-11-29T12:04:59.000Z');
      return read;
    });

    expect(await listCallsToEnd()).toEqual([]);
    expect(store.markers.get('acme')).toEqual({ reason: 'ACCOUNT_SUSPENDED', at: '2026-11-29T12:04:59.000Z' });
  });

  it('reads no account when none is marked', async () => {
    const { store, listCallsToEnd } = setUp([{ account: { accountId: 'acme', status: 'suspended' }, calls: [live('call-1')], marked: false }], [toGb('call-1')]);
    const readAccounts = vi.spyOn(store, 'readAccounts');

    expect(await listCallsToEnd()).toEqual([]);
    expect(readAccounts).not.toHaveBeenCalled();
  });
});
