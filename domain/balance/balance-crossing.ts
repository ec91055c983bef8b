/**
 * A balance "crossing" is a change that takes the balance from at-or-above the account's threshold to below it.
 * It is detected from the before/after images of the account (the table stream), so concurrent charges applied
 * with atomic ADDs need no locking and each crossing is seen exactly once per change.
 */
import type { Account } from '../accounts/account.js';
import { toMicros } from '../shared/money.js';

export interface BalanceCrossing {
  readonly thresholdMicros: number;
  readonly balanceMicros: number;
}

export function detectBalanceCrossing(before: Account, after: Account): BalanceCrossing | undefined {
  const thresholdMicros = toMicros(after.policy.autoReplenish.threshold);
  if (thresholdMicros <= 0) return undefined;
  if (before.balanceMicros >= thresholdMicros && after.balanceMicros < thresholdMicros) {
    return { thresholdMicros, balanceMicros: after.balanceMicros };
  }
  return undefined;
}
