/** Reference data the benchmark and the simulator share: the sample rate deck and the starter high-risk list. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseRateDeckCsv, type RateDeckEntry } from '../domain/rate-deck/rate-deck.js';

export const SAMPLE_DECK_PATH = fileURLToPath(new URL('../data/ratedeck-sample.csv', import.meta.url));

/** The list `npm start` loads (functions/local/demo-data.ts): satellite, international networks, premium services. */
export const HIGH_RISK_PREFIXES = ['881', '882', '883', '870', '979'];

export function sampleDeckCsv(): string {
  return readFileSync(SAMPLE_DECK_PATH, 'utf8');
}

export function sampleDeckEntries(): readonly RateDeckEntry[] {
  const parsed = parseRateDeckCsv(sampleDeckCsv());
  if (!parsed.ok) throw new Error(`the sample rate deck does not parse: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  return parsed.entries;
}
