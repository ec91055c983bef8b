/**
 * The "before" of the before/after figures (`npm run simulate -- --baseline`): the same plan replayed with the
 * detections issue 16 added switched off through the stack's own configuration, so that the report can set each
 * attack's and the false positives' figures before and after side by side.
 */

/** Detection as it was before issue 16, as the stack's TOLLGATE_DETECTION and TOLLGATE_RANGE_WATCH take it. */
export const BEFORE_ISSUE_16 = {
  /**
   * Learning as before: known after 3 completed calls over 24 h, on any number of days, at any rate; no premium
   * cap and no weekly budget on unusual premium-rate calls (only the 2.00 cap a call).
   */
  detection: { knownAfterDistinctDays: 1, knownMaxRatePerMinute: null, unusualPremiumCallMaxCost: null, unusualPremiumSpendPerWeek: null },
  /** No carrier-wide range watch. */
  rangeWatch: { enabled: false },
} as const;

/** The stack environment that applies BEFORE_ISSUE_16. */
export function baselineEnvironment(): Record<string, string> {
  return {
    TOLLGATE_DETECTION: JSON.stringify(BEFORE_ISSUE_16.detection),
    TOLLGATE_RANGE_WATCH: JSON.stringify(BEFORE_ISSUE_16.rangeWatch),
  };
}
