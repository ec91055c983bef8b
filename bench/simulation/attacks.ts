/**
 * The injected attacks. Each gets its own victim account (a customer with ordinary traffic of its own, and the
 * policy such a customer would plausibly have), except the Wangiri wave, whose victims are ordinary customers.
 *
 *  - irsf-burst: a hacked PBX on an account with international calling on and no max rate dials premium and IRSF
 *    ranges in countries the account never called, two call a minute, in two waves at night; each call held for an hour.
 *  - irsf-burst-max-rate: the same burst on an account that set a $0.25/min max rate.
 *  - slow-drip: one call every 20-40 minutes, round the clock, to two premium ranges, kept under the burst thresholds,
 *    for `dripDays` (14) from its start, past the end of the ordinary traffic; the account set spendPerDay.
 *  - nanp-pumping: +1 876/809/284/649/664/473/268 numbers (they look domestic) from a US account with a $0.05 max rate.
 *  - credential-stuffing: one IP guesses SIP passwords (the switch reports each failure), cracks one account's
 *    password after 40 guesses and places premium calls with it from the same IP while guessing on.
 *  - wangiri-callback: one-ring calls from a premium number (Guinea, a range no other attack dials) reached 15% of
 *    customers' users, who call it back.
 *  - irsf-burst-parallel: the IRSF burst's 100 attempts (the same numbers) fired at the same instant on an account
 *    with the same policy: a compromised PBX firing everything at once.
 *  - prepaid-drain: 200 calls to US 1-900 premium numbers, one every 10 s in the afternoon, on a prepaid account with a $25 balance
 *    and no other limit: only the balance (and its reservations) bounds them.
 *  - prepaid-drain-parallel: the same 200 calls fired at the same instant on an account like it (the drained-balance
 *    race: do simultaneous calls each get what the balance could pay for one?).
 *  - shared-range: 12 compromised PBXs (12 ordinary-looking accounts of their own, international on, no max rate,
 *    Sierra Leone neither home, whitelisted nor ever called) each dial one number in +23276 once, 2-5 minutes apart
 *    at night, each call held 60 min: one range, many accounts, one call each.
 */
import { DAY_MS, HOUR_MS, LOCAL_OFFSET_MS, MINUTE_MS, ordinaryAccount } from './carrier.js';
import type { AttackInfo, PlannedCall, PlannedEvent, SimAccount } from './model.js';
import { numberInRange } from './numbers.js';
import { Random } from './prng.js';

export const ATTACK_IDS = [
  'irsf-burst',
  'irsf-burst-max-rate',
  'slow-drip',
  'nanp-pumping',
  'credential-stuffing',
  'wangiri-callback',
  'irsf-burst-parallel',
  'prepaid-drain',
  'prepaid-drain-parallel',
  'shared-range',
] as const;
export type AttackId = (typeof ATTACK_IDS)[number];

const IRSF_RANGES = ['690', '674', '252', '3709', '37190', '53', '881', '882'];
const NANP_LOOKALIKES = ['1876', '1809', '1284', '1649', '1664', '1473', '1268'];
const DRIP_RANGES = ['3709', '37190'];
/** Guinea mobile: no other attack dials it, so the wave's figure is the wave's own (it was Somalia, +252, before). */
export const WANGIRI_RANGE = '224';
/** Sierra Leone mobile (+23276); the deck prices it at SL's longest prefix, 232. */
export const SHARED_RANGE = '232';
const SHARED_RANGE_ACCOUNTS = 12;
const PREMIUM_RANGE = '1900';
export const STUFFING_IP = '192.0.2.66';

export interface AttackPlanOptions {
  readonly seed: number;
  readonly startMs: number;
  readonly days: number;
  /** Days at the start with ordinary traffic only (Tollgate learns the accounts' usual countries). */
  readonly learningDays: number;
  readonly include: readonly AttackId[];
  readonly ordinary: readonly SimAccount[];
  /** How many days the slow drip runs from its start, whatever `days` (default 14). */
  readonly dripDays?: number;
}

export interface AttackPlan {
  readonly victims: SimAccount[];
  readonly events: PlannedEvent[];
  readonly attacks: AttackInfo[];
}

export function planAttacks(options: AttackPlanOptions): AttackPlan {
  const attackDays = Math.max(1, options.days - options.learningDays);
  /** Local (US Eastern) time on the n-th attack day. */
  const localTime = (dayOffset: number, hour: number, minute = 0) =>
    options.startMs + (options.learningDays + (dayOffset % attackDays)) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS - LOCAL_OFFSET_MS;
  const victims: SimAccount[] = [];
  const events: PlannedEvent[] = [];
  const attacks: AttackInfo[] = [];
  let victimIndex = 900;

  const victim = (id: AttackId, profile: SimAccount['profile'], policy: Partial<SimAccount['policy']>, balance: number, suffix = ''): SimAccount => {
    const base = ordinaryAccount(`victim-${id}${suffix}`, (victimIndex += 1), profile, Random.stream(options.seed, `victim:${id}${suffix}`), 'victim');
    const account: SimAccount = { ...base, balance, policy: { ...base.policy, ...policy } };
    victims.push(account);
    return account;
  };
  const attackCall = (origin: AttackId, account: SimAccount, sequence: number, at: number, to: string, intendedSeconds: number, overrides: Partial<PlannedCall> = {}): PlannedCall => ({
    kind: 'call',
    lane: account.accountId,
    at,
    callId: `${origin}-${sequence}`,
    accountId: account.accountId,
    to,
    sourceIp: account.sourceIp,
    authMethod: 'ip',
    identifyBy: 'accountId',
    sipUsername: account.sipUsername,
    intendedSeconds,
    origin,
    ...overrides,
  });

  const irsfBurstPolicy = (capped: boolean): Partial<SimAccount['policy']> => ({
    internationalEnabled: true,
    maxRatePerMinute: capped ? 0.25 : null,
    whitelistCountries: ['GB', 'MX'],
    limits: { callsPerMinute: 20, concurrentCalls: 10, spendPerHour: null, spendPerDay: 150 },
  });
  /** A prepaid customer's account with nothing but its balance to bound it: domestic only, no rate cap, no limits. */
  const prepaidPolicy: Partial<SimAccount['policy']> = {
    internationalEnabled: false,
    maxRatePerMinute: null,
    whitelistCountries: [],
    limits: { callsPerMinute: null, concurrentCalls: null, spendPerHour: null, spendPerDay: null },
  };
  const prepaidBalance = 25;
  const prepaidAttempts = 200;
  const prepaidCallSeconds = 1_800;

  for (const id of options.include) {
    // A parallel attack draws its numbers from its sequential counterpart's stream: the same attempts, sent at once.
    const random = Random.stream(options.seed, `attack:${id.replace(/-parallel$/, '')}`);
    if (id === 'irsf-burst-parallel') {
      const account = victim(id, 'open', irsfBurstPolicy(false), 300);
      const start = localTime(1, 2, 10);
      for (let i = 0; i < 100; i += 1) {
        events.push(attackCall(id, account, i + 1, start, numberInRange(random.pick(IRSF_RANGES), random), 3_600, { burst: id }));
      }
      attacks.push({
        id,
        title: 'IRSF burst fired all at once',
        kind: 'single-account',
        description:
          'The IRSF burst\'s 100 attempts (the same numbers) sent at the same instant, none waiting for another\'s answer, each held 60 min; account as for the IRSF burst: international on, no max rate, GB and MX whitelisted, 10 concurrent calls, $150/day, $300 balance.',
        victim: account.accountId,
        startsAt: start,
        mode: 'parallel',
        sequentialCounterpart: 'irsf-burst',
      });
    } else if (id === 'prepaid-drain' || id === 'prepaid-drain-parallel') {
      const parallel = id === 'prepaid-drain-parallel';
      const account = victim(id, 'domestic', prepaidPolicy, prepaidBalance);
      const start = localTime(parallel ? 1 : 0, 16);
      for (let i = 0; i < prepaidAttempts; i += 1) {
        const to = numberInRange(PREMIUM_RANGE, random);
        events.push(attackCall(id, account, i + 1, parallel ? start : start + i * 10_000, to, prepaidCallSeconds, parallel ? { burst: id } : {}));
      }
      attacks.push({
        id,
        title: parallel ? 'Prepaid balance drained by simultaneous calls' : 'Prepaid balance drained one call at a time',
        kind: 'capped-by-balance',
        description:
          `${prepaidAttempts} calls to US 1-900 premium numbers ($2.50/min), ${parallel ? 'all sent at the same instant' : 'one every 10 s'}, each held ${prepaidCallSeconds / 60} min; ` +
          `a prepaid account: $${prepaidBalance} balance, domestic only, no max rate, no velocity, concurrency or spend limit (only the balance bounds it).`,
        victim: account.accountId,
        startsAt: start,
        mode: parallel ? 'parallel' : 'sequential',
        ...(parallel ? { sequentialCounterpart: 'prepaid-drain' } : {}),
      });
    } else if (id === 'irsf-burst' || id === 'irsf-burst-max-rate') {
      const capped = id === 'irsf-burst-max-rate';
      const account = victim(id, capped ? 'international' : 'open', irsfBurstPolicy(capped), 300);
      const start = capped ? localTime(1, 1, 30) : localTime(0, 2, 10);
      const waves = [
        { at: start, attempts: 60 },
        { at: start + 3 * HOUR_MS, attempts: 40 },
      ];
      let sequence = 0;
      for (const wave of waves) {
        for (let i = 0; i < wave.attempts; i += 1) {
          sequence += 1;
          events.push(attackCall(id, account, sequence, wave.at + i * 30_000, numberInRange(random.pick(IRSF_RANGES), random), 3_600));
        }
      }
      attacks.push({
        id,
        title: capped ? 'IRSF burst, account with a $0.25/min max rate' : 'IRSF burst after a PBX compromise',
        kind: 'single-account',
        description: `${waves.reduce((sum, wave) => sum + wave.attempts, 0)} attempts (2/min, two waves 3 h apart, at night) to premium, satellite and IRSF ranges (+690, +674, +252, +3709, +37190, +53, +881, +882), each held 60 min; account: international on, ${capped ? 'max rate $0.25/min' : 'no max rate'}, GB and MX whitelisted, 10 concurrent calls, $150/day, $300 balance.`,
        victim: account.accountId,
        startsAt: start,
        mode: 'sequential',
      });
    } else if (id === 'slow-drip') {
      const account = victim(
        id,
        'open',
        {
          internationalEnabled: true,
          maxRatePerMinute: null,
          whitelistCountries: ['MX'],
          limits: { callsPerMinute: 20, concurrentCalls: 10, spendPerHour: null, spendPerDay: 40 },
        },
        600,
      );
      const start = localTime(0, 0) + LOCAL_OFFSET_MS; // midnight UTC of the first attack day
      const dripDays = options.dripDays ?? 14;
      const dripEndMs = start + dripDays * DAY_MS;
      let at = start;
      let sequence = 0;
      while (at < dripEndMs) {
        sequence += 1;
        events.push(attackCall(id, account, sequence, at, numberInRange(DRIP_RANGES[sequence % 2] as string, random), random.int(600, 1_200)));
        at += random.int(20, 40) * MINUTE_MS;
      }
      attacks.push({
        id,
        title: 'Slow drip under the burst thresholds',
        kind: 'single-account',
        description: `${sequence} attempts over ${dripDays} days, one every 20-40 min round the clock, alternating Lithuanian and Latvian premium ranges (+3709, +37190, $0.88-0.92/min), 10-20 min each; account: international on, no max rate, spendPerDay $40, $600 balance. The ordinary traffic ends after the simulated days; the drip goes on.`,
        victim: account.accountId,
        startsAt: start,
        mode: 'sequential',
        daily: true,
      });
    } else if (id === 'nanp-pumping') {
      const account = victim(
        id,
        'international',
        {
          internationalEnabled: true,
          maxRatePerMinute: 0.05,
          whitelistCountries: ['CA', 'MX'],
          limits: { callsPerMinute: 30, concurrentCalls: 20, spendPerHour: null, spendPerDay: 100 },
        },
        300,
      );
      const start = localTime(0, 14);
      for (let i = 0; i < 120; i += 1) {
        events.push(attackCall(id, account, i + 1, start + i * 30_000, numberInRange(random.pick(NANP_LOOKALIKES), random), 1_800));
      }
      attacks.push({
        id,
        title: 'NANP look-alike pumping',
        kind: 'single-account',
        description: '120 attempts over 60 min to +1 876/809/284/649/664/473/268 numbers ($0.09-0.31/min), 30 min each, from a US account with a $0.05/min max rate (international on, CA and MX whitelisted).',
        victim: account.accountId,
        startsAt: start,
        mode: 'sequential',
      });
    } else if (id === 'credential-stuffing') {
      const account = victim(
        id,
        'open',
        {
          credentialsEnabled: true,
          internationalEnabled: true,
          maxRatePerMinute: null,
          whitelistCountries: ['GB'],
          limits: { callsPerMinute: 20, concurrentCalls: 10, spendPerHour: null, spendPerDay: 150 },
        },
        300,
      );
      const start = localTime(1, 3);
      const usernames = [account.sipUsername, 'admin', '100', '1000', '1001', 'test', 'sip', 'office', ...options.ordinary.slice(0, 20).map((other) => other.sipUsername)];
      const guesses = 200;
      const crackedAfter = 40;
      for (let i = 0; i < guesses; i += 1) {
        events.push({ kind: 'auth-failure', lane: account.accountId, at: start + i * 6_000, sourceIp: STUFFING_IP, sipUsername: random.pick(usernames), origin: id });
      }
      const callsFrom = start + crackedAfter * 6_000 + MINUTE_MS;
      for (let i = 0; i < 60; i += 1) {
        events.push(
          attackCall(id, account, i + 1, callsFrom + i * 30_000, numberInRange(random.pick(IRSF_RANGES), random), 3_600, {
            sourceIp: STUFFING_IP,
            authMethod: 'digest',
            identifyBy: 'sipUsername',
          }),
        );
      }
      attacks.push({
        id,
        title: 'Credential stuffing from one IP',
        kind: 'single-account',
        description: `${guesses} failed SIP authentications from ${STUFFING_IP} over 20 min (reported to POST /v1/auth-failures); the password of ${account.sipUsername} falls after ${crackedAfter} guesses and 60 premium calls (60 min each) follow from the same IP with digest authentication. Account: credentials on, international on, no max rate.`,
        victim: account.accountId,
        startsAt: start,
        mode: 'sequential',
      });
    } else if (id === 'shared-range') {
      const start = localTime(0, 1, 20);
      let at = start;
      for (let i = 0; i < SHARED_RANGE_ACCOUNTS; i += 1) {
        const suffix = `-${String(i + 1).padStart(2, '0')}`;
        const account = victim(id, 'open', { internationalEnabled: true, maxRatePerMinute: null }, 300, suffix);
        events.push(attackCall(id, account, i + 1, at, numberInRange(SHARED_RANGE, random), 3_600));
        at += random.int(2, 5) * MINUTE_MS;
      }
      attacks.push({
        id,
        title: 'One range, many compromised PBXs',
        kind: 'many-accounts',
        mode: 'sequential',
        description: `${SHARED_RANGE_ACCOUNTS} compromised PBXs, each on an ordinary-looking account of its own (international on, no max rate, Sierra Leone neither home, whitelisted nor ever called), each dial one number in the same Sierra Leone mobile range (+23276, $0.55/min) once, 2-5 min apart at night, each call held 60 min. No account makes more than one call: no per-account burst.`,
        startsAt: start,
      });
    } else {
      // The carrier's business customers (not the diaspora ones): the wave is the same whatever the diaspora share.
      const customers = options.ordinary.filter((account) => account.profile !== 'diaspora');
      const callers = random.sample(customers, Math.max(1, Math.round(customers.length * 0.15)));
      const start = localTime(2, 19);
      const premiumNumber = numberInRange(WANGIRI_RANGE, random);
      let sequence = 0;
      for (const caller of callers) {
        const at = start + random.int(0, 180) * MINUTE_MS;
        const redials = random.chance(0.3) ? 2 : 1;
        for (let k = 0; k < redials; k += 1) {
          sequence += 1;
          events.push(attackCall(id, caller, sequence, at + k * random.int(1, 5) * MINUTE_MS, premiumNumber, random.int(60, 300)));
        }
      }
      attacks.push({
        id,
        title: 'Wangiri callback wave',
        kind: 'many-accounts',
        mode: 'sequential',
        description: `${callers.length} customers (15% of the ordinary accounts) call back one Guinean number (${premiumNumber}, $0.62/min; a range no other attack dials) within 3 h in the evening, 30% of them twice; 1-5 min each. Every account sees one or two calls: no per-account burst.`,
        startsAt: start,
      });
    }
  }
  return { victims, events, attacks };
}
