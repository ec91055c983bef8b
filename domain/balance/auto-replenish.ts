/**
 * Whether a `Balance Low` crossing leads to an automatic top-up. The per-day cap is enforced by the store with
 * an atomic counter; everything decidable from the account alone is decided here.
 */
import type { Account } from '../accounts/account.js';
import { toMicros } from '../shared/money.js';

export type TopUpSkipReason = 'disabled' | 'no-amount' | 'under-review' | 'account-not-active' | 'balance-recovered' | 'daily-cap';

export type TopUpPlan =
  | { readonly kind: 'top-up'; readonly amountMicros: number; readonly maxPerDay: number }
  | { readonly kind: 'skip'; readonly reason: TopUpSkipReason };

export function planTopUp(account: Account): TopUpPlan {
  const settings = account.policy.autoReplenish;
  if (!settings.enabled) return { kind: 'skip', reason: 'disabled' };
  // The fraud desk decides first: topping up an account under investigation funds the fraud.
  if (account.openReviewId) return { kind: 'skip', reason: 'under-review' };
  if (account.status !== 'active') return { kind: 'skip', reason: 'account-not-active' };
  const amountMicros = toMicros(settings.amount);
  if (amountMicros <= 0) return { kind: 'skip', reason: 'no-amount' };
  if (settings.maxPerDay <= 0) return { kind: 'skip', reason: 'daily-cap' };
  // A late event after a manual credit: the balance is no longer low, so there is nothing to replenish.
  if (account.balanceMicros >= toMicros(settings.threshold)) return { kind: 'skip', reason: 'balance-recovered' };
  return { kind: 'top-up', amountMicros, maxPerDay: settings.maxPerDay };
}

/** The calendar day (UTC) a top-up counts against for the daily cap. */
export function topUpDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}
