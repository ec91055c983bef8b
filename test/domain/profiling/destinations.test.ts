import { describe, expect, it } from 'vitest';
import type { Account } from '../../../domain/accounts/account.js';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';
import { EMPTY_LEDGER, type UnusualAttempts } from '../../../domain/calls/ledger.js';
import { windowIndex } from '../../../domain/profiling/destination-detection.js';
import { makeDescribeDestinations, makeUnblockDestination } from '../../../domain/profiling/destinations.js';
import type { ProfileRow } from '../../../domain/profiling/ports.js';
import { account } from '../../support/fixtures.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const WINDOW_MINUTES = 10;

function row(dimension: 'country' | 'prefix', key: string, completedCalls: number): ProfileRow {
  return { dimension, key, country: key.slice(0, 2), completedCalls, minutes: completedCalls, spend: 0, firstCompletedAt: null, lastCompletedAt: null };
}

function ports(stored: Account | undefined, restricted = new Set<string>()) {
  const audit: AuditEntry[] = [];
  const current = windowIndex(NOW, WINDOW_MINUTES);
  const unusualByWindow: Record<number, UnusualAttempts> = { [current]: { total: 2, byCountry: { FR: 2 } }, [current - 1]: { total: 1, byCountry: { DE: 1 } } };
  return {
    audit,
    ports: {
      accounts: { get: async (accountId: string) => (stored?.accountId === accountId ? stored : undefined) },
      profiles: {
        profile: async () => [row('country', 'US', 3), row('prefix', '1212', 2), row('country', 'GB', 9)],
        async unblock(_accountId: string, destination: string, entry: AuditEntry) {
          if (!restricted.delete(destination)) return false;
          audit.push(entry);
          return true;
        },
      },
      liveCalls: {
        readAccount: async () => stored && { account: stored, ledger: { ...EMPTY_LEDGER, unusualByWindow } },
      },
      windowMinutes: WINDOW_MINUTES,
      clock: { now: () => new Date(NOW) },
      ids: { newId: () => 'audit-1' },
    },
  };
}

describe('describeDestinations', () => {
  it('orders the profile by completed calls and shows unusual attempts of this window and the last', async () => {
    const { ports: p } = ports(account({ accountId: 'acme', restrictedDestinations: ['FR'] }));
    const described = await makeDescribeDestinations(p)('acme');
    expect(described?.countries.map((entry) => entry.key)).toEqual(['GB', 'US']);
    expect(described?.prefixes.map((entry) => entry.key)).toEqual(['1212']);
    expect(described?.unusualAttempts).toEqual({ windowMinutes: 10, currentWindow: { FR: 2 }, previousWindow: { DE: 1 } });
    expect(described?.restrictedDestinations).toEqual(['FR']);
  });

  it('answers undefined for an account that does not exist', async () => {
    expect(await makeDescribeDestinations(ports(undefined).ports)('ghost')).toBeUndefined();
  });
});

describe('unblockDestination', () => {
  it('lifts an automatic restriction with an audit record of before and after', async () => {
    const { ports: p, audit } = ports(account({ accountId: 'acme', restrictedDestinations: ['FR', 'DE'] }), new Set(['FR', 'DE']));
    expect(await makeUnblockDestination(p)('acme', 'FR', 'reviewer:r1')).toEqual({ kind: 'unblocked', restrictedDestinations: ['DE'] });
    expect(audit).toEqual([
      expect.objectContaining({ scope: 'acme', actor: 'reviewer:r1', action: 'destination.unblock', before: { restrictedDestinations: ['FR', 'DE'] }, after: { restrictedDestinations: ['DE'] } }),
    ]);
  });

  it('answers not-restricted for a destination that is not, and account-not-found for a missing account', async () => {
    const { ports: p, audit } = ports(account({ accountId: 'acme' }));
    expect(await makeUnblockDestination(p)('acme', 'FR', 'reviewer:r1')).toEqual({ kind: 'not-restricted' });
    expect(await makeUnblockDestination(p)('ghost', 'FR', 'reviewer:r1')).toEqual({ kind: 'account-not-found' });
    expect(audit).toEqual([]);
  });
});
