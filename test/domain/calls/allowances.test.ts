/**
 * The bounds a conditional write checks must let through exactly what one-at-a-time evaluation lets through:
 * "the count before this attempt is below N" must hold for exactly the counts the sequential rule accepts.
 */
import { describe, expect, it } from 'vitest';
import { callsAllowedBefore, callsLastMinute, EMPTY_LEDGER } from '../../../domain/calls/ledger.js';
import { assessDestination, attemptsAllowedBefore, DEFAULT_DETECTION } from '../../../domain/profiling/destination-detection.js';

const MINUTE = 60_000;

describe('callsAllowedBefore', () => {
  it('matches the sequential velocity rule for every count, limit and moment in the minute', () => {
    for (const limit of [1, 2, 5, 13]) {
      for (const previous of [0, 1, 4, 20]) {
        for (const offset of [0, 1, 15_000, 30_000, 59_999]) {
          const nowMs = 1_000 * MINUTE + offset;
          const bound = callsAllowedBefore(limit, previous, nowMs);
          for (let before = 0; before <= limit + previous + 2; before += 1) {
            const ledger = { ...EMPTY_LEDGER, allowedCallsByMinute: { 1_000: before, 999: previous } };
            const sequentialAllows = callsLastMinute(ledger, nowMs, 1) <= limit;
            expect(before < bound, `limit ${limit}, previous ${previous}, +${offset} ms, ${before} before`).toBe(sequentialAllows);
          }
        }
      }
    }
  });
});

describe('attemptsAllowedBefore', () => {
  it('matches the sequential burst assessment for every count and moment in the window', () => {
    const windowMs = DEFAULT_DETECTION.windowMinutes * MINUTE;
    for (const threshold of [1, 2, 4, 7]) {
      for (const previous of [0, 1, 3, 9]) {
        for (const fraction of [0, 0.1, 0.5, 0.99]) {
          const nowMs = 500 * windowMs + Math.floor(fraction * windowMs);
          const bound = attemptsAllowedBefore(threshold, previous, nowMs, DEFAULT_DETECTION.windowMinutes);
          for (let before = 0; before <= threshold + previous + 2; before += 1) {
            const assessment = assessDestination({
              country: 'SL',
              homeCountry: 'US',
              whitelist: [],
              knownCountries: [],
              confirmedCountries: [],
              ratePerMinute: 0.5,
              activity: { current: { SL: before + 1 }, previous: { SL: previous }, currentTotal: 0, previousTotal: 0 },
              thresholds: { ...DEFAULT_DETECTION, newDestinationAttempts: threshold, newDestinationTotalAttempts: 10_000 },
              nowMs,
            });
            expect(before < bound, `threshold ${threshold}, previous ${previous}, ${fraction} in, ${before} before`).toBe(!assessment.restrict);
          }
        }
      }
    }
  });
});
