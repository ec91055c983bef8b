/**
 * The range watch's use case, run for each `Unusual Destination Dialled` event (functions/range-watch): record the
 * account against the range (its rate-deck prefix, and the exact number) in its shard of the current window, count
 * the distinct accounts over the sliding window, and restrict the range carrier-wide when they reach the carrier
 * threshold. Idempotent: adding an account to a set twice changes nothing, and the restriction is written once
 * (its condition), so a redelivered event does no harm.
 *
 * The restriction opens a carrier review (domain/reviews/review.ts, `scope: "carrier"`) with its evidence in the same
 * write: neither exists without the other, and the restriction's condition is what makes the review open once.
 */
import { CARRIER_SCOPE, type AuditEntry } from '../audit/audit-entry.js';
import type { EventDetail } from '../events/contracts.js';
import { openRangeReview, type RangeReview, type RangeReviewEvidence } from '../reviews/review.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import { crosses, distinctAccounts, parseDialledKey, shardOf, watchedRanges, watchesRate, windowIndex, type RangeWatchSettings } from './range-watch.js';

/** One shard of one window of a range, as stored. */
export interface RangeShard {
  readonly window: number;
  readonly shard: number;
  readonly accounts: readonly string[];
  readonly numbers: readonly string[];
  /** When each account first dialled the range in this window (ISO), where kept. */
  readonly times?: Readonly<Record<string, string>>;
  /** When each number was first dialled by each account in this window, by `dialledKey(number, account)`, where kept. */
  readonly dialled?: Readonly<Record<string, string>>;
}

/** A range restricted carrier-wide for the accounts to which it is unusual. */
export interface RangeRestriction {
  /** A rate-deck prefix (digits) or an exact number (`+` and digits). */
  readonly range: string;
  readonly restrictedAt: string;
  /** The distinct accounts that dialled it in the window, the numbers they dialled, and when each first did. */
  readonly accounts: readonly string[];
  readonly numbers: readonly string[];
  readonly times: Readonly<Record<string, string>>;
  /** Per account, each number it dialled and when it first did (restrictions written before this was kept have none). */
  readonly dialled?: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;
  readonly distinctAccounts: number;
  readonly threshold: number;
  readonly windowMinutes: number;
  /** The carrier review opened with it (restrictions written before carrier reviews have none). */
  readonly reviewId?: string | undefined;
}

/** A restriction as stored: active until a reviewer lifts it. */
export type StoredRangeRestriction = RangeRestriction & { readonly status: 'active' | 'lifted'; readonly liftedAt?: string | undefined };

/** `review-changed`: the review to close was resolved meanwhile (reload, retry). */
export type LiftOutcome = 'lifted' | 'not-restricted' | 'review-changed';

/** Port: the restrictions as the reviewers' endpoints see them. */
export interface RangeRestrictions {
  listActive(): Promise<StoredRangeRestriction[]>;
  get(range: string): Promise<StoredRangeRestriction | undefined>;
  /**
   * Lifts an active restriction, audited, and closes its carrier review if one is given (`closes`, resolved, only if
   * still open) in the same write.
   */
  lift(range: string, liftedAt: string, liftedBy: string, audit: AuditEntry, closes?: RangeReview): Promise<LiftOutcome>;
}

export interface RangeDialled {
  readonly range: string;
  readonly window: number;
  readonly shard: number;
  readonly accountId: string;
  readonly number: string;
  readonly at: string;
  /** Epoch seconds after which the item may go (two windows). */
  readonly expiresAt: number;
}

/** Port: the range watch's storage. */
export interface RangeWatchStore {
  /** Adds the account and the number to the shard's sets (idempotent). */
  record(dialled: RangeDialled): Promise<void>;
  /** Every shard of the windows from `fromWindow` to `toWindow`, both included. */
  shards(range: string, fromWindow: number, toWindow: number): Promise<RangeShard[]>;
  /** Whether the range is restricted now, and when a reviewer last lifted it (accounts before that are not counted again). */
  state(range: string): Promise<{ readonly restricted: boolean; readonly liftedAt?: string | undefined }>;
  /**
   * Writes the restriction, its carrier review, its `Range Restricted` event and its audit record at once; false
   * (nothing written) when the range already was restricted.
   */
  restrict(restriction: RangeRestriction, review: RangeReview, event: EventDetail<'Range Restricted'>, audit: AuditEntry): Promise<boolean>;
}

export interface WatchRangeDependencies {
  readonly store: RangeWatchStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly settings: RangeWatchSettings;
}

export type WatchRangeOutcome = {
  readonly range: string;
  readonly distinctAccounts: number;
  readonly outcome: 'counted' | 'restricted' | 'already-restricted';
};

export type WatchRange = (event: EventDetail<'Unusual Destination Dialled'>) => Promise<WatchRangeOutcome[]>;

export function makeWatchRange(deps: WatchRangeDependencies): WatchRange {
  const { settings } = deps;
  return async (event) => {
    if (!settings.enabled || !watchesRate(settings.minRatePerMinute, event.ratePerMinute)) return [];
    const dialledAtMs = Date.parse(event.occurredAt);
    const window = windowIndex(dialledAtMs, settings.windowMinutes);
    const shard = shardOf(event.accountId, settings.shards);
    const expiresAt = Math.ceil(((window + 2) * settings.windowMinutes * 60_000) / 1000);
    const outcomes: WatchRangeOutcome[] = [];
    for (const range of watchedRanges(event)) {
      await deps.store.record({ range, window, shard, accountId: event.accountId, number: event.e164, at: event.occurredAt, expiresAt });
      const nowMs = deps.clock.now().getTime();
      const current = windowIndex(nowMs, settings.windowMinutes);
      const [stored, state] = await Promise.all([deps.store.shards(range, current - 1, current), deps.store.state(range)]);
      if (state.restricted) {
        outcomes.push({ range, distinctAccounts: 0, outcome: 'already-restricted' });
        continue;
      }
      const items = state.liftedAt ? stored.map((item) => sinceLift(item, state.liftedAt ?? '')) : stored;
      const setsOf = (w: number) => items.filter((item) => item.window === w).map((item) => new Set(item.accounts));
      const count = distinctAccounts(setsOf(current), setsOf(current - 1), nowMs, settings.windowMinutes);
      if (!crosses(count, settings.distinctAccounts)) {
        outcomes.push({ range, distinctAccounts: count, outcome: 'counted' });
        continue;
      }
      const reviewId = deps.ids.newId();
      const restriction = restrictionOf(range, items, count, settings, new Date(nowMs).toISOString(), reviewId);
      const review = openRangeReview(reviewId, range, rangeEvidenceOf(restriction));
      const written = await deps.store.restrict(restriction, review, restrictedEvent(restriction, deps.ids), auditOf(restriction, deps.ids));
      outcomes.push({ range, distinctAccounts: count, outcome: written ? 'restricted' : 'already-restricted' });
    }
    return outcomes;
  };
}

/** A reviewer lifted the range: the accounts that dialled it before do not count towards restricting it again. */
function sinceLift(item: RangeShard, liftedAt: string): RangeShard {
  const times = item.times ?? {};
  return { ...item, accounts: item.accounts.filter((account) => (times[account] ?? '') > liftedAt) };
}

function restrictionOf(range: string, items: readonly RangeShard[], count: number, settings: RangeWatchSettings, at: string, reviewId: string): RangeRestriction {
  const times: Record<string, string> = {};
  const dialled: Record<string, Record<string, string>> = {};
  for (const item of items) {
    for (const [account, time] of Object.entries(item.times ?? {})) if (!times[account] || time < times[account]) times[account] = time;
    for (const [key, time] of Object.entries(item.dialled ?? {})) {
      const parsed = parseDialledKey(key);
      if (!parsed || !item.accounts.includes(parsed.accountId)) continue;
      const numbers = (dialled[parsed.accountId] ??= {});
      const known = numbers[parsed.number];
      if (!known || time < known) numbers[parsed.number] = time;
    }
  }
  return {
    range,
    restrictedAt: at,
    accounts: [...new Set(items.flatMap((item) => item.accounts))].sort(),
    numbers: [...new Set(items.flatMap((item) => item.numbers))].sort(),
    times,
    dialled,
    distinctAccounts: count,
    threshold: settings.distinctAccounts,
    windowMinutes: settings.windowMinutes,
    reviewId,
  };
}

/** The evidence of a restriction as the reviewer reads it: per account, when it first dialled and each number with its time. */
export function rangeEvidenceOf(restriction: RangeRestriction): RangeReviewEvidence {
  return {
    restrictedAt: restriction.restrictedAt,
    distinctAccounts: restriction.distinctAccounts,
    threshold: restriction.threshold,
    windowMinutes: restriction.windowMinutes,
    accounts: restriction.accounts.map((accountId) => ({
      accountId,
      firstDialledAt: restriction.times[accountId] ?? null,
      numbers: Object.entries(restriction.dialled?.[accountId] ?? {})
        .map(([number, firstDialledAt]) => ({ number, firstDialledAt }))
        .sort((a, b) => a.firstDialledAt.localeCompare(b.firstDialledAt) || a.number.localeCompare(b.number)),
    })),
    numbers: [...restriction.numbers],
  };
}

function restrictedEvent(restriction: RangeRestriction, ids: IdGenerator): EventDetail<'Range Restricted'> {
  return {
    eventId: `range-restricted:${restriction.range}:${ids.newId()}`,
    occurredAt: restriction.restrictedAt,
    range: restriction.range,
    accounts: [...restriction.accounts],
    numbers: [...restriction.numbers],
    distinctAccounts: restriction.distinctAccounts,
    threshold: restriction.threshold,
    windowMinutes: restriction.windowMinutes,
  };
}

function auditOf(restriction: RangeRestriction, ids: IdGenerator): AuditEntry {
  return {
    scope: CARRIER_SCOPE,
    id: ids.newId(),
    at: restriction.restrictedAt,
    actor: 'range-watch',
    action: 'range.restrict',
    before: null,
    after: { ...restriction, reviewStatus: 'open' },
  };
}
