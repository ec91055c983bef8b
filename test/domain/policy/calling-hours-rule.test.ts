import { describe, expect, it } from 'vitest';
import { defaultCarrierPolicy } from '../../../domain/accounts/carrier-policy.js';
import { stepOf } from '../../../domain/policy/decision.js';
import { callingHoursSchema, type CallingHours } from '../../../domain/policy/calling-hours.js';
import { NO_USAGE } from '../../../domain/policy/evaluate-call.js';
import { account, evaluateOn, fixtureDeck, policy, type EvaluationCase } from '../../support/fixtures.js';

const deck = fixtureDeck();
const OFFICE = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
// Monday 2026-11-30: 10:00 in London, 05:00 in New York; and 21:30 in London the same day.
const MONDAY_MORNING = new Date('2026-11-30T10:00:00.000Z');
const MONDAY_NIGHT = new Date('2026-11-30T21:30:00.000Z');

function hours(timezone: string, appliesTo: CallingHours['appliesTo'] = 'all', from = '08:00', to = '19:00'): CallingHours {
  return callingHoursSchema.parse({ timezone, appliesTo, windows: [{ days: [...OFFICE], from, to }] });
}

function evaluate(now: Date, overrides: EvaluationCase = {}) {
  return evaluateOn({ rateDeck: deck, now }, overrides);
}

describe('evaluateCall: calling hours', () => {
  it('allows a call inside the account windows', () => {
    const decision = evaluate(MONDAY_MORNING, { account: account({ policy: policy({ callingHours: hours('Europe/London') }) }) });

    expect(decision.decision).toBe('allow');
  });

  it('refuses a call outside them with 403, the local time and the next window as evidence', () => {
    const decision = evaluate(MONDAY_NIGHT, { account: account({ policy: policy({ callingHours: hours('Europe/London') }) }) });

    expect(decision).toMatchObject({ decision: 'deny', reason: 'OUTSIDE_CALLING_HOURS', sipCode: 403, accountId: 'acme' });
    expect(decision.rule).toEqual({
      rule: 'OUTSIDE_CALLING_HOURS',
      step: 12,
      detail: "mon 2026-11-30T21:30:00+00:00 (Europe/London) is outside the customer's calling windows",
      evidence: {
        setBy: 'customer',
        timezone: 'Europe/London',
        appliesTo: 'all',
        localTime: '2026-11-30T21:30:00+00:00',
        weekday: 'mon',
        nextWindow: { local: '2026-12-01T08:00:00+00:00', utc: '2026-12-01T08:00:00.000Z' },
      },
    });
  });

  it('reads the windows on the account clock, not UTC', () => {
    // 10:00 UTC is 05:00 in New York: before its 08:00.
    const decision = evaluate(MONDAY_MORNING, { account: account({ policy: policy({ callingHours: hours('America/New_York') }) }) });

    expect(decision.rule).toMatchObject({ rule: 'OUTSIDE_CALLING_HOURS', evidence: { localTime: '2026-11-30T05:00:00-05:00', nextWindow: { utc: '2026-11-30T13:00:00.000Z' } } });
  });

  it('with appliesTo international, lets a domestic call through at night and refuses an international one', () => {
    const internationalOnly = policy({ internationalEnabled: true, callingHours: hours('Europe/London', 'international') });

    expect(evaluate(MONDAY_NIGHT, { account: account({ policy: internationalOnly }) }).decision).toBe('allow');
    expect(evaluate(MONDAY_NIGHT, { account: account({ policy: internationalOnly }), req: { to: '+442079460000' } }).reason).toBe('OUTSIDE_CALLING_HOURS');
  });

  it('needs the carrier windows as well as the customer ones, which cannot lift them', () => {
    const carrierPolicy = { ...defaultCarrierPolicy(), callingHours: hours('Europe/London', 'all', '09:00', '17:00') };
    const allDay = callingHoursSchema.parse({ timezone: 'Europe/London', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }] });
    const decision = evaluate(new Date('2026-11-30T17:30:00.000Z'), { account: account({ carrierPolicy, policy: policy({ callingHours: allDay }) }) });

    expect(decision.rule).toMatchObject({ rule: 'OUTSIDE_CALLING_HOURS', evidence: { setBy: 'carrier', nextWindow: { utc: '2026-12-01T09:00:00.000Z' } } });
    expect(evaluate(MONDAY_MORNING, { account: account({ carrierPolicy, policy: policy({ callingHours: allDay }) }) }).decision).toBe('allow');
  });

  it('gives the next time the customer and carrier windows are open together', () => {
    const carrierPolicy = { ...defaultCarrierPolicy(), callingHours: hours('America/New_York') };
    // 07:00 GMT Monday: London opens at 08:00 GMT, New York at 13:00 GMT.
    const decision = evaluate(new Date('2026-11-30T07:00:00.000Z'), { account: account({ carrierPolicy, policy: policy({ callingHours: hours('Europe/London') }) }) });

    expect(decision.rule).toMatchObject({ evidence: { setBy: 'customer', nextWindow: { local: '2026-11-30T13:00:00+00:00', utc: '2026-11-30T13:00:00.000Z' } } });
  });

  it('runs after the destination rules and before the limits', () => {
    const night = policy({ callingHours: hours('Europe/London'), maxRatePerMinute: 0.001, limits: { callsPerMinute: 1, concurrentCalls: null, spendPerHour: null, spendPerDay: null } });

    expect(evaluate(MONDAY_NIGHT, { account: account({ policy: night }) }).reason).toBe('RATE_ABOVE_MAX');
    expect(evaluate(MONDAY_NIGHT, { account: account({ policy: { ...night, maxRatePerMinute: null } }), usage: { ...NO_USAGE, callsLastMinute: 5 } }).reason).toBe('OUTSIDE_CALLING_HOURS');
    expect(stepOf('OUTSIDE_CALLING_HOURS')).toBe(stepOf('RATE_ABOVE_MAX') + 1);
    expect(stepOf('VELOCITY_LIMIT')).toBe(stepOf('OUTSIDE_CALLING_HOURS') + 1);
  });
});
