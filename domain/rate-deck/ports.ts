/** Carrier-wide reference data as the import endpoints and the authorize path's in-memory copy see it. */
import type { PrefixSet } from '../policy/prefix-set.js';
import type { RateDeck, RateDeckEntry } from './rate-deck.js';

export interface RateDeckVersionInfo {
  readonly version: string;
  readonly entries: number;
  readonly importedAt: string;
  readonly importedBy: string;
}

export interface HighRiskList {
  readonly prefixes: readonly string[];
  readonly updatedAt: string | null;
  readonly version: number;
}

/** Stored versions: a reader sees the old rate deck or the new one, never a mix. */
export interface ReferenceDataStore {
  saveRateDeck(entries: readonly RateDeckEntry[], info: RateDeckVersionInfo): Promise<void>;
  currentRateDeckVersion(): Promise<RateDeckVersionInfo | undefined>;
  loadRateDeck(version: string): Promise<RateDeckEntry[]>;
  saveHighRiskList(prefixes: readonly string[], updatedAt: string, updatedBy: string): Promise<HighRiskList>;
  loadHighRiskList(): Promise<HighRiskList>;
  /** The ranges the range watch restricted carrier-wide (domain/profiling/watch-range.ts), and the list's version. */
  loadRestrictedRanges(): Promise<{ readonly ranges: readonly string[]; readonly version: string }>;
}

/** The process's in-memory copy: an import installs its new version at once. */
export interface ReferenceDataInstaller {
  installRateDeck(deck: RateDeck): void;
  installHighRisk(prefixes: PrefixSet, version: string): void;
}
