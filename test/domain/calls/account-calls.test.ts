import { describe, expect, it } from 'vitest';
import { makeListAccountCalls } from '../../../domain/calls/account-calls.js';
import { EMPTY_LEDGER, type AccountLedger, type LiveCall } from '../../../domain/calls/ledger.js';
import type { LiveCallStore, StoredCall } from '../../../domain/calls/ports.js';
import type { AccountSnapshot, DecisionRecord } from '../../../domain/policy/authorize-call.js';
import type { Destination } from '../../../domain/policy/decision.js';
import { account, policy } from '../../support/fixtures.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const clock = { now: () => new Date(NOW) };

const FR: Destination = { e164: '+33612345678', country: 'FR', prefix: '336', description: 'France mobile', ratePerMinute: 0.05 };
const DE: Destination = { e164: '+4915112345678', country: 'DE', prefix: '4915', description: 'Germany mobile', ratePerMinute: 0.06 };

function liveCall(callId: string, overrides: Partial<LiveCall> = {}): LiveCall {
  return { callId, reservedMicros: 150_000, grantedSeconds: 180, expiresAtMs: NOW + 60_000, ...overrides };
}

/** Only what the listing reads of a decision record: where the call goes and when it was decided. */
function stored(destination: Destination, decidedAt: string): StoredCall {
  return { record: { destination, decidedAt } as DecisionRecord, completion: undefined };
}

function inMemoryStore(snapshot: AccountSnapshot | undefined, calls: Record<string, StoredCall>): Pick<LiveCallStore, 'readAccount' | 'loadCalls'> {
  return {
    readAccount: async (accountId) => (snapshot?.account.accountId === accountId ? snapshot : undefined),
    loadCalls: async (callIds) => new Map(callIds.flatMap((callId) => (calls[callId] ? [[callId, calls[callId]] as const] : []))),
  };
}

describe('listAccountCalls', () => {
  const ledger = (liveCalls: LiveCall[]): AccountLedger => ({ ...EMPTY_LEDGER, liveCalls, liveCallCount: liveCalls.length });

  it('lists the unexpired live calls with where each goes and sums their reservations', async () => {
    const snapshot = { account: account({ accountId: 'acme' }), ledger: ledger([liveCall('a'), liveCall('b', { reservedMicros: 90_000 }), liveCall('gone', { expiresAtMs: NOW - 1 })]) };
    const list = makeListAccountCalls({ store: inMemoryStore(snapshot, { a: stored(FR, '2026-11-29T11:59:00.000Z'), b: stored(DE, '2026-11-29T11:59:30.000Z') }), clock });

    const listed = await list('acme');

    expect(listed?.calls.map((call) => [call.callId, call.destination?.country, call.authorizedAt, call.toEnd])).toEqual([
      ['a', 'FR', '2026-11-29T11:59:00.000Z', null],
      ['b', 'DE', '2026-11-29T11:59:30.000Z', null],
    ]);
    expect(listed?.reservedMicros).toBe(240_000);
    expect(listed?.calls[0]?.expiresAt).toBe(new Date(NOW + 60_000).toISOString());
  });

  it('marks a call to a country the account now blocks as one to end', async () => {
    const snapshot = { account: account({ accountId: 'acme', policy: policy({ blockedCountries: ['DE'] }) }), ledger: ledger([liveCall('a'), liveCall('b')]) };
    const list = makeListAccountCalls({ store: inMemoryStore(snapshot, { a: stored(FR, '2026-11-29T11:59:00.000Z'), b: stored(DE, '2026-11-29T11:59:00.000Z') }), clock });

    const listed = await list('acme');

    expect(listed?.calls.map((call) => [call.callId, call.toEnd])).toEqual([
      ['a', null],
      ['b', 'DESTINATION_BLOCKED'],
    ]);
  });

  it('still lists a live call whose decision record is missing, and ends it when the account is suspended', async () => {
    const snapshot = { account: account({ accountId: 'acme', status: 'suspended' }), ledger: ledger([liveCall('orphan')]) };
    const list = makeListAccountCalls({ store: inMemoryStore(snapshot, {}), clock });

    const listed = await list('acme');

    expect(listed?.calls).toEqual([expect.objectContaining({ callId: 'orphan', destination: null, authorizedAt: null, toEnd: 'ACCOUNT_SUSPENDED' })]);
  });

  it('answers undefined for an account that does not exist', async () => {
    const list = makeListAccountCalls({ store: inMemoryStore(undefined, {}), clock });
    expect(await list('nobody')).toBeUndefined();
  });
});
