import { describe, expect, it } from 'vitest';
import {
  callingHoursSchema,
  isWithinCallingHours,
  localTimeIn,
  nextOpening,
  type CallingHours,
} from '../../../domain/policy/calling-hours.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const WEEKDAYS_ONLY = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;

function hours(timezone: string, windows: CallingHours['windows'], appliesTo: CallingHours['appliesTo'] = 'all'): CallingHours {
  return callingHoursSchema.parse({ timezone, appliesTo, windows });
}

describe('the wall clock of a zone', () => {
  it('reads the local time with its offset and weekday, summer and winter', () => {
    expect(localTimeIn('Europe/London', at('2026-07-01T12:30:00Z'))).toMatchObject({ iso: '2026-07-01T13:30:00+01:00', weekday: 'wed', minuteOfDay: 810 });
    expect(localTimeIn('Europe/London', at('2026-11-30T12:30:00Z'))).toMatchObject({ iso: '2026-11-30T12:30:00+00:00', weekday: 'mon' });
    expect(localTimeIn('America/New_York', at('2026-11-30T03:00:00Z'))).toMatchObject({ iso: '2026-11-29T22:00:00-05:00', weekday: 'sun' });
  });
});

describe('whether a call is inside its windows', () => {
  const office = hours('Europe/London', [{ days: [...WEEKDAYS_ONLY], from: '08:00', to: '19:00' }]);

  it('takes a weekday within the hours and refuses the edges outside them and the weekend', () => {
    expect(isWithinCallingHours(office, at('2026-11-30T08:00:00Z'))).toBe(true);
    expect(isWithinCallingHours(office, at('2026-11-30T18:59:00Z'))).toBe(true);
    expect(isWithinCallingHours(office, at('2026-11-30T07:59:00Z'))).toBe(false);
    expect(isWithinCallingHours(office, at('2026-11-30T19:00:00Z'))).toBe(false);
    expect(isWithinCallingHours(office, at('2026-11-28T12:00:00Z'))).toBe(false);
  });

  it('gives a window crossing midnight to the day it starts on', () => {
    const friday = hours('UTC', [{ days: ['fri'], from: '22:00', to: '06:00' }]);

    expect(isWithinCallingHours(friday, at('2026-11-27T23:00:00Z'))).toBe(true); // Friday night
    expect(isWithinCallingHours(friday, at('2026-11-28T05:59:00Z'))).toBe(true); // Saturday morning, Friday's window
    expect(isWithinCallingHours(friday, at('2026-11-28T06:00:00Z'))).toBe(false);
    expect(isWithinCallingHours(friday, at('2026-11-27T05:00:00Z'))).toBe(false); // Friday morning belongs to Thursday
    expect(isWithinCallingHours(friday, at('2026-11-26T23:00:00Z'))).toBe(false); // Thursday night
  });

  it('ends a window at 24:00 at midnight', () => {
    const evening = hours('UTC', [{ days: ['mon'], from: '20:00', to: '24:00' }]);

    expect(isWithinCallingHours(evening, at('2026-11-30T23:59:00Z'))).toBe(true);
    expect(isWithinCallingHours(evening, at('2026-12-01T00:00:00Z'))).toBe(false);
  });

  it('follows daylight saving time in the account zone: 08:00 New York is 13:00 UTC in winter, 12:00 in summer', () => {
    const newYork = hours('America/New_York', [{ days: [...WEEKDAYS_ONLY], from: '08:00', to: '19:00' }]);

    // Friday before the spring-forward Sunday (2026-03-08), and the Monday after.
    expect(isWithinCallingHours(newYork, at('2026-03-06T12:30:00Z'))).toBe(false);
    expect(isWithinCallingHours(newYork, at('2026-03-06T13:00:00Z'))).toBe(true);
    expect(isWithinCallingHours(newYork, at('2026-03-09T11:59:00Z'))).toBe(false);
    expect(isWithinCallingHours(newYork, at('2026-03-09T12:00:00Z'))).toBe(true);
  });

  it('keeps a night window on the wall clock across the spring-forward night (a shorter night)', () => {
    const nights = hours('America/New_York', [{ days: ['sat'], from: '22:00', to: '06:00' }]);

    expect(isWithinCallingHours(nights, at('2026-03-08T06:59:00Z'))).toBe(true); // 01:59 EST
    expect(isWithinCallingHours(nights, at('2026-03-08T09:59:00Z'))).toBe(true); // 05:59 EDT
    expect(isWithinCallingHours(nights, at('2026-03-08T10:00:00Z'))).toBe(false); // 06:00 EDT, not EST
  });
});

describe('when the next window opens', () => {
  it('finds Monday morning from a Friday evening, across a weekend and the spring-forward Sunday', () => {
    const newYork = hours('America/New_York', [{ days: [...WEEKDAYS_ONLY], from: '08:00', to: '19:00' }]);

    expect(iso(nextOpening([newYork], at('2026-03-07T01:00:00Z')))).toBe('2026-03-09T12:00:00.000Z');
  });

  it('finds Monday morning across the fall-back Sunday in London', () => {
    const london = hours('Europe/London', [{ days: [...WEEKDAYS_ONLY], from: '08:00', to: '19:00' }]);

    // Friday 2026-10-23 19:30 BST; Monday 08:00 is GMT again.
    expect(iso(nextOpening([london], at('2026-10-23T18:30:00Z')))).toBe('2026-10-26T08:00:00.000Z');
  });

  it('opens a window at a wall time the spring-forward night skips when the clock jumps past it', () => {
    const skipped = hours('America/New_York', [{ days: ['sun'], from: '02:30', to: '04:00' }]);

    expect(iso(nextOpening([skipped], at('2026-03-08T06:00:00Z')))).toBe('2026-03-08T07:00:00.000Z');
    expect(isWithinCallingHours(skipped, at('2026-03-08T07:00:00Z'))).toBe(true);
    expect(isWithinCallingHours(skipped, at('2026-03-08T06:59:00Z'))).toBe(false);
  });

  it('opens a window at a wall time the fall-back night has twice at each of them', () => {
    const twice = hours('America/New_York', [{ days: ['sun'], from: '01:30', to: '01:45' }]);

    expect(iso(nextOpening([twice], at('2026-11-01T05:00:00Z')))).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    expect(iso(nextOpening([twice], at('2026-11-01T05:50:00Z')))).toBe('2026-11-01T06:30:00.000Z'); // 01:30 EST
  });

  it('finds when two sets in different zones are open together, and nothing when they never are', () => {
    const london = hours('Europe/London', [{ days: [...WEEKDAYS_ONLY], from: '08:00', to: '19:00' }]);
    const newYork = hours('America/New_York', [{ days: [...WEEKDAYS_ONLY], from: '08:00', to: '19:00' }]);
    const londonNights = hours('Europe/London', [{ days: ['mon'], from: '20:00', to: '22:00' }]);

    // Monday 2026-11-30 07:00 GMT: London opens at 08:00 GMT, New York at 13:00 GMT.
    expect(iso(nextOpening([london, newYork], at('2026-11-30T07:00:00Z')))).toBe('2026-11-30T13:00:00.000Z');
    expect(nextOpening([london, londonNights], at('2026-11-30T07:00:00Z'))).toBeUndefined();
  });
});

describe('the calling hours a policy accepts', () => {
  const valid = { timezone: 'Europe/London', appliesTo: 'international', windows: [{ days: ['mon'], from: '08:00', to: '24:00' }] };
  const problems = (input: unknown) => {
    const result = callingHoursSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
  };

  it('accepts an IANA zone, days, HH:MM and 24:00 as an end', () => {
    expect(problems(valid)).toEqual([]);
    expect(callingHoursSchema.parse({ timezone: 'UTC', windows: valid.windows }).appliesTo).toBe('all');
    expect(problems({ ...valid, windows: [{ days: ['sat', 'sun'], from: '00:00', to: '24:00' }] })).toEqual([]);
  });

  it('names each bad field', () => {
    expect(problems({ ...valid, timezone: 'Mars/Olympus_Mons' })).toEqual(['timezone']);
    expect(problems({ ...valid, timezone: '+01:00' })).toEqual(['timezone']);
    expect(problems({ ...valid, appliesTo: 'domestic' })).toEqual(['appliesTo']);
    expect(problems({ ...valid, windows: [] })).toEqual(['windows']);
    expect(problems({ ...valid, windows: [{ days: ['monday'], from: '08:00', to: '19:00' }] })).toEqual(['windows.0.days.0']);
    expect(problems({ ...valid, windows: [{ days: [], from: '08:00', to: '19:00' }] })).toEqual(['windows.0.days']);
    expect(problems({ ...valid, windows: [{ days: ['mon'], from: '24:00', to: '19:00' }] })).toEqual(['windows.0.from']);
    expect(problems({ ...valid, windows: [{ days: ['mon'], from: '8:00', to: '19:60' }] })).toEqual(['windows.0.from', 'windows.0.to']);
    expect(problems({ ...valid, windows: [{ days: ['mon'], from: '08:00', to: '08:00' }] })).toEqual(['windows.0.to']);
  });
});
