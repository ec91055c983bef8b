import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../domain/audit/audit-entry.js';
import type { EventDetail } from '../../../domain/events/contracts.js';
import { DEFAULT_RANGE_WATCH, dialledKey } from '../../../domain/profiling/range-watch.js';
import { makeWatchRange, type RangeDialled, type RangeRestriction, type RangeShard, type RangeWatchStore } from '../../../domain/profiling/watch-range.js';
import type { RangeReview } from '../../../domain/reviews/review.js';
import { settableClock } from '../../support/settable-clock.js';

/** The store as DynamoDB keeps it: per range, window and shard, sets of accounts and numbers, first times. */
class InMemoryRangeWatch implements RangeWatchStore {
  readonly items = new Map<
    string,
    { range: string; window: number; shard: number; accounts: Set<string>; numbers: Set<string>; times: Record<string, string>; dialled: Record<string, string> }
  >();
  readonly reviews: RangeReview[] = [];
  readonly restrictions = new Map<string, { restriction: RangeRestriction; status: 'active' | 'lifted'; liftedAt?: string }>();
  readonly events: EventDetail<'Range Restricted'>[] = [];
  readonly audits: AuditEntry[] = [];

  async record(dialled: RangeDialled): Promise<void> {
    const key = `${dialled.range}|${dialled.window}|${dialled.shard}`;
    const item = this.items.get(key) ?? { range: dialled.range, window: dialled.window, shard: dialled.shard, accounts: new Set(), numbers: new Set(), times: {}, dialled: {} };
    item.accounts.add(dialled.accountId);
    item.numbers.add(dialled.number);
    item.times[dialled.accountId] ??= dialled.at;
    item.dialled[dialledKey(dialled.number, dialled.accountId)] ??= dialled.at;
    this.items.set(key, item);
  }

  async shards(range: string, fromWindow: number, toWindow: number): Promise<RangeShard[]> {
    return [...this.items.values()]
      .filter((item) => item.range === range && item.window >= fromWindow && item.window <= toWindow)
      .map((item) => ({ window: item.window, shard: item.shard, accounts: [...item.accounts], numbers: [...item.numbers], times: { ...item.times }, dialled: { ...item.dialled } }));
  }

  async state(range: string) {
    const found = this.restrictions.get(range);
    return { restricted: found?.status === 'active', liftedAt: found?.liftedAt };
  }

  async restrict(restriction: RangeRestriction, review: RangeReview, event: EventDetail<'Range Restricted'>, audit: AuditEntry): Promise<boolean> {
    if (this.restrictions.get(restriction.range)?.status === 'active') return false;
    this.restrictions.set(restriction.range, { restriction, status: 'active' });
    this.reviews.push(review);
    this.events.push(event);
    this.audits.push(audit);
    return true;
  }

  lift(range: string, at: string) {
    const found = this.restrictions.get(range);
    if (found) this.restrictions.set(range, { ...found, status: 'lifted', liftedAt: at });
  }
}

const START = '2026-11-30T10:00:00.000Z';

function setup(settings = DEFAULT_RANGE_WATCH) {
  const store = new InMemoryRangeWatch();
  const clock = settableClock(START);
  let next = 0;
  const watch = makeWatchRange({ store, clock, ids: { newId: () => `id-${++next}` }, settings });
  const dial = (accountId: string, e164 = '+23276123456', prefix = '23276') =>
    watch({ eventId: `e-${accountId}-${e164}`, occurredAt: clock.now().toISOString(), accountId, callId: `c-${accountId}`, prefix, e164, country: 'SL' });
  return { store, clock, watch, dial };
}

describe('watching a range across accounts', () => {
  it('restricts the prefix and the number when the fifth distinct account dials it, with the evidence', async () => {
    const { store, clock, dial } = setup();
    for (const account of ['a1', 'a2', 'a3', 'a4']) {
      const outcomes = await dial(account);
      expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['counted', 'counted']);
      clock.advance(60_000);
    }
    const fifth = await dial('a5');

    expect(fifth).toEqual([
      { range: '23276', distinctAccounts: 5, outcome: 'restricted' },
      { range: '+23276123456', distinctAccounts: 5, outcome: 'restricted' },
    ]);
    const restriction = store.restrictions.get('23276')?.restriction;
    expect(restriction).toMatchObject({ range: '23276', accounts: ['a1', 'a2', 'a3', 'a4', 'a5'], numbers: ['+23276123456'], threshold: 5, windowMinutes: 60 });
    expect(restriction?.times.a1).toBe(START);
    expect(store.events.map((event) => event.range)).toEqual(['23276', '+23276123456']);
    expect(store.audits.every((audit) => audit.scope === 'carrier' && audit.action === 'range.restrict')).toBe(true);
  });

  it('opens one carrier review with each restriction, carrying the accounts, the numbers each dialled and when', async () => {
    const { store, clock, dial } = setup();
    for (const [index, account] of ['a1', 'a2', 'a3', 'a4'].entries()) {
      await dial(account, `+2327612345${index}`);
      clock.advance(60_000);
    }
    await dial('a1', '+23276999999');
    clock.advance(60_000);
    await dial('a5', '+23276123454');

    expect(store.reviews).toHaveLength(1);
    const review = store.reviews[0];
    const restriction = store.restrictions.get('23276')?.restriction;
    expect(restriction?.reviewId).toBe(review?.reviewId);
    expect(review).toMatchObject({ scope: 'carrier', range: '23276', status: 'open', openedAt: '2026-11-30T10:05:00.000Z', version: 1 });
    expect(review?.evidence).toMatchObject({ distinctAccounts: 5, threshold: 5, windowMinutes: 60, restrictedAt: '2026-11-30T10:05:00.000Z' });
    expect(review?.evidence.accounts[0]).toEqual({
      accountId: 'a1',
      firstDialledAt: START,
      numbers: [
        { number: '+23276123450', firstDialledAt: START },
        { number: '+23276999999', firstDialledAt: '2026-11-30T10:04:00.000Z' },
      ],
    });
    expect(review?.evidence.accounts.map((account) => account.accountId)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(review?.evidence.accounts[4]?.numbers).toEqual([{ number: '+23276123454', firstDialledAt: '2026-11-30T10:05:00.000Z' }]);
    expect(store.audits[0]?.after).toMatchObject({ reviewId: review?.reviewId, reviewStatus: 'open' });
  });

  it('opens no second review for a redelivered event or a later dialer of a restricted range', async () => {
    const { store, dial, watch, clock } = setup();
    for (const account of ['a1', 'a2', 'a3', 'a4', 'a5']) await dial(account);
    const redelivered = { eventId: 'e-a5-+23276123456', occurredAt: clock.now().toISOString(), accountId: 'a5', callId: 'c-a5', prefix: '23276', e164: '+23276123456', country: 'SL' };
    expect((await watch(redelivered)).map((outcome) => outcome.outcome)).toEqual(['already-restricted', 'already-restricted']);
    await dial('a6');

    expect(store.reviews.map((review) => review.range)).toEqual(['23276', '+23276123456']);
  });

  it('counts an account once however often it dials, and a redelivered event changes nothing', async () => {
    const { store, dial } = setup();
    for (let attempt = 0; attempt < 10; attempt += 1) await dial('a1');
    for (const account of ['a2', 'a3', 'a4']) await dial(account);
    const again = await dial('a4');

    expect(again[0]).toEqual({ range: '23276', distinctAccounts: 4, outcome: 'counted' });
    expect(store.restrictions.size).toBe(0);
  });

  it('restricts once: later dialers find it restricted already', async () => {
    const { store, dial } = setup();
    for (const account of ['a1', 'a2', 'a3', 'a4', 'a5']) await dial(account);
    const sixth = await dial('a6');

    expect(sixth.map((outcome) => outcome.outcome)).toEqual(['already-restricted', 'already-restricted']);
    expect(store.events).toHaveLength(2);
  });

  it('counts different numbers of one prefix towards the prefix, each number on its own', async () => {
    const { store, dial } = setup();
    for (const [index, account] of ['a1', 'a2', 'a3', 'a4', 'a5'].entries()) await dial(account, `+2327612345${index}`);

    expect(store.restrictions.has('23276')).toBe(true);
    expect([...store.restrictions.keys()].filter((range) => range.startsWith('+'))).toEqual([]);
  });

  it('lets accounts of the previous window fade out of the sliding count', async () => {
    const { store, clock, dial } = setup();
    clock.set('2026-11-30T10:30:00.000Z');
    for (const account of ['a1', 'a2', 'a3']) await dial(account);
    // 45 minutes into the next window: the previous window weighs a quarter; 3 × 0.25 + 2 = 2.75 accounts.
    clock.set('2026-11-30T11:45:00.000Z');
    await dial('a4');
    const outcome = await dial('a5');

    expect(outcome[0]).toEqual({ range: '23276', distinctAccounts: 2.75, outcome: 'counted' });
    expect(store.restrictions.size).toBe(0);
  });

  it('after a lift, counts only accounts that dial it again later', async () => {
    const { store, clock, dial } = setup();
    for (const account of ['a1', 'a2', 'a3', 'a4', 'a5']) await dial(account);
    clock.advance(60_000);
    store.lift('23276', clock.now().toISOString());
    clock.advance(1_000);
    const after = await dial('a6');

    expect(after[0]).toEqual({ range: '23276', distinctAccounts: 1, outcome: 'counted' });
  });

  it('does nothing when the carrier turned it off', async () => {
    const { store, dial } = setup({ ...DEFAULT_RANGE_WATCH, enabled: false });
    for (const account of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']) expect(await dial(account)).toEqual([]);
    expect(store.items.size).toBe(0);
  });
});
