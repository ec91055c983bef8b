/**
 * Keeps the rate deck and the high-risk list in memory so the authorize path never waits on the database for
 * them. The first call in a process loads them; after `refreshMs` a call triggers a background check of the
 * version pointers and keeps answering from the copy it has until the new one is loaded.
 */
import type { ReferenceData } from '../../domain/policy/authorize-call.js';
import { PrefixSet } from '../../domain/policy/prefix-set.js';
import { RateDeck } from '../../domain/rate-deck/rate-deck.js';
import type { ReferenceDataRepository } from '../adapters/dynamodb/reference-data-repository.js';
import type { Logger } from './logger.js';

interface Cached<T> {
  value: T;
  version: string;
  checkedAt: number;
}

export class ReferenceDataCache implements ReferenceData {
  private deck?: Cached<RateDeck>;
  private highRisk?: Cached<PrefixSet>;
  private deckLoading?: Promise<Cached<RateDeck>>;
  private highRiskLoading?: Promise<Cached<PrefixSet>>;

  constructor(
    private readonly repository: ReferenceDataRepository,
    private readonly refreshMs: number,
    private readonly logger: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async rateDeck(): Promise<RateDeck> {
    if (!this.deck) return (await this.refreshDeck()).value;
    if (this.nowMs() - this.deck.checkedAt > this.refreshMs) this.inBackground(this.refreshDeck(), 'rate deck');
    return this.deck.value;
  }

  async highRiskPrefixes(): Promise<PrefixSet> {
    if (!this.highRisk) return (await this.refreshHighRisk()).value;
    if (this.nowMs() - this.highRisk.checkedAt > this.refreshMs) this.inBackground(this.refreshHighRisk(), 'high-risk list');
    return this.highRisk.value;
  }

  /** Drops the cached copies; the next call reloads (used after an import in the same process). */
  invalidate(): void {
    if (this.deck) this.deck.checkedAt = 0;
    if (this.highRisk) this.highRisk.checkedAt = 0;
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
        const list = await this.repository.loadHighRiskList();
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
