/**
 * The ordinary carrier: a population of US business accounts with policies a customer would set, and their
 * outbound traffic by hour, country and day. Everything is drawn from seeded streams (prng.ts).
 *
 * Model (each figure is an assumption, stated again in bench/simulation.md):
 *  - profiles: 55% domestic only, 35% international with a max rate, 10% international without a max rate;
 *  - weekday volume per account log-normal around 5 calls, weekends 30% of that; hours follow a US Eastern office day;
 *  - international accounts send 10-30% of calls to 1-3 regular countries, half of them whitelisted;
 *  - now and then (8% of account-days) a single call to a new cheap country, redialled in 30% of cases;
 *  - 10% of international calls come in small clusters (2-4 calls to one country within 15 minutes);
 *  - 20% of calls go unanswered (0 s); answered calls last log-normal around 150 s;
 *  - a diaspora carrier's customers (`--diaspora-share` of the ordinary accounts, added to them): home US, no
 *    whitelist, international on, no max rate; each calls Philippine mobiles (+63917, $0.11/min) every evening,
 *    18:00-22:00 local, 1-3 calls of 5-30 minutes, from the first day, and nothing else.
 */
import type { PlannedCall, Profile, SimAccount, SimPolicy } from './model.js';
import { numberIn, numberInRange } from './numbers.js';
import { Random } from './prng.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
/** US Eastern standard time, in force for the simulated dates. */
export const LOCAL_OFFSET_MS = -5 * HOUR_MS;

/** Countries with cheap routes (≤ $0.03/min in the sample deck): what an office calls abroad. */
const CHEAP_COUNTRIES = ['MX', 'GB', 'DE', 'FR', 'ES', 'IT', 'IN', 'CN', 'IE', 'NL', 'PL', 'BR', 'CO', 'AU', 'JP', 'IL'];
/** Relative call volume per local hour, 0-23: an office day with a lunch dip and a quiet night. */
const HOUR_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 7, 8, 8, 6, 7, 8, 8, 7, 4, 2, 1.5, 1, 0.7, 0.5, 0.3];

export interface PopulationOptions {
  readonly seed: number;
  readonly accounts: number;
  /** Diaspora customers added to the ordinary accounts, as a share of `accounts` (0 for none). */
  readonly diasporaShare?: number;
}

/** The popular range the diaspora customers call (numbers.ts): Philippine mobiles, rate-deck prefix 639. */
export const DIASPORA_RANGE = '639';
export const DIASPORA_COUNTRY = 'PH';

export function buildPopulation(options: PopulationOptions): SimAccount[] {
  const random = Random.stream(options.seed, 'population');
  const accounts = Array.from({ length: options.accounts }, (_unused, index) => {
    const profile = random.weighted<Profile>([
      ['domestic', 55],
      ['international', 35],
      ['open', 10],
    ]);
    return ordinaryAccount(`acct-${String(index + 1).padStart(4, '0')}`, index, profile, random);
  });
  // A stream of their own: adding them leaves the other accounts as they were.
  const diasporaRandom = Random.stream(options.seed, 'population:diaspora');
  const diaspora = Array.from({ length: Math.round(options.accounts * (options.diasporaShare ?? 0)) }, (_unused, index) => diasporaAccount(index, diasporaRandom));
  return [...accounts, ...diaspora];
}

/** A diaspora carrier's customer: home US, no whitelist, international on, no max rate. IPs from 198.19.x.x. */
function diasporaAccount(index: number, random: Random): SimAccount {
  const accountId = `dias-${String(index + 1).padStart(4, '0')}`;
  const sourceIp = `198.19.${Math.floor(index / 250)}.${(index % 250) + 1}`;
  return {
    accountId,
    name: `Customer ${accountId}`,
    profile: 'diaspora',
    role: 'ordinary',
    homeCountry: 'US',
    sipUsername: `${accountId}-pbx`,
    sourceIp,
    policy: {
      allowedIps: [sourceIp],
      credentialsEnabled: false,
      internationalEnabled: true,
      whitelistCountries: [],
      maxRatePerMinute: null,
      limits: { callsPerMinute: 10, concurrentCalls: 4, spendPerHour: null, spendPerDay: random.chance(0.4) ? random.int(25, 100) : null },
    },
    balance: random.int(100, 400),
    dailyCalls: 2,
    regularCountries: [DIASPORA_COUNTRY],
    internationalShare: 1,
  };
}

export function ordinaryAccount(accountId: string, index: number, profile: Profile, random: Random, role: SimAccount['role'] = 'ordinary'): SimAccount {
  const dailyCalls = Math.min(40, Math.max(1, random.logNormal(5, 0.8)));
  const sourceIp = `198.18.${Math.floor(index / 250)}.${(index % 250) + 1}`;
  const limits = {
    callsPerMinute: random.int(10, 30),
    concurrentCalls: random.int(4, 20),
    spendPerHour: null,
    spendPerDay: random.chance(0.4) ? random.int(25, 100) : null,
  };
  let policy: SimPolicy;
  let regularCountries: string[] = [];
  let internationalShare = 0;
  if (profile === 'domestic') {
    policy = {
      allowedIps: [sourceIp],
      credentialsEnabled: random.chance(0.5),
      internationalEnabled: false,
      whitelistCountries: random.chance(0.3) ? ['CA'] : [],
      maxRatePerMinute: random.chance(0.5) ? 0.05 : null,
      limits,
    };
    if (policy.whitelistCountries.includes('CA')) {
      regularCountries = ['CA'];
      internationalShare = 0.05;
    }
  } else {
    regularCountries = random.sample(CHEAP_COUNTRIES, random.int(1, 3));
    internationalShare = 0.1 + random.next() * 0.2;
    policy = {
      allowedIps: [sourceIp],
      credentialsEnabled: random.chance(0.5),
      internationalEnabled: true,
      whitelistCountries: regularCountries.filter(() => random.chance(0.5)),
      maxRatePerMinute: profile === 'international' ? random.pick([0.1, 0.25, 0.5]) : null,
      limits,
    };
  }
  return {
    accountId,
    name: `Customer ${accountId}`,
    profile,
    role,
    homeCountry: 'US',
    sipUsername: `${accountId}-pbx`,
    sourceIp,
    policy,
    balance: random.int(100, 400),
    dailyCalls,
    regularCountries,
    internationalShare,
  };
}

export interface TrafficOptions {
  readonly seed: number;
  readonly startMs: number;
  readonly days: number;
}

/** Every ordinary call of every account over the simulated days, in no particular order. */
export function ordinaryTraffic(accounts: readonly SimAccount[], options: TrafficOptions): PlannedCall[] {
  const calls: PlannedCall[] = [];
  for (const account of accounts) {
    const random = Random.stream(options.seed, `traffic:${account.accountId}`);
    let sequence = 0;
    const call = (at: number, to: string): void => {
      sequence += 1;
      calls.push({
        kind: 'call',
        lane: account.accountId,
        at,
        callId: `${account.accountId}-c${sequence}`,
        accountId: account.accountId,
        to,
        sourceIp: account.sourceIp,
        authMethod: 'ip',
        identifyBy: 'accountId',
        sipUsername: account.sipUsername,
        intendedSeconds: callLength(random),
        origin: 'ordinary',
      });
    };
    if (account.profile === 'diaspora') {
      for (let day = 0; day < options.days; day += 1) {
        // 18:00-22:00 local: 23:00 UTC of the day to 03:00 UTC of the next (the last evening runs past the last day).
        const times = Array.from({ length: random.int(1, 3) }, () => 18 * HOUR_MS + random.int(0, 4 * HOUR_MS - 1)).sort((a, b) => a - b);
        for (const localMs of times) {
          sequence += 1;
          calls.push({
            kind: 'call',
            lane: account.accountId,
            at: options.startMs + day * DAY_MS + localMs - LOCAL_OFFSET_MS,
            callId: `${account.accountId}-c${sequence}`,
            accountId: account.accountId,
            to: numberInRange(DIASPORA_RANGE, random),
            sourceIp: account.sourceIp,
            authMethod: 'ip',
            identifyBy: 'accountId',
            sipUsername: account.sipUsername,
            intendedSeconds: random.int(5, 30) * 60,
            origin: 'ordinary',
          });
        }
      }
      continue;
    }
    for (let day = 0; day < options.days; day += 1) {
      const dayStart = options.startMs + day * DAY_MS;
      const weekday = new Date(dayStart + LOCAL_OFFSET_MS).getUTCDay();
      const weekend = weekday === 0 || weekday === 6;
      const count = random.poisson(account.dailyCalls * (weekend ? 0.3 : 1));
      for (let i = 0; i < count; i += 1) {
        const at = timeOfDay(dayStart, random);
        if (account.regularCountries.length > 0 && random.chance(account.internationalShare)) {
          const country = random.pick(account.regularCountries);
          call(at, numberIn(country, random));
          if (country !== 'CA' && random.chance(0.1)) {
            const extra = random.int(1, 3);
            for (let k = 1; k <= extra; k += 1) call(at + random.int(1, 15) * MINUTE_MS, numberIn(country, random));
          }
        } else {
          call(at, numberIn('US', random));
        }
      }
      if (account.policy.internationalEnabled && random.chance(0.08)) {
        const known = new Set([...account.regularCountries, ...account.policy.whitelistCountries]);
        const country = random.pick(CHEAP_COUNTRIES.filter((candidate) => !known.has(candidate)));
        const at = timeOfDay(dayStart, random);
        const to = numberIn(country, random);
        call(at, to);
        if (random.chance(0.3)) call(at + random.int(1, 3) * MINUTE_MS, to);
      }
    }
  }
  return calls;
}

/** A moment of the UTC day starting at dayStart, drawn from the office-hours profile in local time. */
function timeOfDay(dayStartUtc: number, random: Random): number {
  const hour = random.weighted(HOUR_WEIGHTS.map((weight, hourOfDay) => [hourOfDay, weight] as const));
  const localMs = hour * HOUR_MS + random.int(0, HOUR_MS - 1);
  // Local midnight is 5 hours after UTC midnight; wrap into the same UTC day so each day keeps its own calls.
  return dayStartUtc + ((localMs - LOCAL_OFFSET_MS) % DAY_MS);
}

function callLength(random: Random): number {
  if (random.chance(0.2)) return 0;
  return Math.round(Math.min(7_200, Math.max(5, random.logNormal(150, 1))));
}
