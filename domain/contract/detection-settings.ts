/**
 * The carrier-wide fraud-detection settings and their defaults, the one source of them: automatic destination
 * restriction (domain/profiling/destination-detection.ts) and IP auto-ban (domain/bans/ip-ban.ts). The functions
 * fall back to these when TOLLGATE_DETECTION and TOLLGATE_BAN_* leave a value out (functions/shared/config.ts), and
 * infra/config.ts gives every stage these values. Plain data, so that infra/ may import it.
 */

/** Automatic destination restriction: what counts as a burst to unusual destinations, and when a country is known. */
export interface DetectionThresholds {
  readonly enabled: boolean;
  readonly windowMinutes: number;
  readonly newDestinationAttempts: number;
  readonly newDestinationTotalAttempts: number;
  /** Completed calls to a country before it counts as known ... */
  readonly knownAfterCompletedCalls: number;
  /** ... and how long after the first completed call (so a same-day IRSF run never makes itself "known") ... */
  readonly knownAfterHours: number;
  /** ... on at least this many distinct UTC days (a drip of a few calls a day takes days, not hours) ... */
  readonly knownAfterDistinctDays: number;
  /**
   * ... and only at a rate per minute up to this: a destination dearer than this (premium and IRSF ranges) never
   * becomes usual by traffic alone, however patient the drip, but only by the customer's whitelist or a reviewer's
   * unblock. null: no rate bound.
   */
  readonly knownMaxRatePerMinute: number | null;
  /**
   * The most one call to an unusual destination may cost (it bounds maxDurationSeconds); null for no bound.
   * The calls of a burst that pass before it is stopped are limited to this each.
   */
  readonly unusualCallMaxCost: number | null;
  /**
   * The most one call to an unusual destination dearer than `knownMaxRatePerMinute` may cost: the premium and IRSF
   * ranges that traffic never makes usual, which is where fraud pays; null: `unusualCallMaxCost` alone. A range
   * several compromised accounts dial once each costs this per account until the range watch restricts it.
   */
  readonly unusualPremiumCallMaxCost: number | null;
  /**
   * What all the account's calls to unusual premium-rate destinations (dearer than `knownMaxRatePerMinute`) may cost
   * together in a sliding 7 days, reserved plus settled (domain/calls/spend-windows.ts, window `unusual`); null for
   * no budget. Each such call is granted at
   * most what is left, and once what is left does not buy the minimum billable time the destination is restricted
   * pending review. It stops what the per-call cap alone only slows: a slow drip one call at a time, and the calls
   * a parallel burst gets through before its attempts cross the burst thresholds.
   */
  readonly unusualPremiumSpendPerWeek: number | null;
}

/** A burst to never-dialled destinations stops within 5 attempts; a single call or a couple of redials pass. */
export const DEFAULT_DETECTION: DetectionThresholds = {
  enabled: true,
  windowMinutes: 10,
  newDestinationAttempts: 4,
  newDestinationTotalAttempts: 5,
  knownAfterCompletedCalls: 3,
  knownAfterHours: 24,
  knownAfterDistinctDays: 3,
  knownMaxRatePerMinute: 0.5,
  unusualCallMaxCost: 2,
  unusualPremiumCallMaxCost: 1,
  unusualPremiumSpendPerWeek: 5,
};

/**
 * Carrier-wide range watch (domain/profiling/range-watch.ts): distinct accounts that dialled one range (the rate
 * deck's prefix, and the exact number) while it was unusual for them, in a sliding window of `windowMinutes`.
 * When they reach `distinctAccounts`, the range is restricted for every account to which it is unusual. The counts
 * are spread over `shards` items per window so that a busy range never makes one hot partition key.
 */
export interface RangeWatchSettings {
  readonly enabled: boolean;
  readonly windowMinutes: number;
  readonly distinctAccounts: number;
  readonly shards: number;
  /**
   * Only ranges dearer than this per minute are watched (null: every range). Cheap ranges are the ones traffic makes
   * usual (`knownMaxRatePerMinute`, the same 0.50 by default), where a popular destination many new customers call
   * looks like a wave (a diaspora carrier's customers calling home every evening), and where fraud does not pay:
   * IRSF and Wangiri numbers are premium-rate. Unusual calls to cheap ranges stay bounded per account (the burst
   * thresholds, the cost cap, the unusual-spend budget).
   */
  readonly minRatePerMinute: number | null;
}

/** The five first unusual dialers of one range in an hour restrict it: the sixth is stopped. */
export const DEFAULT_RANGE_WATCH: RangeWatchSettings = {
  enabled: true,
  windowMinutes: 60,
  distinctAccounts: 5,
  shards: 8,
  minRatePerMinute: 0.5,
};

/** IP auto-ban: failed SIP authentications from one source that ban it, and for how long. */
export interface BanSettings {
  /** Failures inside the window that trigger a ban. */
  readonly threshold: number;
  readonly windowSeconds: number;
  /** The first offence's ban. */
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  /** How long an expired ban still counts as a previous offence. */
  readonly repeatWindowSeconds: number;
}

export const DEFAULT_BAN_SETTINGS: BanSettings = {
  threshold: 5,
  windowSeconds: 600,
  baseSeconds: 3_600,
  maxSeconds: 7 * 86_400,
  repeatWindowSeconds: 30 * 86_400,
};
