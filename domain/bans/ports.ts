/**
 * What the ban use cases need of the world, owned here: the ban store (bans, withheld bans and the failure log),
 * the question "which active accounts protect this IP", and the process's in-memory ban list. Adapters implement
 * them; a use case names the methods it calls (`Pick<BanStore, 'get' | 'lift'>`) and a test hands it fakes.
 */
import type { AuditEntry } from '../audit/audit-entry.js';
import type { EventDetail } from '../events/contracts.js';
import type { BanRecord } from './ip-ban.js';
import type { FailureSeen, PeerAccountState, PeerIndexEntry, PeerMatch, WithheldBan } from './known-peer.js';

export interface StoredBan extends BanRecord {
  /** SIP usernames tried in the failures that led to the ban (evidence for the operator). */
  readonly sipUsernames: readonly string[];
  readonly accountId?: string;
  /** The failures that earned the ban, and the rule in force then (absent on bans written before they were kept). */
  readonly failureLog?: readonly FailureSeen[];
  readonly threshold?: number;
  readonly windowSeconds?: number;
  /** The carrier audit record written when the ban was lifted. */
  readonly liftAuditId?: string;
}

/** What is stored about an IP: its latest ban and the ban withheld from it as a known peer, either or both. */
export interface BanState {
  readonly ban?: StoredBan;
  readonly withheld?: WithheldBan;
}

export interface AuthFailure {
  readonly ip: string;
  readonly at: string;
  readonly id: string;
  readonly sipUsername?: string;
  readonly accountId?: string;
  readonly reportedBy: string;
}

export interface FailureCount {
  /** Failures counted, at most the limit asked for. */
  readonly count: number;
  readonly sipUsernames: readonly string[];
  readonly accountIds: readonly string[];
  /** Each counted failure's time and username, oldest first. */
  readonly failures: readonly FailureSeen[];
}

/**
 * Bans, withheld bans and failures. Every write that changes a ban is conditional on the state the caller read
 * (`previous`, `ban.bannedUntil`) and carries its event and audit record in the same write: `conflict` means another
 * writer changed the state meanwhile and nothing was written.
 */
export interface BanStore {
  get(ip: string): Promise<StoredBan | undefined>;
  /** The ban and the withheld ban of an IP, read together and consistently. */
  state(ip: string): Promise<BanState>;
  /** Stores one failure; `expiresAt` (epoch seconds) is when it can no longer fall inside a window. */
  recordFailure(failure: AuthFailure, expiresAt: number): Promise<void>;
  /** The failures from `from` on (ISO time), at most `limit` of them. */
  countFailuresSince(ip: string, from: string, limit: number): Promise<FailureCount>;
  ban(ban: StoredBan, previous: StoredBan | undefined, expiresAt: number, event: EventDetail<'IP Banned'>, audit: AuditEntry): Promise<'banned' | 'conflict'>;
  withhold(
    withheld: WithheldBan,
    previous: WithheldBan | undefined,
    expiresAt: number,
    events: readonly EventDetail<'Known Peer Auth Failures'>[],
    audit: AuditEntry,
  ): Promise<'withheld' | 'conflict'>;
  /** Ends an active ban at `liftedAt`; failures before `failuresCountFrom` no longer count. */
  lift(ban: StoredBan, liftedAt: string, failuresCountFrom: string, liftedBy: string, audit: AuditEntry): Promise<'lifted' | 'conflict'>;
  /** Every ban whose end is after `now` (ISO time). */
  listActive(now: string): Promise<StoredBan[]>;
}

/** "Which active accounts allow this IP, now?": each with the allow-list entry that matched. */
export interface KnownPeerLookup {
  protecting(ip: string): Promise<PeerMatch[]>;
}

/** The accounts' allowed sources as indexed, and the accounts' current state, for a KnownPeerLookup to combine. */
export interface PeerIndex {
  readAll(): Promise<PeerIndexEntry[]>;
  currentStates(accountIds: readonly string[]): Promise<Map<string, PeerAccountState>>;
}

/** The process's copy of the active bans: after a ban or a lift it must forget its copy, so the next call reloads. */
export interface BanListCopy {
  invalidate(): void;
}
