/**
 * In-memory ban ports for use-case tests. The store keeps the adapter's conditions (a ban written only over the ban
 * the writer read, a lift only of the ban still in force), so conflict paths are real: `beforeNextWrite` runs a
 * concurrent writer between a use case's read and its write.
 */
import type { AuditEntry } from '../../domain/audit/audit-entry.js';
import type { PeerMatch, WithheldBan } from '../../domain/bans/known-peer.js';
import type { AuthFailure, BanListCopy, BanState, BanStore, FailureCount, KnownPeerLookup, StoredBan } from '../../domain/bans/ports.js';
import type { EventDetail } from '../../domain/events/contracts.js';

export class InMemoryBanStore implements BanStore {
  readonly bans = new Map<string, StoredBan>();
  readonly withheld = new Map<string, WithheldBan>();
  readonly failures: Array<AuthFailure & { readonly expiresAt: number }> = [];
  readonly bannedEvents: EventDetail<'IP Banned'>[] = [];
  readonly peerEvents: EventDetail<'Known Peer Auth Failures'>[] = [];
  readonly audit: AuditEntry[] = [];
  private concurrentWriter: (() => Promise<void>) | undefined;

  /** Runs `writer` once, just before the next conditional write (ban, withhold, lift) checks its condition. */
  beforeNextWrite(writer: () => Promise<void>): void {
    this.concurrentWriter = writer;
  }

  async get(ip: string): Promise<StoredBan | undefined> {
    return this.bans.get(ip);
  }

  async state(ip: string): Promise<BanState> {
    const ban = this.bans.get(ip);
    const withheld = this.withheld.get(ip);
    return { ...(ban ? { ban } : {}), ...(withheld ? { withheld } : {}) };
  }

  async recordFailure(failure: AuthFailure, expiresAt: number): Promise<void> {
    this.failures.push({ ...failure, expiresAt });
  }

  async countFailuresSince(ip: string, from: string, limit: number): Promise<FailureCount> {
    const counted = this.failures
      .filter((failure) => failure.ip === ip && failure.at >= from)
      .sort((a, b) => `${a.at}#${a.id}`.localeCompare(`${b.at}#${b.id}`))
      .slice(0, limit);
    const distinct = (values: Array<string | undefined>) => [...new Set(values.filter((value): value is string => value !== undefined))];
    return {
      count: counted.length,
      sipUsernames: distinct(counted.map((failure) => failure.sipUsername)).slice(0, 20),
      accountIds: distinct(counted.map((failure) => failure.accountId)),
      failures: counted.map((failure) => ({ at: failure.at, ...(failure.sipUsername !== undefined ? { sipUsername: failure.sipUsername } : {}) })),
    };
  }

  async ban(ban: StoredBan, previous: StoredBan | undefined, _expiresAt: number, event: EventDetail<'IP Banned'>, audit: AuditEntry): Promise<'banned' | 'conflict'> {
    await this.runConcurrentWriter();
    const stored = this.bans.get(ban.ip);
    const unchanged = previous ? stored?.bannedUntil === previous.bannedUntil : stored === undefined;
    if (!unchanged) return 'conflict';
    this.bans.set(ban.ip, ban);
    this.bannedEvents.push(event);
    this.audit.push(audit);
    return 'banned';
  }

  async withhold(
    withheld: WithheldBan,
    previous: WithheldBan | undefined,
    _expiresAt: number,
    events: readonly EventDetail<'Known Peer Auth Failures'>[],
    audit: AuditEntry,
  ): Promise<'withheld' | 'conflict'> {
    await this.runConcurrentWriter();
    const stored = this.withheld.get(withheld.ip);
    const unchanged = previous ? stored?.withheldAt === previous.withheldAt : stored === undefined;
    if (!unchanged) return 'conflict';
    this.withheld.set(withheld.ip, withheld);
    this.peerEvents.push(...events);
    this.audit.push(audit);
    return 'withheld';
  }

  async lift(ban: StoredBan, liftedAt: string, failuresCountFrom: string, liftedBy: string, audit: AuditEntry): Promise<'lifted' | 'conflict'> {
    await this.runConcurrentWriter();
    const stored = this.bans.get(ban.ip);
    if (stored?.bannedUntil !== ban.bannedUntil) return 'conflict';
    this.bans.set(ban.ip, { ...stored, bannedUntil: liftedAt, liftedAt, liftedBy, liftAuditId: audit.id, failuresCountFrom });
    this.audit.push(audit);
    return 'lifted';
  }

  async listActive(now: string): Promise<StoredBan[]> {
    return [...this.bans.values()].filter((ban) => ban.bannedUntil > now).sort((a, b) => a.bannedUntil.localeCompare(b.bannedUntil));
  }

  private async runConcurrentWriter(): Promise<void> {
    const writer = this.concurrentWriter;
    this.concurrentWriter = undefined;
    await writer?.();
  }
}

/** Known peers by IP, as the lookup would find them now; counts the questions asked. */
export class FixedKnownPeers implements KnownPeerLookup {
  questions = 0;

  constructor(private readonly peersByIp: Readonly<Record<string, readonly PeerMatch[]>> = {}) {}

  async protecting(ip: string): Promise<PeerMatch[]> {
    this.questions += 1;
    return [...(this.peersByIp[ip] ?? [])];
  }
}

/** Counts how often the process's ban list was told to forget its copy. */
export class CountingBanList implements BanListCopy {
  invalidations = 0;

  invalidate(): void {
    this.invalidations += 1;
  }
}
