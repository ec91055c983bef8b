import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BAN_SETTINGS } from '../../../domain/bans/ip-ban.js';
import { makeReportAuthFailure, type AuthFailureReport, type ReportAuthFailureOutcome } from '../../../domain/bans/report-auth-failure.js';
import { CountingBanList, FixedKnownPeers, InMemoryBanStore } from '../../support/in-memory-bans.js';
import { CountingIds, TestClock } from '../../support/test-ports.js';

const settings = DEFAULT_BAN_SETTINGS; // 5 failures in 600 s; 1 h, doubling per repeat offence
const ATTACKER = '192.0.2.10';
const PEER = '198.51.100.20';
const peers = { [PEER]: [{ accountId: 'acme', allowedEntry: '198.51.100.0/24' }, { accountId: 'wide', allowedEntry: '198.51.0.0/16' }] };

let clock: TestClock;
let bans: InMemoryBanStore;
let banList: CountingBanList;
let knownPeers: FixedKnownPeers;
let report: (input: Partial<AuthFailureReport> & { sourceIp: string }) => Promise<ReportAuthFailureOutcome>;

beforeEach(() => {
  clock = new TestClock('2026-03-01T12:00:00.000Z');
  bans = new InMemoryBanStore();
  banList = new CountingBanList();
  knownPeers = new FixedKnownPeers(peers);
  const reportAuthFailure = makeReportAuthFailure({ bans, banList, knownPeers, settings, clock, ids: new CountingIds() });
  report = (input) => reportAuthFailure({ reportedBy: 'switch:sw-1', ...input });
});

/** `count` failures one second apart; the last outcome. */
async function reportFailures(sourceIp: string, count: number, extra: Partial<AuthFailureReport> = {}) {
  let last: ReportAuthFailureOutcome | undefined;
  for (let index = 0; index < count; index += 1) {
    last = await report({ sourceIp, sipUsername: `user${index}`, ...extra });
    clock.advanceSeconds(1);
  }
  return last;
}

describe('reporting failed authentications below the threshold', () => {
  it('records each failure and counts it, banning nothing', async () => {
    const outcomes = [];
    for (let index = 0; index < 4; index += 1) outcomes.push(await report({ sourceIp: ATTACKER, sipUsername: 'acme' }));

    expect(outcomes.map((outcome) => [outcome.kind, outcome.failuresInWindow])).toEqual([['counted', 1], ['counted', 2], ['counted', 3], ['counted', 4]]);
    expect(bans.bans.size).toBe(0);
    expect(bans.failures).toHaveLength(4);
    expect(bans.failures[0]).toMatchObject({ ip: ATTACKER, sipUsername: 'acme', reportedBy: 'switch:sw-1', at: '2026-03-01T12:00:00.000Z' });
    expect(knownPeers.questions).toBe(0);
  });

  it('keeps a failure until it can no longer fall inside a window, plus an hour', async () => {
    await report({ sourceIp: ATTACKER });
    expect(bans.failures[0]?.expiresAt).toBe(Date.parse('2026-03-01T12:00:00.000Z') / 1000 + 600 + 3_600);
  });

  it('does not count failures that fell out of the window', async () => {
    await reportFailures(ATTACKER, 4);
    clock.advanceSeconds(11 * 60);
    expect(await report({ sourceIp: ATTACKER })).toEqual({ kind: 'counted', ip: ATTACKER, failuresInWindow: 1 });
  });

  it('counts one address under one spelling', async () => {
    await report({ sourceIp: '2001:DB8::0:1' });
    expect(await report({ sourceIp: '2001:db8::1' })).toMatchObject({ kind: 'counted', ip: '2001:db8::1', failuresInWindow: 2 });
  });
});

describe('banning at the threshold', () => {
  it('bans on the fifth failure for the first offence, with the failures that earned it', async () => {
    await reportFailures(ATTACKER, 4);
    const fifth = await report({ sourceIp: ATTACKER, sipUsername: 'user4' });

    expect(fifth).toMatchObject({ kind: 'banned', ip: ATTACKER, failuresInWindow: 5 });
    const ban = bans.bans.get(ATTACKER);
    expect(ban).toMatchObject({ offence: 1, bannedAt: clock.isoIn(0), bannedUntil: clock.isoIn(3_600), failures: 5, threshold: 5, windowSeconds: 600 });
    expect(ban?.failureLog?.map((failure) => failure.sipUsername)).toEqual(['user0', 'user1', 'user2', 'user3', 'user4']);
    expect(ban?.sipUsernames).toEqual(['user0', 'user1', 'user2', 'user3', 'user4']);
  });

  it('writes IP Banned and a carrier audit record with the ban, and tells the ban list to reload', async () => {
    await reportFailures(ATTACKER, 5);

    expect(bans.bannedEvents).toEqual([
      { eventId: `ip-banned:${ATTACKER}:2026-03-01T12:00:04.000Z`, occurredAt: '2026-03-01T12:00:04.000Z', accountId: null, ip: ATTACKER, bannedUntil: '2026-03-01T13:00:04.000Z', failures: 5, offence: 1 },
    ]);
    expect(bans.audit).toEqual([
      expect.objectContaining({ scope: 'carrier', action: 'ip.banned', actor: 'system:auto-ban (reported by switch:sw-1)', before: null, after: expect.objectContaining({ ip: ATTACKER, offence: 1, failures: 5 }) }),
    ]);
    expect(banList.invalidations).toBe(1);
  });

  it('names the account of the counted failures when they name one, and none when they differ', async () => {
    await reportFailures(ATTACKER, 4, { accountId: 'acme' });
    await reportFailures(ATTACKER, 1);
    await reportFailures('192.0.2.11', 3, { accountId: 'acme' });
    await reportFailures('192.0.2.11', 1, { accountId: 'other' });
    await reportFailures('192.0.2.11', 1);

    expect(bans.bans.get(ATTACKER)?.accountId).toBe('acme');
    expect(bans.bans.get('192.0.2.11')?.accountId).toBeUndefined();
    expect(bans.bannedEvents.map((event) => event.accountId)).toEqual(['acme', null]);
  });

  it('answers a report from a banned IP with its ban at once, recording and counting nothing', async () => {
    await reportFailures(ATTACKER, 5);
    const recorded = bans.failures.length;

    const outcome = await report({ sourceIp: ATTACKER });

    expect(outcome).toMatchObject({ kind: 'already-banned', failuresInWindow: 5, ban: { offence: 1, bannedUntil: '2026-03-01T13:00:04.000Z' } });
    expect(bans.failures).toHaveLength(recorded);
    expect(bans.bannedEvents).toHaveLength(1);
    expect(banList.invalidations).toBe(1);
  });

  it('doubles the ban for a repeat offence, counting only failures after the first ban', async () => {
    await reportFailures(ATTACKER, 5);
    clock.advanceSeconds(3_600);

    expect(await report({ sourceIp: ATTACKER })).toMatchObject({ kind: 'counted', failuresInWindow: 1 });
    clock.advanceSeconds(1);
    const second = await reportFailures(ATTACKER, 4);

    expect(second).toMatchObject({ kind: 'banned', ban: { offence: 2 } });
    const ban = bans.bans.get(ATTACKER);
    expect(Date.parse(ban!.bannedUntil) - Date.parse(ban!.bannedAt)).toBe(2 * 3_600_000);
    expect(bans.audit[1]).toMatchObject({ action: 'ip.banned', before: { bannedUntil: '2026-03-01T13:00:04.000Z', offence: 1 } });
  });

  it('answers with the concurrent ban when another report banned the IP first, writing nothing of its own', async () => {
    await reportFailures(ATTACKER, 4);
    const concurrent = { ip: ATTACKER, bannedAt: clock.isoIn(0), bannedUntil: clock.isoIn(3_600), offence: 1, failures: 5, failuresCountFrom: clock.isoIn(0.001), sipUsernames: ['other'] };
    bans.beforeNextWrite(async () => {
      bans.bans.set(ATTACKER, concurrent);
    });

    const outcome = await report({ sourceIp: ATTACKER });

    expect(outcome).toEqual({ kind: 'already-banned', ip: ATTACKER, ban: concurrent, failuresInWindow: 5 });
    expect(bans.bannedEvents).toEqual([]);
    expect(bans.audit).toEqual([]);
    expect(banList.invalidations).toBe(0);
  });

  it('fails when its ban conflicted but no active ban is to be found', async () => {
    await reportFailures(ATTACKER, 4);
    bans.beforeNextWrite(async () => {
      bans.bans.set(ATTACKER, { ip: ATTACKER, bannedAt: clock.isoIn(-7_200), bannedUntil: clock.isoIn(-3_600), offence: 1, failures: 5, failuresCountFrom: clock.isoIn(-7_200), sipUsernames: [] });
    });

    await expect(report({ sourceIp: ATTACKER })).rejects.toThrow(`ban of ${ATTACKER} conflicted but no active ban was found`);
    expect(bans.bannedEvents).toEqual([]);
  });
});

describe('a known peer at the threshold', () => {
  it('is never banned: each protecting account is flagged with the evidence', async () => {
    const outcome = await reportFailures(PEER, 5);

    expect(outcome).toEqual({ kind: 'withheld', ip: PEER, knownPeerOf: ['acme', 'wide'], failuresInWindow: 5, flagged: true });
    expect(bans.bans.size).toBe(0);
    expect(banList.invalidations).toBe(0);
    expect(bans.peerEvents.map((event) => [event.accountId, event.evidence.allowedEntry, event.evidence.failures])).toEqual([
      ['acme', '198.51.100.0/24', 5],
      ['wide', '198.51.0.0/16', 5],
    ]);
    expect(bans.withheld.get(PEER)).toMatchObject({ accountIds: ['acme', 'wide'], failures: 5, quietUntil: '2026-03-01T12:10:04.000Z' });
    expect(bans.audit).toEqual([expect.objectContaining({ scope: 'carrier', action: 'ip.ban-withheld', before: null })]);
  });

  it('flags the accounts once per quiet window while the failures go on, then again after it', async () => {
    await reportFailures(PEER, 5);
    const during = await reportFailures(PEER, 10);
    expect(during).toMatchObject({ kind: 'withheld', failuresInWindow: 5, flagged: false });
    expect(bans.peerEvents).toHaveLength(2);

    clock.advanceSeconds(600);
    const after = await reportFailures(PEER, 5);

    expect(after).toMatchObject({ kind: 'withheld', flagged: true });
    expect(bans.peerEvents).toHaveLength(4);
    expect(bans.audit[1]).toMatchObject({ action: 'ip.ban-withheld', before: { withheldAt: '2026-03-01T12:00:04.000Z', accountIds: ['acme', 'wide'] } });
  });

  it('does not flag again when a concurrent report flagged the accounts first', async () => {
    await reportFailures(PEER, 4);
    bans.beforeNextWrite(async () => {
      bans.withheld.set(PEER, { ip: PEER, withheldAt: clock.isoIn(0), quietUntil: clock.isoIn(600), accountIds: ['acme', 'wide'], failures: 5 });
    });

    const outcome = await report({ sourceIp: PEER });

    expect(outcome).toMatchObject({ kind: 'withheld', flagged: false, knownPeerOf: ['acme', 'wide'] });
    expect(bans.peerEvents).toEqual([]);
    expect(bans.audit).toEqual([]);
  });
});
