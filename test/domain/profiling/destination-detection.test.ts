import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION, assessDestination, knownCountry, resolveThresholds, slidingCount, unusualCallCostCap, type DestinationAssessmentInput } from '../../../domain/profiling/destination-detection.js';

const WINDOW_START = Date.parse('2026-03-01T12:00:00.000Z'); // aligned to a 10-minute window

function assess(overrides: Partial<DestinationAssessmentInput> = {}) {
  return assessDestination({
    country: 'SL',
    homeCountry: 'US',
    whitelist: [],
    knownCountries: [],
    confirmedCountries: [],
    ratePerMinute: 0.3,
    activity: { current: { SL: 1 }, previous: {} },
    thresholds: DEFAULT_DETECTION,
    nowMs: WINDOW_START,
    ...overrides,
  });
}

describe('default thresholds', () => {
  it('let a single call to a new country pass', () => {
    expect(assess()).toEqual({ restrict: false, unusual: true, unusualSpendLeft: null });
  });

  it('let three attempts to one new country pass and restrict the fourth', () => {
    expect(assess({ activity: { current: { SL: 3 }, previous: {} } }).restrict).toBe(false);
    expect(assess({ activity: { current: { SL: 4 }, previous: {} } })).toMatchObject({ restrict: true, trigger: 'destination-burst' });
  });

  it('restrict a spray on the fifth attempt across new countries', () => {
    const activity = { current: { GM: 1, SN: 1, MR: 1, ML: 1, SL: 1 }, previous: {} };
    expect(assess({ activity })).toMatchObject({ restrict: true, trigger: 'new-destination-spray', unusualCountries: ['GM', 'ML', 'MR', 'SL', 'SN'] });
  });
});

describe('usual destinations', () => {
  it('never restrict the home country, a whitelisted country or a known one', () => {
    const busy = { current: { US: 500, GB: 500, DE: 500 }, previous: {} };
    expect(assess({ country: 'US', activity: busy }).restrict).toBe(false);
    expect(assess({ country: 'GB', whitelist: ['GB'], activity: busy }).restrict).toBe(false);
    expect(assess({ country: 'DE', knownCountries: ['DE'], activity: busy }).restrict).toBe(false);
  });

  it('leave known countries out of the spray count', () => {
    const activity = { current: { DE: 50, FR: 50, SL: 1 }, previous: {} };
    expect(assess({ knownCountries: ['DE', 'FR'], activity }).restrict).toBe(false);
  });
});

describe('sliding window', () => {
  it('weights the previous window by how much of it still overlaps', () => {
    expect(slidingCount(2, 4, WINDOW_START + 2.5 * 60_000, 10)).toBe(5); // 2 + 4 × 0.75
  });

  it('counts a burst straddling a window boundary', () => {
    expect(assess({ activity: { current: { SL: 2 }, previous: { SL: 3 } }, nowMs: WINDOW_START + 60_000 })).toMatchObject({ restrict: true });
  });
});

describe('configuration', () => {
  it('lets an account lower its thresholds or switch detection off', () => {
    expect(resolveThresholds(DEFAULT_DETECTION, { newDestinationAttempts: 2 }).newDestinationAttempts).toBe(2);
    expect(assess({ thresholds: resolveThresholds(DEFAULT_DETECTION, { enabled: false }), activity: { current: { SL: 40 }, previous: {} } }).restrict).toBe(false);
  });

  it('makes a country known only after enough completed calls, on enough distinct days, over enough time', () => {
    const day = 86_400_000;
    const history = (completedCalls: number, distinctDays: number) => ({ completedCalls, distinctDays, firstCompletedAtMs: WINDOW_START });
    expect(knownCountry(history(3, 3), 0.1, WINDOW_START + 2 * day, DEFAULT_DETECTION)).toBe(true);
    expect(knownCountry(history(3, 3), 0.1, WINDOW_START + day / 2, DEFAULT_DETECTION)).toBe(false);
    expect(knownCountry(history(2, 2), 0.1, WINDOW_START + 7 * day, DEFAULT_DETECTION)).toBe(false);
    // Three calls a day after the first day: many calls, too few days.
    expect(knownCountry(history(30, 2), 0.1, WINDOW_START + 2 * day, DEFAULT_DETECTION)).toBe(false);
  });

  it('never learns a destination dearer than knownMaxRatePerMinute, however long the drip', () => {
    const twoWeeksOfDrip = { completedCalls: 14 * 24, distinctDays: 14, firstCompletedAtMs: WINDOW_START };
    expect(knownCountry(twoWeeksOfDrip, 0.88, WINDOW_START + 14 * 86_400_000, DEFAULT_DETECTION)).toBe(false);
    expect(knownCountry(twoWeeksOfDrip, 0.88, WINDOW_START + 14 * 86_400_000, { ...DEFAULT_DETECTION, knownMaxRatePerMinute: null })).toBe(true);
  });

  it("keeps a known country's premium ranges unusual, unless whitelisted or confirmed by a reviewer", () => {
    const knowsLt = { knownCountries: ['LT'], activity: { current: { LT: 1 }, previous: {} } };
    expect(assess({ ...knowsLt, country: 'LT', ratePerMinute: 0.02 })).toMatchObject({ restrict: false, unusual: false });
    expect(assess({ ...knowsLt, country: 'LT', ratePerMinute: 0.88 })).toMatchObject({ restrict: false, unusual: true });
    expect(assess({ ...knowsLt, country: 'LT', ratePerMinute: 0.88, confirmedCountries: ['LT'] })).toMatchObject({ restrict: false, unusual: false });
    expect(assess({ ...knowsLt, country: 'LT', ratePerMinute: 0.88, whitelist: ['LT'] })).toMatchObject({ restrict: false, unusual: false });
  });
});

describe('the unusual-spend budget (a drip, or the calls a burst got through, spending one account\'s unusual destinations down)', () => {
  const budget = DEFAULT_DETECTION.unusualPremiumSpendPerWeek ?? Number.NaN;
  const premium = { country: 'LT', ratePerMinute: 0.88, minimumCallCost: 0.088 };

  it('leaves each unusual call what is left of the budget', () => {
    expect(assess({ ...premium, unusualSpent: 0 })).toEqual({ restrict: false, unusual: true, unusualSpendLeft: budget });
    expect(assess({ ...premium, unusualSpent: 3.99 })).toEqual({ restrict: false, unusual: true, unusualSpendLeft: Math.round((budget - 3.99) * 1e6) / 1e6 });
  });

  it('restricts the destination of the attempt that finds less left than its shortest billable call', () => {
    expect(assess({ ...premium, unusualSpent: budget - 0.05 })).toMatchObject({ restrict: true, trigger: 'unusual-spend', unusualSpent: budget - 0.05 });
    expect(assess({ ...premium, unusualSpent: budget })).toMatchObject({ restrict: true, trigger: 'unusual-spend' });
    expect(assess({ ...premium, unusualSpent: budget - 0.1 }).restrict).toBe(false);
  });

  it('does not restrict a first unusual call whose shortest call alone costs more than the budget (its grant is bounded instead)', () => {
    expect(assess({ country: 'ZZ', ratePerMinute: 6.5, minimumCallCost: 6.5, unusualSpent: 0 })).toEqual({ restrict: false, unusual: true, unusualSpendLeft: budget });
    expect(assess({ country: 'ZZ', ratePerMinute: 6.5, minimumCallCost: 6.5, unusualSpent: 0.1 })).toMatchObject({ restrict: true, trigger: 'unusual-spend' });
  });

  it('does not apply to cheap destinations, which traffic makes usual (a diaspora customer calling home every evening)', () => {
    expect(assess({ country: 'PH', ratePerMinute: 0.11, minimumCallCost: 0.11, unusualSpent: 100 })).toEqual({ restrict: false, unusual: true, unusualSpendLeft: null });
  });

  it('does not apply to usual destinations, nor when the carrier sets no budget or detection is off', () => {
    expect(assess({ ...premium, whitelist: ['LT'], unusualSpent: 100 })).toEqual({ restrict: false, unusual: false, unusualSpendLeft: null });
    expect(assess({ ...premium, unusualSpent: 100, thresholds: { ...DEFAULT_DETECTION, unusualPremiumSpendPerWeek: null } })).toEqual({ restrict: false, unusual: true, unusualSpendLeft: null });
    expect(assess({ ...premium, unusualSpent: 100, thresholds: { ...DEFAULT_DETECTION, enabled: false } }).restrict).toBe(false);
  });

  it('leaves the burst triggers first: a burst that also spent the budget is named a burst', () => {
    expect(assess({ ...premium, activity: { current: { LT: 4 }, previous: {} }, unusualSpent: 100 })).toMatchObject({ restrict: true, trigger: 'destination-burst' });
  });
});

describe('the cost cap of one call to an unusual destination', () => {
  it('is unusualCallMaxCost, and unusualPremiumCallMaxCost for ranges dearer than knownMaxRatePerMinute', () => {
    expect(unusualCallCostCap(DEFAULT_DETECTION, 0.3)).toBe(2);
    expect(unusualCallCostCap(DEFAULT_DETECTION, 0.5)).toBe(2);
    expect(unusualCallCostCap(DEFAULT_DETECTION, 0.55)).toBe(1);
    // An account's own lower cap still wins; no premium bound without a rate bound; null means none.
    expect(unusualCallCostCap({ ...DEFAULT_DETECTION, unusualCallMaxCost: 0.5 }, 0.88)).toBe(0.5);
    expect(unusualCallCostCap({ ...DEFAULT_DETECTION, knownMaxRatePerMinute: null }, 0.88)).toBe(2);
    expect(unusualCallCostCap({ ...DEFAULT_DETECTION, unusualCallMaxCost: null, unusualPremiumCallMaxCost: null }, 0.88)).toBeNull();
    expect(unusualCallCostCap({ ...DEFAULT_DETECTION, unusualCallMaxCost: null }, 0.88)).toBe(1);
  });
});
