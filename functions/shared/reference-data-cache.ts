/**
 * Keeps the rate deck and the high-risk list in memory so the authorize path does not wait on the database for
 * them, and no call is decided on a copy checked more than `refreshMs` ago:
 *  - a copy older than half of `refreshMs` answers the call and is re-checked in the background (the version
 *    pointers; the data is loaded only when the version moved), so busy processes never wait;
 *  - a copy older than `refreshMs` (a process idle or frozen for a while) is re-checked before the call is decided;
 *  - an import in this process installs the new copy at once (`installRateDeck`, `installHighRisk`).
 */
import type { ReferenceData } from '../../domain/policy/authorize-call.js';
import { PrefixSet } from '../../domain/policy/prefix-set.js';
import { RateDeck } from '../../domain/rate-deck/rate-deck.js';
import type { ReferenceDataInstaller, ReferenceDataStore } from '../../domain/rate-deck/ports.js';
import type { Logger } from './logger.js';

interface Cached<T> {
  value: T;
  version: string;
  checkedAt: number;
}

export class ReferenceDataCache implements ReferenceData, ReferenceDataInstaller {
  private deck?: Cached<RateDeck>;
  private highRisk?: Cached<PrefixSet>;
  private deckLoading?: Promise<Cached<RateDeck>>;
  private highRiskLoading?: Promise<Cached<PrefixSet>>;
  /** The carrier's restricted ranges, loaded and refreshed with the high-risk list (one refresh for both carrier lists). */
  private ranges?: readonly string[];

  constructor(
    private readonly repository: ReferenceDataStore,
    private readonly refreshMs: number,
    private readonly logger: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async rateDeck(): Promise<RateDeck> {
    return (await this.fresh(this.deck, () => this.refreshDeck(), 'rate deck')).value;
  }

  async highRiskPrefixes(): Promise<PrefixSet> {
    return (await this.fresh(this.highRisk, () => this.refreshHighRisk(), 'high-risk list')).value;
  }

  async restrictedRanges(): Promise<readonly string[]> {
    await this.fresh(this.highRisk, () => this.refreshHighRisk(), 'high-risk list');
    return this.ranges ?? [];
  }

  /** The copies held now, whatever their age, for decisions made while the database cannot be reached. */
  lastKnown(): { readonly rateDeck: RateDeck | undefined; readonly highRiskPrefixes: PrefixSet | undefined; readonly restrictedRanges: readonly string[] | undefined } {
    return { rateDeck: this.deck?.value, highRiskPrefixes: this.highRisk?.value, restrictedRanges: this.ranges };
  }

  /** A range restricted or lifted in this process: the next decision reloads the list first. */
  invalidateRestrictedRanges(): void {
    if (this.highRisk) this.highRisk.checkedAt = Number.NEGATIVE_INFINITY;
  }

  /** An import in this process: the very next call is decided on it. */
  installRateDeck(deck: RateDeck): void {
    this.deck = { value: deck, version: deck.version, checkedAt: this.nowMs() };
  }

  installHighRisk(prefixes: PrefixSet, version: string): void {
    this.highRisk = { value: prefixes, version, checkedAt: this.nowMs() };
  }

  private async fresh<T>(copy: Cached<T> | undefined, refresh: () => Promise<Cached<T>>, what: string): Promise<Cached<T>> {
    const age = copy ? this.nowMs() - copy.checkedAt : Number.POSITIVE_INFINITY;
    if (!copy || age > this.refreshMs) return refresh();
    if (age > this.refreshMs / 2) this.inBackground(refresh(), what);
    return copy;
  }

  private refreshDeck(): Promise<Cached<RateDeck>> {
    this.deckLoading ??= (async () => {
      try {
        const pointer = await this.repository.currentRateDeckVersion();
        const version = pointer?.version ?? 'none';
        if (this.deck && this.deck.version === version) {
          this.deck.checkedAt = this.nowMs();
          return this.deck;
        }
        const entries = pointer ? await this.repository.loadRateDeck(pointer.version) : [];
        this.deck = { value: new RateDeck(entries, version), version, checkedAt: this.nowMs() };
        this.logger.info('rate deck loaded', { version, entries: entries.length });
        return this.deck;
      } finally {
        this.deckLoading = undefined;
      }
    })();
    return this.deckLoading;
  }

  private refreshHighRisk(): Promise<Cached<PrefixSet>> {
    this.highRiskLoading ??= (async () => {
      try {
        const [list, ranges] = await Promise.all([this.repository.loadHighRiskList(), this.repository.loadRestrictedRanges()]);
        this.ranges = ranges.ranges;
        const version = String(list.version);
        if (this.highRisk && this.highRisk.version === version) {
          this.highRisk.checkedAt = this.nowMs();
          return this.highRisk;
        }
        this.highRisk = { value: new PrefixSet(list.prefixes), version, checkedAt: this.nowMs() };
        return this.highRisk;
      } finally {
        this.highRiskLoading = undefined;
      }
    })();
    return this.highRiskLoading;
  }

  private inBackground(promise: Promise<unknown>, what: string): void {
    promise.catch((error: unknown) => this.logger.warn(`could not refresh the ${what}; keeping the cached copy`, { error: String(error) }));
  }
}
