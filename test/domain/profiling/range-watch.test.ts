import { describe, expect, it } from 'vitest';
import { crosses, DEFAULT_RANGE_WATCH, dialledKey, distinctAccounts, fnv1a, matchesRange, parseDialledKey, shardOf, watchedRanges, watchesRate, windowIndex } from '../../../domain/profiling/range-watch.js';

const HOUR = 3_600_000;
const shardSets = (accounts: string[], shards = 8) => {
  const sets = Array.from({ length: shards }, () => new Set<string>());
  for (const account of accounts) sets[shardOf(account, shards)]!.add(account);
  return sets;
};

describe('range watch', () => {
  it('hashes with FNV-1a (the published test vectors)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('puts an account always on the same shard, and spreads many accounts over all of them', () => {
    expect(shardOf('acct-42', 8)).toBe(shardOf('acct-42', 8));
    const used = new Set(Array.from({ length: 200 }, (_, index) => shardOf(`acct-${index}`, 8)));
    expect([...used].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => shardOf('acct-1', 0)).toThrow(RangeError);
  });

  it('counts distinct accounts over the shards: an account counted once however often it dialled', () => {
    const current = shardSets(['a', 'b', 'c', 'a']);
    expect(distinctAccounts(current, [], 10 * HOUR, 60)).toBe(3);
  });

  it('weights the accounts seen only in the previous window by the share of it still in the span', () => {
    const start = 10 * HOUR;
    const previous = shardSets(['a', 'b', 'c', 'd']);
    const current = shardSets(['a', 'e']);
    // At the window's start all of the previous one overlaps: a, e + b, c, d.
    expect(distinctAccounts(current, previous, start, 60)).toBe(5);
    // A quarter through: three quarters of b, c, d.
    expect(distinctAccounts(current, previous, start + HOUR / 4, 60)).toBe(4.25);
    // At the window's end the previous one has slid out.
    expect(distinctAccounts(current, previous, start + HOUR - 1, 60)).toBeCloseTo(2, 1);
  });

  it('crosses at the threshold: with the default 5 the fifth dialer restricts, four do not', () => {
    expect(DEFAULT_RANGE_WATCH.distinctAccounts).toBe(5);
    expect(crosses(4, 5)).toBe(false);
    expect(crosses(4.99, 5)).toBe(false);
    expect(crosses(5, 5)).toBe(true);
  });

  it('aligns windows to the epoch', () => {
    expect(windowIndex(10 * HOUR, 60)).toBe(10);
    expect(windowIndex(11 * HOUR - 1, 60)).toBe(10);
  });

  it('watches the prefix and the exact number, and matches each its own way', () => {
    expect(watchedRanges({ prefix: '23276', e164: '+23276123456' })).toEqual(['23276', '+23276123456']);
    expect(matchesRange('23276', '+23276999999')).toBe(true);
    expect(matchesRange('23276', '+2327', )).toBe(false);
    expect(matchesRange('+23276123456', '+23276123456')).toBe(true);
    expect(matchesRange('+23276123456', '+232761234567')).toBe(false);
  });

  it('keys a dialled number by number and account, and splits any account id back out', () => {
    expect(dialledKey('+23276123456', 'acme')).toBe('+23276123456 acme');
    expect(parseDialledKey(dialledKey('+23276123456', 'pbx one|two'))).toEqual({ number: '+23276123456', accountId: 'pbx one|two' });
    expect(parseDialledKey('no-space')).toBeUndefined();
    expect(parseDialledKey('+23276123456 ')).toBeUndefined();
  });
});

describe('which dials the watch counts', () => {
  it('watches ranges dearer than minRatePerMinute only (0.50 by default), and every range when it is null', () => {
    expect(DEFAULT_RANGE_WATCH.minRatePerMinute).toBe(0.5);
    expect(watchesRate(0.5, 0.55)).toBe(true);
    expect(watchesRate(0.5, 0.5)).toBe(false);
    expect(watchesRate(0.5, 0.11)).toBe(false);
    expect(watchesRate(null, 0.11)).toBe(true);
    // An event published before it carried the rate is watched, as it was then.
    expect(watchesRate(0.5, undefined)).toBe(true);
  });
});
