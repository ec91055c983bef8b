/**
 * Carrier-wide range watch: one range, many accounts. A Wangiri wave or an IRSF range hit by several compromised
 * PBXs makes one or two calls per account, so no account crosses its own burst threshold (destination-detection.ts);
 * counted across accounts, the range stands out.
 *
 * Per range (the rate deck's longest prefix, and the exact number) and fixed window, the accounts that dialled it
 * while it was unusual for them are kept as sets spread over `shards` items (an account always lands on the same
 * shard, so the shards' sets are disjoint and their sizes add up). The count used is the same sliding estimate as
 * `slidingCount`: the accounts of the current window, plus those seen only in the previous window weighted by the
 * share of it still inside the sliding span.
 */
import { slidingCount, windowIndex } from './destination-detection.js';

export { DEFAULT_RANGE_WATCH, type RangeWatchSettings } from '../contract/detection-settings.js';
export { windowIndex };

/** FNV-1a (32 bit) of a string: small, deterministic, spreads similar ids well. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The shard an account's membership of a range lives in: always the same for one account. */
export function shardOf(accountId: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
  return fnv1a(accountId) % shards;
}

/** The accounts one window holds for a range, per shard (any order; a missing shard is empty). */
export type ShardedAccounts = readonly ReadonlySet<string>[];

/**
 * The sliding estimate of distinct accounts: every account of the current window counts 1; an account seen only in
 * the previous window counts the share of that window still inside the span ending now.
 */
export function distinctAccounts(current: ShardedAccounts, previous: ShardedAccounts, nowMs: number, windowMinutes: number): number {
  const now = union(current);
  const before = [...union(previous)].filter((account) => !now.has(account)).length;
  return Math.round(slidingCount(now.size, before, nowMs, windowMinutes) * 100) / 100;
}

/**
 * Is a dial at this rate watched? Only ranges dearer than `minRatePerMinute` (see RangeWatchSettings); an event
 * published before the rate was carried is watched.
 */
export function watchesRate(minRatePerMinute: number | null, ratePerMinute: number | undefined): boolean {
  return minRatePerMinute === null || ratePerMinute === undefined || ratePerMinute > minRatePerMinute;
}

/** Has the count reached the threshold? At the default 5, the fifth unusual dialer restricts the range. */
export function crosses(count: number, threshold: number): boolean {
  return count >= threshold;
}

/** The watched keys for a destination: its rate-deck prefix and its exact number (a `+` marks the number). */
export function watchedRanges(destination: { readonly prefix: string; readonly e164: string }): string[] {
  const number = `+${destination.e164.replace(/^\+/, '')}`;
  return [...new Set([destination.prefix, number])];
}

/**
 * The key under which a shard keeps when an account first dialled a number: the number first (`+` and digits, never a
 * space), then the account, so any account id splits back out.
 */
export function dialledKey(number: string, accountId: string): string {
  return `${number} ${accountId}`;
}

export function parseDialledKey(key: string): { readonly number: string; readonly accountId: string } | undefined {
  const space = key.indexOf(' ');
  if (space <= 0 || space === key.length - 1) return undefined;
  return { number: key.slice(0, space), accountId: key.slice(space + 1) };
}

/** Does a dialled number fall in a restricted range? A prefix matches by leading digits, a `+number` exactly. */
export function matchesRange(range: string, e164: string): boolean {
  const digits = e164.replace(/^\+/, '');
  return range.startsWith('+') ? range.slice(1) === digits : digits.startsWith(range);
}

function union(shards: ShardedAccounts): Set<string> {
  const all = new Set<string>();
  for (const shard of shards) for (const account of shard) all.add(account);
  return all;
}
