/**
 * Automatic destination restriction: spot a burst to destinations the account does not usually call, and stop it
 * on the attempt that crosses the threshold.
 *
 * A destination country is "usual" for an account when it is the home country, whitelisted, or known from the
 * account's history (enough completed calls over long enough: see `knownCountry`). Attempts to other countries
 * are counted per account in fixed windows; the count used is a sliding-window estimate (current window plus the
 * previous window weighted by how much of it still overlaps), the same approximation rate limiters use.
 *
 * Two triggers, either restricts the destination of the current attempt:
 *  - attempts to this one unusual country reach `newDestinationAttempts` (a burst to one premium range);
 *  - attempts to all unusual countries together reach `newDestinationTotalAttempts` (a spray over many).
 * With the defaults (4 and 5 in 10 minutes) a burst is stopped by its 5th attempt at the latest, while a single
 * call or a couple of redials to a new country pass.
 *
 * A third trigger bounds what the calls that pass may cost together, whatever their pace: the account's calls to
 * unusual premium-rate destinations (dearer than `knownMaxRatePerMinute`: never learned from traffic) share
 * `unusualPremiumSpendPerWeek` (reserved plus settled in a sliding 7 days). Each is granted at most what is left
 * (and the per-call cap, `unusualCallCostCap`); once something is spent, the attempt that finds less left than its
 * shortest billable call restricts its destination. A drip one call at a time under the burst thresholds, or the
 * calls a parallel burst gets through before its attempts are counted, stop there.
 */
import type { DetectionThresholds } from '../contract/detection-settings.js';

// The settings and their defaults live with the other carrier-wide defaults infra/ hands the functions.
export { DEFAULT_DETECTION, type DetectionThresholds } from '../contract/detection-settings.js';

/**
 * Carrier defaults, overridden by the account's policy.autoRestriction for the switch and the attempt
 * thresholds. The window length stays carrier-wide: the counters are keyed by it.
 */
export function resolveThresholds(
  carrier: DetectionThresholds,
  account: {
    readonly enabled?: boolean;
    readonly newDestinationAttempts?: number | undefined;
    readonly newDestinationTotalAttempts?: number | undefined;
    readonly unusualCallMaxCost?: number | undefined;
  },
): DetectionThresholds {
  return {
    ...carrier,
    enabled: carrier.enabled && account.enabled !== false,
    newDestinationAttempts: account.newDestinationAttempts ?? carrier.newDestinationAttempts,
    newDestinationTotalAttempts: account.newDestinationTotalAttempts ?? carrier.newDestinationTotalAttempts,
    unusualCallMaxCost: account.unusualCallMaxCost ?? carrier.unusualCallMaxCost,
  };
}

/**
 * The most one call to an unusual destination may cost at this rate: `unusualCallMaxCost`, and for a range dearer
 * than `knownMaxRatePerMinute` (premium, IRSF: never learned from traffic) `unusualPremiumCallMaxCost` if lower.
 * null: no bound.
 */
export function unusualCallCostCap(thresholds: DetectionThresholds, ratePerMinute: number): number | null {
  return lowerCost(thresholds.unusualCallMaxCost, isPremiumRate(thresholds, ratePerMinute) ? thresholds.unusualPremiumCallMaxCost : null);
}

/**
 * A premium rate: dearer than `knownMaxRatePerMinute`, the ranges traffic never makes usual (premium, IRSF), where
 * fraud pays. Their unusual calls are capped lower and share the weekly budget; cheaper ones are learned with time.
 */
export function isPremiumRate(thresholds: Pick<DetectionThresholds, 'knownMaxRatePerMinute'>, ratePerMinute: number): boolean {
  return thresholds.knownMaxRatePerMinute !== null && ratePerMinute > thresholds.knownMaxRatePerMinute;
}

/** The lower of two cost bounds, null meaning none. */
export function lowerCost(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

/** Fixed-window index for an instant; windows are aligned to the epoch. */
export function windowIndex(epochMs: number, windowMinutes: number): number {
  return Math.floor(epochMs / (windowMinutes * 60_000));
}

/** Sliding estimate from two fixed windows: all of the current one and the overlapping share of the previous one. */
export function slidingCount(current: number, previous: number, epochMs: number, windowMinutes: number): number {
  const windowMs = windowMinutes * 60_000;
  const elapsedFraction = (epochMs % windowMs) / windowMs;
  return current + previous * (1 - elapsedFraction);
}

/** Attempts per unusual country in the current and previous windows, this attempt included. */
export interface DestinationActivity {
  readonly current: Readonly<Record<string, number>>;
  readonly previous: Readonly<Record<string, number>>;
  /**
   * Attempts to all unusual countries together, as counted when each was made (a country that became usual since
   * still counts). When absent, the sum over the countries still unusual.
   */
  readonly currentTotal?: number;
  readonly previousTotal?: number;
}

export interface DestinationAssessmentInput extends UsualDestinationFacts {
  readonly country: string;
  /** The rate of the call being assessed: a learned country's premium ranges stay unusual (isUsualDestination). */
  readonly ratePerMinute: number;
  readonly activity: DestinationActivity;
  readonly thresholds: DetectionThresholds;
  readonly nowMs: number;
  /** Reserved plus settled spend on calls to unusual destinations in the sliding 7 days (the `unusual` window); absent: 0. */
  readonly unusualSpent?: number | undefined;
  /** What the shortest billable call to this destination costs: a budget that leaves less is spent; absent: 0. */
  readonly minimumCallCost?: number;
}

export type DestinationAssessment =
  | {
      readonly restrict: false;
      readonly unusual: boolean;
      /** What the unusual-spend budget leaves for this call (an unusual destination with a budget); null: no bound. */
      readonly unusualSpendLeft: number | null;
    }
  | {
      readonly restrict: true;
      readonly trigger: 'destination-burst' | 'new-destination-spray' | 'unusual-spend';
      readonly attemptsToDestination: number;
      readonly unusualAttempts: number;
      readonly unusualCountries: readonly string[];
      /** The budget's spend as seen (trigger `unusual-spend`). */
      readonly unusualSpent?: number;
    };

export function isUsualCountry(country: string, input: Pick<DestinationAssessmentInput, 'homeCountry' | 'whitelist' | 'knownCountries'>): boolean {
  return country === input.homeCountry || input.whitelist.includes(country) || input.knownCountries.includes(country);
}

/** What makes a destination usual for an account (see usualDestination). */
export interface UsualDestinationFacts {
  readonly homeCountry: string;
  readonly whitelist: readonly string[];
  /** Countries the account's traffic made known (settlement, `knownCountry`) or a reviewer confirmed. */
  readonly knownCountries: readonly string[];
  /** Countries a reviewer confirmed by lifting a restriction: usual at any rate. */
  readonly confirmedCountries: readonly string[];
}

/** The facts of an account that make a destination usual for it. */
export function usualFactsOf(account: {
  readonly homeCountry: string;
  readonly policy: { readonly whitelistCountries: readonly string[] };
  readonly knownCountries: readonly string[];
  readonly confirmedCountries?: readonly string[] | undefined;
}): UsualDestinationFacts {
  return { homeCountry: account.homeCountry, whitelist: account.policy.whitelistCountries, knownCountries: account.knownCountries, confirmedCountries: account.confirmedCountries ?? [] };
}

/**
 * Is a call to `country` at `ratePerMinute` usual for the account? Home, whitelisted (the customer's own word) and
 * reviewer-confirmed countries are, at any rate. A country learned from traffic is usual only at rates up to
 * `knownMaxRatePerMinute`: its premium ranges (LT's +3709 at 0.88/min next to its 0.02/min fixed lines) stay
 * unusual, so the cost cap and burst detection keep applying to them however well the account knows the country.
 */
export function isUsualDestination(country: string, ratePerMinute: number, facts: UsualDestinationFacts, knownMaxRatePerMinute: number | null): boolean {
  if (country === facts.homeCountry || facts.whitelist.includes(country) || facts.confirmedCountries.includes(country)) return true;
  return facts.knownCountries.includes(country) && (knownMaxRatePerMinute === null || ratePerMinute <= knownMaxRatePerMinute);
}

export function assessDestination(input: DestinationAssessmentInput): DestinationAssessment {
  const unusual = !isUsualDestination(input.country, input.ratePerMinute, input, input.thresholds.knownMaxRatePerMinute);
  if (!input.thresholds.enabled || !unusual) return { restrict: false, unusual, unusualSpendLeft: null };
  const { windowMinutes } = input.thresholds;
  const countries = new Set([...Object.keys(input.activity.current), ...Object.keys(input.activity.previous)].filter((country) => !isUsualCountry(country, input)));
  const attemptsTo = (country: string) =>
    slidingCount(input.activity.current[country] ?? 0, input.activity.previous[country] ?? 0, input.nowMs, windowMinutes);
  const attemptsToDestination = round2(attemptsTo(input.country));
  const unusualAttempts =
    input.activity.currentTotal !== undefined
      ? round2(slidingCount(input.activity.currentTotal, input.activity.previousTotal ?? 0, input.nowMs, windowMinutes))
      : round2([...countries].reduce((sum, country) => sum + attemptsTo(country), 0));
  const unusualCountries = [...countries].sort();
  if (attemptsToDestination >= input.thresholds.newDestinationAttempts) {
    return { restrict: true, trigger: 'destination-burst', attemptsToDestination, unusualAttempts, unusualCountries };
  }
  if (unusualAttempts >= input.thresholds.newDestinationTotalAttempts) {
    return { restrict: true, trigger: 'new-destination-spray', attemptsToDestination, unusualAttempts, unusualCountries };
  }
  // The budget is for premium ranges: a cheap destination called often (a diaspora customer calling home every
  // evening) becomes usual with time, and must not spend a budget meant for what never does.
  const budget = isPremiumRate(input.thresholds, input.ratePerMinute) ? input.thresholds.unusualPremiumSpendPerWeek : null;
  if (budget === null) return { restrict: false, unusual, unusualSpendLeft: null };
  const unusualSpent = Math.round((input.unusualSpent ?? 0) * 1e6) / 1e6;
  const left = Math.round((budget - unusualSpent) * 1e6) / 1e6;
  // Spent: nothing left, or something spent and too little left for this destination's shortest call. A first
  // unusual call whose shortest call alone costs more than the whole budget is not a spent budget: its grant is
  // bounded by the budget like any other's.
  if (left <= 0 || (unusualSpent > 0 && left < (input.minimumCallCost ?? 0))) {
    return { restrict: true, trigger: 'unusual-spend', attemptsToDestination, unusualAttempts, unusualCountries, unusualSpent };
  }
  return { restrict: false, unusual, unusualSpendLeft: left };
}

/**
 * How many attempts the current window may already hold for one more to stay under `threshold` (the sliding
 * estimate, rounded as assessDestination rounds it): one more passes exactly when the count before it is below the
 * returned number. It is the bound a conditional write checks, so that however many attempts arrive together, no
 * more pass than would pass one at a time.
 */
export function attemptsAllowedBefore(threshold: number, previous: number, nowMs: number, windowMinutes: number): number {
  const crosses = (before: number) => round2(slidingCount(before + 1, previous, nowMs, windowMinutes)) >= threshold;
  let before = Math.max(0, Math.floor(threshold - 1 - previous) - 1);
  while (!crosses(before)) before += 1;
  return before;
}

/** An account's completed calls to one country, as its destination profile holds them. */
export interface CountryHistory {
  readonly completedCalls: number;
  readonly firstCompletedAtMs: number;
  /** Distinct UTC days with a completed call to the country. */
  readonly distinctDays: number;
}

/**
 * Has the account's history with a country earned it "known" status? Decided when a call to it completes, at the
 * rate of that call. The evidence must be costly to fake: enough completed calls, spread over several distinct
 * days, the first long enough ago, and at a rate no dearer than `knownMaxRatePerMinute` (a premium range is never
 * learned: only the customer's whitelist or a reviewer makes it usual). A drip of one call a day to a premium range
 * therefore never teaches the profile; a cheap country called on three days does.
 */
export function knownCountry(history: CountryHistory, ratePerMinute: number, nowMs: number, thresholds: DetectionThresholds): boolean {
  if (thresholds.knownMaxRatePerMinute !== null && ratePerMinute > thresholds.knownMaxRatePerMinute) return false;
  return (
    history.completedCalls >= thresholds.knownAfterCompletedCalls &&
    history.distinctDays >= thresholds.knownAfterDistinctDays &&
    nowMs - history.firstCompletedAtMs >= thresholds.knownAfterHours * 3_600_000
  );
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
