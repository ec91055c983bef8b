/** What a completed call costs: billed per second at the rate authorized for it, rounded up to the micro-unit. */
import { toMicros } from '../shared/money.js';

export function chargeMicrosFor(durationSeconds: number, ratePerMinute: number): number {
  return Math.ceil((durationSeconds * toMicros(ratePerMinute)) / 60);
}
