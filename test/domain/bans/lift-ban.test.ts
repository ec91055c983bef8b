import { beforeEach, describe, expect, it } from 'vitest';
import { makeLiftBan, type LiftBan } from '../../../domain/bans/lift-ban.js';
import type { StoredBan } from '../../../domain/bans/ports.js';
import { CountingBanList, InMemoryBanStore } from '../../support/in-memory-bans.js';
import { CountingIds, TestClock } from '../../support/test-ports.js';

const IP = '192.0.2.10';

let clock: TestClock;
let bans: InMemoryBanStore;
let banList: CountingBanList;
let liftBan: LiftBan;

beforeEach(() => {
  clock = new TestClock('2026-03-01T12:00:00.000Z');
  bans = new InMemoryBanStore();
  banList = new CountingBanList();
  liftBan = makeLiftBan({ bans, banList, clock, ids: new CountingIds('audit') });
});

function banOf(ip: string, overrides: Partial<StoredBan> = {}): StoredBan {
  return {
    ip,
    bannedAt: '2026-03-01T11:30:00.000Z',
    bannedUntil: '2026-03-01T12:30:00.000Z',
    offence: 1,
    failures: 5,
    failuresCountFrom: '2026-03-01T11:30:00.001Z',
    sipUsernames: ['admin'],
    ...overrides,
  };
}

describe('lifting a ban', () => {
  it('ends the active ban now, restarts the failure count after now and keeps the offence', async () => {
    bans.bans.set(IP, banOf(IP, { offence: 2 }));

    const outcome = await liftBan(IP, 'reviewer:cred-1');

    expect(outcome).toEqual({ kind: 'lifted', ban: banOf(IP, { offence: 2 }), liftedAt: '2026-03-01T12:00:00.000Z', liftedBy: 'reviewer:cred-1' });
    expect(bans.bans.get(IP)).toMatchObject({
      bannedUntil: '2026-03-01T12:00:00.000Z',
      liftedAt: '2026-03-01T12:00:00.000Z',
      liftedBy: 'reviewer:cred-1',
      liftAuditId: 'audit-1',
      failuresCountFrom: '2026-03-01T12:00:00.001Z',
      offence: 2,
    });
  });

  it('audits who lifted it, with the ban before and after', async () => {
    bans.bans.set(IP, banOf(IP));

    await liftBan(IP, 'reviewer:cred-1');

    expect(bans.audit).toEqual([
      {
        scope: 'carrier',
        id: 'audit-1',
        at: '2026-03-01T12:00:00.000Z',
        actor: 'reviewer:cred-1',
        action: 'ip.unbanned',
        before: { ip: IP, bannedUntil: '2026-03-01T12:30:00.000Z', offence: 1, failures: 5 },
        after: { ip: IP, bannedUntil: '2026-03-01T12:00:00.000Z', offence: 1 },
      },
    ]);
  });

  it('tells the ban list to reload, so the IP is admitted from the next call', async () => {
    bans.bans.set(IP, banOf(IP));
    await liftBan(IP, 'reviewer:cred-1');
    expect(banList.invalidations).toBe(1);
  });

  it('answers not-banned for an IP with no ban, writing nothing', async () => {
    expect(await liftBan('192.0.2.99', 'reviewer:cred-1')).toEqual({ kind: 'not-banned' });
    expect(bans.audit).toEqual([]);
    expect(banList.invalidations).toBe(0);
  });

  it('answers not-banned for a ban that has already ended', async () => {
    bans.bans.set(IP, banOf(IP, { bannedUntil: '2026-03-01T12:00:00.000Z' }));

    expect(await liftBan(IP, 'reviewer:cred-1')).toEqual({ kind: 'not-banned' });
    expect(bans.bans.get(IP)?.liftedAt).toBeUndefined();
  });

  it('answers conflict when the ban changed between the read and the lift, leaving the newer ban in force', async () => {
    bans.bans.set(IP, banOf(IP));
    const extended = banOf(IP, { offence: 2, bannedUntil: '2026-03-01T14:00:00.000Z' });
    bans.beforeNextWrite(async () => {
      bans.bans.set(IP, extended);
    });

    expect(await liftBan(IP, 'reviewer:cred-1')).toEqual({ kind: 'conflict' });
    expect(bans.bans.get(IP)).toEqual(extended);
    expect(bans.audit).toEqual([]);
    expect(banList.invalidations).toBe(0);
  });
});
