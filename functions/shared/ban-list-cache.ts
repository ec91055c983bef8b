/**
 * The active IP bans, held in memory so the authorize path never waits on the database for them. The first call in
 * a process loads the list; after `refreshMs` a call triggers a background reload and keeps answering from the copy
 * it has. A ban written in this process (the local stack) takes effect at once through `invalidate`; one written by
 * another function takes effect here within `refreshMs`, while switches pulling GET /v1/bans already refuse it.
 */
import { canonicalIp } from '../../domain/bans/ip-ban.js';
import type { BanList } from '../../domain/policy/authorize-call.js';
import type { ActiveBan } from '../../domain/policy/evaluate-call.js';
import type { BanListCopy, BanStore } from '../../domain/bans/ports.js';
import type { Logger } from './logger.js';

interface Loaded {
  readonly bans: ReadonlyMap<string, ActiveBan>;
  readonly loadedAt: number;
}

export class BanListCache implements BanList, BanListCopy {
  private loaded?: Loaded;
  private loading?: Promise<Loaded>;

  constructor(
    private readonly repository: Pick<BanStore, 'listActive'>,
    private readonly refreshMs: number,
    private readonly logger: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async activeBan(ip: string, now: Date): Promise<ActiveBan | undefined> {
    // As the reference data: older than half the period, reload in the background; older than the period, first.
    const age = this.loaded ? this.nowMs() - this.loaded.loadedAt : Number.POSITIVE_INFINITY;
    const loaded = this.loaded && age <= this.refreshMs ? this.loaded : await this.reload();
    if (age > this.refreshMs / 2 && age <= this.refreshMs) {
      this.reload().catch((error: unknown) => this.logger.warn('ban list refresh failed; keeping the copy in memory', { error: String(error) }));
    }
    const ban = loaded.bans.get(canonicalIpOrSelf(ip));
    return ban && Date.parse(ban.bannedUntil) > now.getTime() ? ban : undefined;
  }

  /** The bans held now, whatever their age, for decisions made while the database cannot be reached. */
  lastKnownBan(ip: string, now: Date): ActiveBan | undefined {
    const ban = this.loaded?.bans.get(canonicalIpOrSelf(ip));
    return ban && Date.parse(ban.bannedUntil) > now.getTime() ? ban : undefined;
  }

  /** Loads the list now (at init, ahead of the first call), sharing a load already under way. */
  async load(): Promise<void> {
    await this.reload();
  }

  /** The next call reloads the list before deciding (a ban was just written in this process). */
  invalidate(): void {
    this.loaded = undefined;
  }

  private reload(): Promise<Loaded> {
    this.loading ??= (async () => {
      try {
        const startedAt = this.nowMs();
        const bans = await this.repository.listActive(new Date(startedAt).toISOString());
        const loaded: Loaded = {
          bans: new Map(bans.map((ban) => [ban.ip, { ip: ban.ip, bannedUntil: ban.bannedUntil, failures: ban.failures }])),
          loadedAt: startedAt,
        };
        this.loaded = loaded;
        return loaded;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}

function canonicalIpOrSelf(ip: string): string {
  try {
    return canonicalIp(ip);
  } catch {
    return ip;
  }
}
