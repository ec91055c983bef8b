/**
 * Calling windows (`policy.callingHours`, and the carrier's `carrierPolicy.callingHours`): the times of the week, on
 * the account's own clock, when calls may be made. Outside every window a call is denied OUTSIDE_CALLING_HOURS.
 *
 * Times are wall-clock times in the set's IANA time zone, worked out with Intl.DateTimeFormat from the instant the
 * engine is given (the clock is an input), so daylight saving time is the zone's own: a window 08:00–19:00 in
 * Europe/London is 08:00–19:00 GMT in winter and 08:00–19:00 BST in summer. A window whose `to` is not after its
 * `from` crosses midnight and belongs to the day it starts on: `fri 22:00–06:00` is Friday 22:00 to Saturday 06:00.
 * `to: "24:00"` is the end of the day.
 *
 * On a day the clocks change, a window opening at a wall time the day skips (02:30 on a spring-forward night in
 * America/New_York) opens when the clock jumps past it; one opening at a wall time the day has twice (01:30 on a
 * fall-back night) opens at the first.
 */
import * as z from 'zod';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/** Whether Intl knows `zone` as a time zone name (an IANA name, or UTC); offsets such as "+01:00" are refused. */
export function isKnownTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM from 00:00 to 23:59');
const endTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time HH:MM from 00:01 to 24:00');

export const callingWindowSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'must not repeat a day'),
    from: clockTime,
    to: endTime,
  })
  .strict()
  .refine((window) => window.from !== window.to, { path: ['to'], message: 'must differ from `from` (a whole day is 00:00 to 24:00)' });

export const callingHoursSchema = z
  .object({
    timezone: z.string().max(64).refine(isKnownTimeZone, 'must be an IANA time zone, e.g. "Europe/London"'),
    /** `international`: only calls outside the account's home country need a window; `all`: every call. */
    appliesTo: z.enum(['international', 'all']).default('all'),
    windows: z.array(callingWindowSchema).min(1).max(50),
  })
  .strict();

export type CallingWindow = z.infer<typeof callingWindowSchema>;
export type CallingHours = z.infer<typeof callingHoursSchema>;

/** Who set a set of windows: the customer's own policy, or the carrier's controls. */
export type CallingHoursOwner = 'customer' | 'carrier';

export interface OwnedCallingHours {
  readonly setBy: CallingHoursOwner;
  readonly hours: CallingHours;
}

/** A wall-clock reading in a zone. */
export interface LocalTime {
  /** ISO 8601 with the zone's offset, e.g. `2026-03-08T23:30:00-04:00`. */
  readonly iso: string;
  readonly weekday: Weekday;
  /** Minutes since local midnight. */
  readonly minuteOfDay: number;
  /** Days since 1970-01-01 of the local date (for walking the calendar). */
  readonly epochDay: number;
  /** Local time minus UTC, in minutes. */
  readonly offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The wall clock of `zone` at the instant `atMs`. */
export function localTimeIn(zone: string, atMs: number): LocalTime {
  const [year, month, day, hour, minute, second] = wallClockParts(formatterFor(zone), atMs);
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((wallMs - Math.floor(atMs / 1000) * 1000) / MS_PER_MINUTE);
  const epochDay = Math.floor(wallMs / MS_PER_DAY);
  return {
    iso: `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${offsetText(offsetMinutes)}`,
    weekday: weekdayOfEpochDay(epochDay),
    minuteOfDay: hour * 60 + minute,
    epochDay,
    offsetMinutes,
  };
}

const EN_US_DATE_TIME = /^(\d{2})\/(\d{2})\/(\d{4}), (\d{2}):(\d{2}):(\d{2})$/;

/** Year, month, day, hour, minute, second on the formatter's clock: its en-US text read directly (cheaper than parts). */
function wallClockParts(formatter: Intl.DateTimeFormat, atMs: number): [number, number, number, number, number, number] {
  const text = formatter.format(atMs);
  const match = EN_US_DATE_TIME.exec(text);
  if (match) return [Number(match[3]), Number(match[1]), Number(match[2]), Number(match[4]), Number(match[5]), Number(match[6])];
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(atMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return [parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0];
}

/** Whether the call may be made at `atMs` under these windows. */
export function isWithinCallingHours(hours: CallingHours, atMs: number): boolean {
  const local = localTimeIn(hours.timezone, atMs);
  const yesterday = weekdayOfEpochDay(local.epochDay - 1);
  return hours.windows.some((window) => {
    const from = minutesOf(window.from);
    const to = minutesOf(window.to);
    if (from < to) return window.days.includes(local.weekday) && local.minuteOfDay >= from && local.minuteOfDay < to;
    // Crosses midnight: the evening of a listed day, or the morning after one.
    return (window.days.includes(local.weekday) && local.minuteOfDay >= from) || (window.days.includes(yesterday) && local.minuteOfDay < to);
  });
}

/**
 * The first instant after `atMs` when every set is inside one of its windows (a call then needs the customer's and
 * the carrier's alike); undefined when that does not happen within the next 8 days (sets that never overlap).
 */
export function nextOpening(sets: readonly CallingHours[], atMs: number): number | undefined {
  const today = sets.map((hours) => localTimeIn(hours.timezone, atMs));
  const candidates: number[] = [];
  // Day by day (each set's local days), stopping as soon as a candidate is earlier than any later day could give.
  for (let day = -1; day <= 8; day += 1) {
    sets.forEach((hours, index) => {
      const local = today[index];
      if (!local) return;
      const epochDay = local.epochDay + day;
      const weekday = weekdayOfEpochDay(epochDay);
      for (const window of hours.windows) {
        if (!window.days.includes(weekday)) continue;
        for (const opening of instantsOfWallTime(hours.timezone, epochDay * MS_PER_DAY + minutesOf(window.from) * MS_PER_MINUTE, local.offsetMinutes)) {
          if (opening > atMs && !candidates.includes(opening)) candidates.push(opening);
        }
      }
    });
    candidates.sort((a, b) => a - b);
    // Whatever a later day opens is at or after its local midnight, whatever the zone's offset (at most 14 h, plus DST).
    const laterDaysFrom = Math.min(...today.map((local) => (local.epochDay + day + 1) * MS_PER_DAY - 15 * 60 * MS_PER_MINUTE));
    const found = candidates.find((candidate) => candidate < laterDaysFrom && sets.every((hours) => isWithinCallingHours(hours, candidate)));
    if (found !== undefined) return found;
  }
  return candidates.find((candidate) => sets.every((hours) => isWithinCallingHours(hours, candidate)));
}

/**
 * The instant a wall time (`wallMs`: the local date and time read as if UTC) happens in `zone`: the earlier of two
 * when the day has it twice, and the moment the clock jumps past it when the day skips it.
 */
export function instantOfWallTime(zone: string, wallMs: number): number {
  return instantsOfWallTime(zone, wallMs)[0] ?? wallMs;
}

/**
 * Every instant a wall time happens in `zone`, earliest first: one, two on a fall-back night, the jump when skipped.
 * `likelyOffset` (the zone's offset now) answers most days with one reading of the clock.
 */
function instantsOfWallTime(zone: string, wallMs: number, likelyOffset?: number): number[] {
  if (likelyOffset !== undefined) {
    const guess = wallMs - likelyOffset * MS_PER_MINUTE;
    // Unambiguous when the offset is the same an hour and a half either side (no transition near it).
    if (
      wallClockMs(zone, guess) === wallMs &&
      localTimeIn(zone, guess - 90 * MS_PER_MINUTE).offsetMinutes === likelyOffset &&
      localTimeIn(zone, guess + 90 * MS_PER_MINUTE).offsetMinutes === likelyOffset
    ) {
      return [guess];
    }
  }
  const offsetBefore = localTimeIn(zone, wallMs - MS_PER_DAY / 2).offsetMinutes;
  const offsetAfter = localTimeIn(zone, wallMs + MS_PER_DAY / 2).offsetMinutes;
  const matches = [...new Set([offsetBefore, offsetAfter])]
    .map((offset) => wallMs - offset * MS_PER_MINUTE)
    .filter((instant) => wallClockMs(zone, instant) === wallMs)
    .sort((a, b) => a - b);
  if (matches.length > 0) return matches;
  // Skipped: the clock jumps over it between these two instants; find the jump, to the minute.
  let low = wallMs - offsetAfter * MS_PER_MINUTE;
  let high = wallMs - offsetBefore * MS_PER_MINUTE;
  while (high - low > MS_PER_MINUTE) {
    const middle = low + Math.floor((high - low) / 2 / MS_PER_MINUTE) * MS_PER_MINUTE;
    if (wallClockMs(zone, middle) >= wallMs) high = middle;
    else low = middle;
  }
  return [high];
}

/** The instant as an ISO date-time with the offset of `zone`. */
export function isoInZone(zone: string, atMs: number): string {
  return localTimeIn(zone, atMs).iso;
}

export function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':');
  return Number(hours) * 60 + Number(minutes);
}

/** Minutes since midnight as HH:MM; 1440 is "24:00". */
export function clockText(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function wallClockMs(zone: string, atMs: number): number {
  const local = localTimeIn(zone, atMs);
  return atMs + local.offsetMinutes * MS_PER_MINUTE;
}

function weekdayOfEpochDay(epochDay: number): Weekday {
  // 1970-01-01 was a Thursday.
  return WEEKDAYS[(((epochDay + 4) % 7) + 7) % 7] ?? 'sun';
}

function offsetText(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}
