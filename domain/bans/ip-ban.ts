/**
 * IP auto-ban: switches report failed SIP authentications; N failures from one source inside a sliding window ban
 * the source. Each repeat offence (a new ban while the last one ended less than the repeat window ago) doubles the
 * ban, up to a cap, so a persistent credential-stuffing source is kept out for days while a PBX with a mistyped
 * password is back within the hour.
 */
import ipaddr from 'ipaddr.js';
import * as z from 'zod';
import type { BanSettings } from '../contract/detection-settings.js';

// The settings and their defaults live with the other carrier-wide defaults infra/ hands the functions.
export { DEFAULT_BAN_SETTINGS, type BanSettings } from '../contract/detection-settings.js';

/** What is stored about an IP's latest ban. */
export interface BanRecord {
  readonly ip: string;
  readonly bannedAt: string;
  readonly bannedUntil: string;
  readonly offence: number;
  readonly failures: number;
  /** Failures before this instant were already answered by a ban (or its lifting) and do not count again. */
  readonly failuresCountFrom: string;
  readonly liftedAt?: string;
  readonly liftedBy?: string;
}

export interface PlannedBan {
  readonly offence: number;
  readonly durationSeconds: number;
  readonly bannedAt: string;
  readonly bannedUntil: string;
  readonly failuresCountFrom: string;
}

/** Ban length for the nth offence: base × 2^(n−1), capped. */
export function banDurationSeconds(offence: number, settings: BanSettings): number {
  const doublings = Math.min(Math.max(offence, 1) - 1, 40);
  return Math.min(settings.baseSeconds * 2 ** doublings, settings.maxSeconds);
}

export function isBanActive(ban: Pick<BanRecord, 'bannedUntil'> | undefined, now: Date): boolean {
  return ban !== undefined && Date.parse(ban.bannedUntil) > now.getTime();
}

/** The offence number of a new ban: one more than the previous ban if that one ended inside the repeat window. */
export function nextOffence(previous: Pick<BanRecord, 'bannedUntil' | 'offence'> | undefined, now: Date, settings: BanSettings): number {
  if (!previous) return 1;
  const endedSecondsAgo = (now.getTime() - Date.parse(previous.bannedUntil)) / 1000;
  return endedSecondsAgo <= settings.repeatWindowSeconds ? previous.offence + 1 : 1;
}

export function planBan(previous: BanRecord | undefined, now: Date, settings: BanSettings): PlannedBan {
  const offence = nextOffence(previous, now, settings);
  const durationSeconds = banDurationSeconds(offence, settings);
  return {
    offence,
    durationSeconds,
    bannedAt: now.toISOString(),
    bannedUntil: new Date(now.getTime() + durationSeconds * 1000).toISOString(),
    failuresCountFrom: countingRestartsAfter(now),
  };
}

/** Failures up to and including `now` have been answered (by a ban or its lifting); counting restarts just after. */
export function countingRestartsAfter(now: Date): string {
  return new Date(now.getTime() + 1).toISOString();
}

/** Where the failure count starts: the window's start, or later if a ban already answered earlier failures. */
export function failureWindowStart(previous: BanRecord | undefined, now: Date, settings: BanSettings): string {
  const windowStart = new Date(now.getTime() - settings.windowSeconds * 1000).toISOString();
  return previous && previous.failuresCountFrom > windowStart ? previous.failuresCountFrom : windowStart;
}

/** An IP address as switches report it (`sourceIp`) and as the ban routes name it (`/v1/bans/{ip}`). */
export const ipAddressSchema = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });

export function isIpAddress(value: string): boolean {
  return ipaddr.isValid(value);
}

/**
 * One spelling per address, so that a ban written for `2001:DB8::0:1` is found for `2001:db8::1`: IPv6 in
 * RFC 5952 form (lower case, zeros compressed), an IPv4-mapped IPv6 address as the IPv4 address it maps.
 */
export function canonicalIp(value: string): string {
  return ipaddr.process(value).toString();
}
