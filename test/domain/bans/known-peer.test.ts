import { describe, expect, it } from 'vitest';
import { DEFAULT_BAN_SETTINGS } from '../../../domain/bans/ip-ban.js';
import { accountsAllowing, isFlagQuiet, peerAuthFailureEvidence, planWithheldBan, protectingPeers, type PeerAccountState } from '../../../domain/bans/known-peer.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const index = [
  { accountId: 'acme', allowedIps: ['198.51.100.0/24', '2001:db8::/32'] },
  { accountId: 'solo', allowedIps: ['203.0.113.7'] },
  { accountId: 'wide', allowedIps: ['198.51.0.0/16'] },
];

describe('accounts allowing an IP', () => {
  it('finds every account whose allowed addresses or CIDRs contain the IP, with the entry that matched', () => {
    expect(accountsAllowing('198.51.100.20', index)).toEqual([
      { accountId: 'acme', allowedEntry: '198.51.100.0/24' },
      { accountId: 'wide', allowedEntry: '198.51.0.0/16' },
    ]);
    expect(accountsAllowing('203.0.113.7', index)).toEqual([{ accountId: 'solo', allowedEntry: '203.0.113.7' }]);
  });

  it('matches IPv6 and IPv4-mapped spellings, and nothing for an unknown address', () => {
    expect(accountsAllowing('2001:db8::9', index).map((match) => match.accountId)).toEqual(['acme']);
    expect(accountsAllowing('::ffff:203.0.113.7', index).map((match) => match.accountId)).toEqual(['solo']);
    expect(accountsAllowing('192.0.2.1', index)).toEqual([]);
  });
});

describe('peers that protect an IP now', () => {
  const candidates = accountsAllowing('198.51.100.20', index);

  it('keeps only active accounts whose current policy still allows the IP', () => {
    const current = new Map<string, PeerAccountState>([
      ['acme', { status: 'active', allowedIps: ['198.51.100.0/24'] }],
      ['wide', { status: 'active', allowedIps: ['10.0.0.0/8'] }],
    ]);
    expect(protectingPeers('198.51.100.20', candidates, current)).toEqual([{ accountId: 'acme', allowedEntry: '198.51.100.0/24' }]);
  });

  it('lets a suspended, under-review, unreadable or missing account protect nothing', () => {
    for (const status of ['suspended', 'under_review', 'unreadable'] as const) {
      const current = new Map<string, PeerAccountState>([['acme', { status, allowedIps: ['198.51.100.0/24'] }]]);
      expect(protectingPeers('198.51.100.20', candidates, current)).toEqual([]);
    }
    expect(protectingPeers('198.51.100.20', candidates, new Map())).toEqual([]);
  });
});

describe('a withheld ban', () => {
  const peer = { accountId: 'acme', allowedEntry: '198.51.100.0/24' };

  it('keeps the IP quiet for one failure window', () => {
    const withheld = planWithheldBan('198.51.100.20', [peer], 5, now, DEFAULT_BAN_SETTINGS);
    expect(withheld).toEqual({ ip: '198.51.100.20', withheldAt: '2026-03-01T12:00:00.000Z', quietUntil: '2026-03-01T12:10:00.000Z', accountIds: ['acme'], failures: 5 });
    expect(isFlagQuiet(withheld, new Date('2026-03-01T12:09:59.999Z'))).toBe(true);
    expect(isFlagQuiet(withheld, new Date('2026-03-01T12:10:00.000Z'))).toBe(false);
    expect(isFlagQuiet(undefined, now)).toBe(false);
  });

  it('carries the evidence a reviewer needs: failures, distinct usernames, the window and the threshold', () => {
    const failures = [
      { at: '2026-03-01T11:58:00.000Z', sipUsername: '101' },
      { at: '2026-03-01T11:55:00.000Z', sipUsername: '100' },
      { at: '2026-03-01T11:59:00.000Z', sipUsername: '101' },
      { at: '2026-03-01T11:59:30.000Z' },
    ];
    expect(peerAuthFailureEvidence('198.51.100.20', peer, failures, now, DEFAULT_BAN_SETTINGS)).toEqual({
      rule: 'known-peer-auth-failures',
      ip: '198.51.100.20',
      allowedEntry: '198.51.100.0/24',
      failures: 4,
      sipUsernames: ['101', '100'],
      window: { seconds: 600, firstFailureAt: '2026-03-01T11:55:00.000Z', lastFailureAt: '2026-03-01T11:59:30.000Z' },
      threshold: 5,
    });
  });
});
