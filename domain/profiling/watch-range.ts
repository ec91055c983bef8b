/**
 * The range watch's use case, run for each `Unusual Destination Dialled` event (functions/range-watch): record the
 * account against the range (its rate-deck prefix, and the exact number) in its shard of the current window, count
 * the distinct accounts over the sliding window, and restrict the range carrier-wide when they reach the carrier
 * threshold. Idempotent: adding an account to a set twice changes nothing, and the restriction is written once
 * (its condition), so a redelivered event does no harm.
 */
import { CARRIER_SCOPE, type AuditEntry } from '../audit/audit-entry.js';
import type { EventDetail } from '../events/contracts.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import { crosses, distinctAccounts, shardOf, watchedRanges, watchesRate, windowIndex, type RangeWatchSettings } from './range-watch.js';

/** One shard of one window of a range, as stored. */
export interface RangeShard {
  readonly window: number;
  readonly shard: number;
  readonly accounts: readonly string[];
  readonly numbers: readonly string[];
  /** When each account first dialled the range in this window (ISO), where kept. */
  readonly times?: Readonly<Record<string, string>>;
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
  readonly distinctAccounts: number;
  readonly threshold: number;
  readonly windowMinutes: number;
}

/** A restriction as stored: active until a reviewer lifts it. */
export type StoredRangeRestriction = RangeRestriction & { readonly status: 'active' | 'lifted'; readonly liftedAt?: string | undefined };

/** Port: the restrictions as the reviewers' endpoint sees them. */
export interface RangeRestrictions {
  listActive(): Promise<StoredRangeRestriction[]>;
  get(range: string): Promise<StoredRangeRestriction | undefined>;
  /** Lifts an active restriction, audited; false when the range is not restricted. */
  lift(range: string, liftedAt: string, liftedBy: string, audit: AuditEntry): Promise<boolean>;
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
  /** Writes the restriction, its `Range Restricted` event and its audit record at once; false when it already was. */
  restrict(restriction: RangeRestriction, event: EventDetail<'Range Restricted'>, audit: AuditEntry): Promise<boolean>;
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
      const restriction = restrictionOf(range, items, count, settings, new Date(nowMs).toISOString());
      const written = await deps.store.restrict(restriction, restrictedEvent(restriction, deps.ids), auditOf(restriction, deps.ids));
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

function restrictionOf(range: string, items: readonly RangeShard[], count: number, settings: RangeWatchSettings, at: string): RangeRestriction {
  const times: Record<string, string> = {};
  for (const item of items) {
    for (const [account, time] of Object.entries(item.times ?? {})) if (!times[account] || time < times[account]) times[account] = time;
  }
  return {
    range,
    restrictedAt: at,
    accounts: [...new Set(items.flatMap((item) => item.accounts))].sort(),
    numbers: [...new Set(items.flatMap((item) => item.numbers))].sort(),
    times,
    distinctAccounts: count,
    threshold: settings.distinctAccounts,
    windowMinutes: settings.windowMinutes,
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
    after: restriction,
  };
}
