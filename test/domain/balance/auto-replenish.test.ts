import { describe, expect, it } from 'vitest';
import { planTopUp, topUpDay } from '../../../domain/balance/auto-replenish.js';
import { toMicros } from '../../../domain/shared/money.js';
import { account, policy } from '../../support/fixtures.js';

const replenishing = (overrides: Partial<ReturnType<typeof policy>['autoReplenish']> = {}) =>
  policy({ autoReplenish: { enabled: true, threshold: 5, amount: 20, maxPerDay: 2, ...overrides } });

describe('planTopUp', () => {
  it('tops up the configured amount when enabled and the balance is below the threshold', () => {
    expect(planTopUp(account({ balanceMicros: toMicros(2), policy: replenishing() }))).toEqual({ kind: 'top-up', amountMicros: toMicros(20), maxPerDay: 2 });
  });

  it('skips when auto-replenish is off', () => {
    expect(planTopUp(account({ balanceMicros: 0, policy: replenishing({ enabled: false }) }))).toEqual({ kind: 'skip', reason: 'disabled' });
  });

  it('skips while a review is open, before anything else about money', () => {
    expect(planTopUp(account({ balanceMicros: 0, openReviewId: 'r-1', policy: replenishing() }))).toEqual({ kind: 'skip', reason: 'under-review' });
  });

  it('skips a suspended account', () => {
    expect(planTopUp(account({ balanceMicros: 0, status: 'suspended', policy: replenishing() }))).toEqual({ kind: 'skip', reason: 'account-not-active' });
  });

  it('skips when the balance has recovered above the threshold since the crossing', () => {
    expect(planTopUp(account({ balanceMicros: toMicros(6), policy: replenishing() }))).toEqual({ kind: 'skip', reason: 'balance-recovered' });
  });

  it('treats maxPerDay 0 as no automatic top-ups', () => {
    expect(planTopUp(account({ balanceMicros: 0, policy: replenishing({ maxPerDay: 0 }) }))).toEqual({ kind: 'skip', reason: 'daily-cap' });
  });

  it('counts top-ups per UTC day', () => {
    expect(topUpDay(new Date('2026-03-01T23:59:59.999Z'))).toBe('2026-03-01');
  });
});
