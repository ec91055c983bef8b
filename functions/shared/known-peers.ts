/**
 * "Which active accounts allow this IP?" for the auth-failures path, asked only when failures reach the ban
 * threshold. The peer index is read whole and kept in memory for `TOLLGATE_PEER_INDEX_CACHE_SECONDS` (10 s by
 * default): a repeated question (a peer that keeps failing) costs no index read, and an address added to a policy
 * protects its IP within that time in every process. The matching accounts are then read consistently on every
 * question, so a suspension, or an address removed from a policy, counts at once.
 */
import { accountsAllowing, protectingPeers, type PeerIndexEntry, type PeerMatch } from '../../domain/bans/known-peer.js';
import type { KnownPeerLookup, PeerIndex } from '../../domain/bans/ports.js';

export class KnownPeers implements KnownPeerLookup {
  private cached: { readonly entries: readonly PeerIndexEntry[]; readonly readAtMs: number } | undefined;
  private reading: Promise<readonly PeerIndexEntry[]> | undefined;

  constructor(
    private readonly index: PeerIndex,
    private readonly cacheMs: number,
    private readonly nowMs: () => number,
  ) {}

  /** The active accounts whose current policy allows `ip`, each with the allow-list entry that matched. */
  async protecting(ip: string): Promise<PeerMatch[]> {
    const candidates = accountsAllowing(ip, await this.entries());
    if (candidates.length === 0) return [];
    const current = await this.index.currentStates(candidates.map((candidate) => candidate.accountId));
    return protectingPeers(ip, candidates, current);
  }

  private async entries(): Promise<readonly PeerIndexEntry[]> {
    const now = this.nowMs();
    if (this.cached && now - this.cached.readAtMs < this.cacheMs) return this.cached.entries;
    // Concurrent reports at the threshold share one read of the index.
    this.reading ??= this.index.readAll().then(
      (entries) => {
        this.cached = { entries, readAtMs: now };
        this.reading = undefined;
        return entries;
      },
      (error: unknown) => {
        this.reading = undefined;
        throw error;
      },
    );
    return this.reading;
  }
}
