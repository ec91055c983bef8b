import { describe, expect, it } from 'vitest';
import { accountResetSchema, makeResetAccount, type AccountResetStore, type ResetWrite } from '../../../domain/accounts/reset-account.js';
import type { AccountSnapshot } from '../../../domain/policy/authorize-call.js';
import { accountSnapshot } from '../../support/account-snapshot.js';
import { account } from '../../support/fixtures.js';
import { CountingIds, TestClock } from '../../support/test-ports.js';

const LIVE = { callId: 'live-1', reservedMicros: 500_000, grantedSeconds: 600, expiresAtMs: Date.parse('2026-11-02T11:00:00Z') };

/** An account book of one account, applying a reset as the adapter's write does (a version check, then the clear). */
class InMemoryResets implements AccountResetStore {
  readonly writes: ResetWrite[] = [];
  /** Versions to bump before the next write (a concurrent change), one per write. */
  concurrentChanges = 0;

  constructor(public snapshot: AccountSnapshot | undefined) {}

  async read() {
    return this.snapshot;
  }

  async reset(_accountId: string, write: ResetWrite) {
    const current = this.snapshot;
    if (!current) return 'not-found' as const;
    if (this.concurrentChanges > 0) {
      this.concurrentChanges -= 1;
      this.snapshot = { ...current, account: { ...current.account, version: current.account.version + 1 } };
      return 'conflict' as const;
    }
    if (current.account.version !== write.expectedVersion) return 'conflict' as const;
    this.writes.push(write);
    const lifted = new Set(write.liftDestinations);
    this.snapshot = {
      account: {
        ...current.account,
        version: current.account.version + 1,
        restrictedDestinations: current.account.restrictedDestinations.filter((entry) => !lifted.has(entry)),
        knownCountries: [...new Set([...current.account.knownCountries, ...write.knownCountries])],
      },
      ledger: write.counters ? { ...current.ledger, allowedCallsByMinute: {}, spendBuckets: { hour: {}, day: {} }, unusualByWindow: {} } : current.ledger,
    };
    return 'reset' as const;
  }
}

function seeded() {
  return accountSnapshot(account({ restrictedDestinations: ['JM', '37069'], knownCountries: ['GB'], version: 7 }), {
    liveCalls: [LIVE],
    allowedCallsByMinute: { 29_000_000: 12 },
    spendBuckets: { hour: { 5_760_000: 4_000_000 }, day: { 480_000: 9_000_000 } },
    unusualByWindow: { 2_900_000: { total: 5, byCountry: { JM: 5 } } },
  });
}

function setup(snapshot: AccountSnapshot | null = seeded()) {
  const store = new InMemoryResets(snapshot ?? undefined);
  const reset = makeResetAccount({ store, clock: new TestClock('2026-11-02T10:00:00Z'), ids: new CountingIds('audit') });
  return { store, reset };
}

describe('resetting an account', () => {
  it('clears the counters only: restrictions, balance and live calls stay', async () => {
    const { store, reset } = setup();

    const outcome = await reset('acme', { counters: true, restrictions: false, note: 'customer confirmed the spike' }, 'reviewer:r1');

    expect(outcome).toMatchObject({ kind: 'reset', liftedDestinations: [], account: { version: 8, restrictedDestinations: ['JM', '37069'] } });
    expect(store.writes[0]).toMatchObject({ expectedVersion: 7, counters: true, liftDestinations: [], knownCountries: [] });
    expect(store.snapshot?.ledger).toMatchObject({ allowedCallsByMinute: {}, spendBuckets: { hour: {}, day: {} }, liveCalls: [LIVE], reservedMicros: 500_000 });
    expect(store.snapshot?.account.balanceMicros).toBe(seeded().account.balanceMicros);
  });

  it('lifts every automatic restriction; a lifted country becomes known, a prefix does not', async () => {
    const { store, reset } = setup();

    const outcome = await reset('acme', { counters: false, restrictions: true, note: 'false positive' }, 'reviewer:r1');

    expect(outcome).toMatchObject({ kind: 'reset', liftedDestinations: ['JM', '37069'], account: { restrictedDestinations: [], knownCountries: ['GB', 'JM'] } });
    expect(store.writes[0]).toMatchObject({ counters: false, liftDestinations: ['JM', '37069'], knownCountries: ['JM'] });
    expect(store.snapshot?.ledger.allowedCallsByMinute).toEqual({ 29_000_000: 12 });
  });

  it('writes the audit record and the event with the write: who, why, what was cleared, the new version', async () => {
    const { store, reset } = setup();

    await reset('acme', { counters: true, restrictions: true, note: 'reviewed' }, 'admin:a1');

    const write = store.writes[0];
    expect(write?.audit).toMatchObject({
      scope: 'acme',
      id: 'audit-1',
      at: '2026-11-02T10:00:00.000Z',
      actor: 'admin:a1',
      action: 'account.reset',
      before: { counters: { allowedCallsByMinute: { 29_000_000: 12 }, spendBuckets: { hour: { 5_760_000: 4_000_000 } } }, restrictedDestinations: ['JM', '37069'] },
      after: { counters: 'cleared', restrictedDestinations: [], note: 'reviewed' },
    });
    expect(write?.audit.before).not.toHaveProperty('counters.liveCalls');
    expect(write?.event).toEqual({
      eventId: 'account-reset:acme:8',
      occurredAt: '2026-11-02T10:00:00.000Z',
      accountId: 'acme',
      resetBy: 'admin:a1',
      counters: true,
      restrictions: true,
      liftedDestinations: ['JM', '37069'],
      note: 'reviewed',
      version: 8,
    });
  });

  it('plans again on the fresh account when the version moved under it', async () => {
    const { store, reset } = setup();
    store.concurrentChanges = 1;

    const outcome = await reset('acme', { counters: true, restrictions: false, note: 'x' }, 'reviewer:r1');

    expect(outcome).toMatchObject({ kind: 'reset', account: { version: 9 } });
    expect(store.writes.map((write) => write.expectedVersion)).toEqual([8]);
  });

  it('gives up with a conflict when the account keeps changing', async () => {
    const { store, reset } = setup();
    store.concurrentChanges = 10;

    expect(await reset('acme', { counters: true, restrictions: false, note: 'x' }, 'reviewer:r1')).toEqual({ kind: 'conflict' });
    expect(store.writes).toEqual([]);
  });

  it('answers not-found for an unknown account', async () => {
    const { reset } = setup(null);

    expect(await reset('ghost', { counters: true, restrictions: true, note: 'x' }, 'reviewer:r1')).toEqual({ kind: 'not-found' });
  });
});

describe('the reset request', () => {
  it('needs a note and at least one of counters, restrictions', () => {
    const nothing = accountResetSchema.safeParse({ note: 'x' });
    const noNote = accountResetSchema.safeParse({ counters: true, note: '  ' });
    const tooLong = accountResetSchema.safeParse({ counters: true, note: 'x'.repeat(1_001) });

    expect(nothing.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['counters']);
    expect(noNote.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['note']);
    expect(tooLong.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['note']);
    expect(accountResetSchema.parse({ restrictions: true, note: ' ok ' })).toEqual({ counters: false, restrictions: true, note: 'ok' });
  });
});
