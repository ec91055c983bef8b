import { describe, expect, it } from 'vitest';
import {
  banDurationSeconds,
  canonicalIp,
  DEFAULT_BAN_SETTINGS,
  failureWindowStart,
  isBanActive,
  nextOffence,
  planBan,
  type BanRecord,
} from '../../../domain/bans/ip-ban.js';

const settings = { ...DEFAULT_BAN_SETTINGS };
const now = new Date('2026-03-01T12:00:00.000Z');

function ban(overrides: Partial<BanRecord> = {}): BanRecord {
  return {
    ip: '203.0.113.7',
    bannedAt: '2026-03-01T10:00:00.000Z',
    bannedUntil: '2026-03-01T11:00:00.000Z',
    offence: 1,
    failures: 5,
    failuresCountFrom: '2026-03-01T10:00:00.001Z',
    ...overrides,
  };
}

describe('ban duration', () => {
  it('is one hour for a first offence and doubles for each repeat', () => {
    expect([1, 2, 3, 4].map((offence) => banDurationSeconds(offence, settings))).toEqual([3_600, 7_200, 14_400, 28_800]);
  });

  it('is capped at seven days however often the IP offends', () => {
    expect(banDurationSeconds(8, settings)).toBe(460_800);
    expect(banDurationSeconds(9, settings)).toBe(604_800);
    expect(banDurationSeconds(500, settings)).toBe(604_800);
  });
});

describe('repeat offences', () => {
  it('counts a ban that ended inside the repeat window as a previous offence', () => {
    expect(nextOffence(ban({ offence: 2 }), now, settings)).toBe(3);
  });

  it('starts over once the last ban ended longer ago than the repeat window', () => {
    const old = ban({ offence: 4, bannedUntil: '2026-01-01T00:00:00.000Z' });
    expect(nextOffence(old, now, settings)).toBe(1);
  });

  it('plans the second ban for two hours from now', () => {
    expect(planBan(ban(), now, settings)).toMatchObject({ offence: 2, durationSeconds: 7_200, bannedAt: now.toISOString(), bannedUntil: '2026-03-01T14:00:00.000Z' });
  });
});

describe('failure window', () => {
  it('is the last ten minutes when nothing answered failures recently', () => {
    expect(failureWindowStart(undefined, now, settings)).toBe('2026-03-01T11:50:00.000Z');
  });

  it('starts after a ban that ended inside the window, so its failures are not counted twice', () => {
    const recent = ban({ failuresCountFrom: '2026-03-01T11:55:00.001Z' });
    expect(failureWindowStart(recent, now, settings)).toBe('2026-03-01T11:55:00.001Z');
  });

  it('treats a ban as active only before bannedUntil', () => {
    expect(isBanActive(ban({ bannedUntil: '2026-03-01T12:00:00.001Z' }), now)).toBe(true);
    expect(isBanActive(ban({ bannedUntil: now.toISOString() }), now)).toBe(false);
  });
});

describe('canonical IP spelling', () => {
  it('writes IPv6 in RFC 5952 form and IPv4-mapped addresses as IPv4', () => {
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(canonicalIp('203.0.113.7')).toBe('203.0.113.7');
  });
});
