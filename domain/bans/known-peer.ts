/**
 * Known peers: a source IP that an active account allows (`policy.allowedIps`, addresses or CIDR blocks) is that
 * customer's own PBX or SBC. Failed SIP authentications from it are most often one misconfigured phone behind it,
 * and banning the address would lock out every account that calls from there. So a known peer is never banned
 * automatically: its failures are recorded, and at the ban threshold each account that allows it is flagged for
 * review instead, at most once per failure window while the failures go on.
 */
import { ACCOUNT_STATUSES, type AccountStatus } from '../accounts/account.js';
import type { PeerAuthFailureEvidence } from '../events/contracts.js';
import { findMatchingEntry } from '../policy/ip-allowlist.js';
import type { BanSettings } from './ip-ban.js';

/** One account's allowed sources, as the peer index holds them. */
export interface PeerIndexEntry {
  readonly accountId: string;
  readonly allowedIps: readonly string[];
}

/** An account that allows a source IP, and the allow-list entry (address or CIDR) that matched. */
export interface PeerMatch {
  readonly accountId: string;
  readonly allowedEntry: string;
}

/** An account as read at the moment of the decision: its status and its current allow-list. */
export interface PeerAccountState {
  readonly status: AccountStatus | 'unreadable';
  readonly allowedIps: readonly string[];
}

export function accountsAllowing(ip: string, entries: readonly PeerIndexEntry[]): PeerMatch[] {
  const matches: PeerMatch[] = [];
  for (const entry of entries) {
    const allowedEntry = findMatchingEntry(ip, entry.allowedIps);
    if (allowedEntry !== undefined) matches.push({ accountId: entry.accountId, allowedEntry });
  }
  return matches;
}

/**
 * The candidates that protect `ip` now: the account is active and its current policy still allows the address.
 * The index may lag a policy change by its cache time; the accounts' own items, read at the moment, do not.
 * A suspended, under-review, missing or unreadable account protects nothing.
 */
export function protectingPeers(ip: string, candidates: readonly PeerMatch[], current: ReadonlyMap<string, PeerAccountState>): PeerMatch[] {
  return candidates.flatMap((candidate) => {
    const state = current.get(candidate.accountId);
    if (state?.status !== 'active') return [];
    const allowedEntry = findMatchingEntry(ip, state.allowedIps);
    return allowedEntry === undefined ? [] : [{ accountId: candidate.accountId, allowedEntry }];
  });
}

export function accountStatusOf(value: unknown): AccountStatus | 'unreadable' {
  return ACCOUNT_STATUSES.find((status) => status === value) ?? 'unreadable';
}

/** What is stored when failures from a known peer reach the threshold and the ban is withheld. */
export interface WithheldBan {
  readonly ip: string;
  readonly withheldAt: string;
  /** Until then, further failures from the IP are recorded but flag no account again. */
  readonly quietUntil: string;
  readonly accountIds: readonly string[];
  readonly failures: number;
}

export function isFlagQuiet(withheld: Pick<WithheldBan, 'quietUntil'> | undefined, now: Date): boolean {
  return withheld !== undefined && Date.parse(withheld.quietUntil) > now.getTime();
}

export function planWithheldBan(ip: string, peers: readonly PeerMatch[], failures: number, now: Date, settings: BanSettings): WithheldBan {
  return {
    ip,
    withheldAt: now.toISOString(),
    quietUntil: new Date(now.getTime() + settings.windowSeconds * 1000).toISOString(),
    accountIds: peers.map((peer) => peer.accountId),
    failures,
  };
}

/** One reported failure as the evidence shows it. */
export interface FailureSeen {
  readonly at: string;
  readonly sipUsername?: string;
}

export function peerAuthFailureEvidence(ip: string, peer: PeerMatch, failures: readonly FailureSeen[], now: Date, settings: BanSettings): PeerAuthFailureEvidence {
  const times = failures.map((failure) => failure.at).sort();
  return {
    rule: 'known-peer-auth-failures',
    ip,
    allowedEntry: peer.allowedEntry,
    failures: failures.length,
    sipUsernames: [...new Set(failures.flatMap((failure) => (failure.sipUsername ? [failure.sipUsername] : [])))].slice(0, 20),
    window: { seconds: settings.windowSeconds, firstFailureAt: times[0] ?? now.toISOString(), lastFailureAt: times[times.length - 1] ?? now.toISOString() },
    threshold: settings.threshold,
  };
}
