/**
 * One input per rule and per shape of its evidence, for the engine and for the degraded path: the answers
 * test/domain/policy/decision-answers.test.ts pins byte for byte, and the stored decisions the record parser must
 * read back unchanged.
 */
import type { Account } from '../../domain/accounts/account.js';
import type { CallDecision } from '../../domain/policy/decision.js';
import { degradedDecision, type DegradedInput } from '../../domain/policy/degraded-decision.js';
import { NO_USAGE, resolveCallTarget } from '../../domain/policy/evaluate-call.js';
import { PrefixSet } from '../../domain/policy/prefix-set.js';
import { RateDeck } from '../../domain/rate-deck/rate-deck.js';
import { toMicros } from '../../domain/shared/money.js';
import { FIXTURE_DECK_ENTRIES, SETTINGS, account, evaluateOn, policy, request, type EvaluationCase } from './fixtures.js';

const deck = new RateDeck([...FIXTURE_DECK_ENTRIES, { prefix: '1800', country: 'US', description: 'US toll-free', ratePerMinute: 0 }], 'fixture-1');
const NOW = new Date('2026-03-01T12:04:00.000Z');
const limits = (overrides: Partial<Account['policy']['limits']>) => ({ callsPerMinute: null, concurrentCalls: null, spendPerHour: null, spendPerDay: null, ...overrides });
const international = (overrides: Partial<Account['policy']> = {}) => policy({ internationalEnabled: true, ...overrides });

export function evaluate(overrides: EvaluationCase = {}) {
  return evaluateOn({ rateDeck: deck, now: NOW }, overrides);
}

export function degraded(overrides: Partial<DegradedInput> & { req?: Parameters<typeof request>[0] } = {}) {
  const req = request(overrides.req);
  return degradedDecision({
    request: req,
    target: resolveCallTarget(req),
    account: account(),
    ledger: undefined,
    activeBan: undefined,
    rateDeck: deck,
    highRiskPrefixes: new PrefixSet(['881']),
    now: NOW,
    settings: SETTINGS,
    failMode: 'deny',
    failOpenMaxSeconds: 120,
    cause: 'unavailable',
    ...overrides,
  });
}

export const ENGINE_CASES: Record<string, EvaluationCase> = {
  'allowed, bound by the carrier cap': {},
  'allowed whole, bound by the balance': { account: account({ balanceMicros: toMicros(1), policy: international() }), req: { to: '+447700900123' }, settings: { ...SETTINGS, fullGrantShare: 1 } },
  'allowed a first slice': { account: account({ balanceMicros: toMicros(1), policy: international() }), req: { to: '+447700900123' } },
  'allowed, bound by the unusual-destination cost': { account: account({ balanceMicros: toMicros(100), policy: international() }), req: { to: '+18765550123' } },
  'allowed, bound by the hourly spend': { account: account({ policy: policy({ limits: limits({ spendPerHour: 1, spendPerDay: 5 }) }) }), usage: { ...NO_USAGE, spendLastHour: 0.91, spendToday: 2 } },
  'allowed, bound by the daily spend': { account: account({ policy: policy({ limits: limits({ spendPerDay: 1 }) }) }), usage: { ...NO_USAGE, spendToday: 0.91 } },
  'allowed, a free destination': { req: { to: '+18005550123' } },
  'allowed with reservations open': { account: account({ balanceMicros: toMicros(2) }), usage: { ...NO_USAGE, reservedMicros: toMicros(0.5), concurrentCalls: 1 } },
  'source IP banned': { activeBan: { ip: '203.0.113.10', bannedUntil: '2026-03-01T13:00:00.000Z', failures: 5 }, account: undefined },
  'account not found by id': { account: undefined },
  'account not found by tech prefix': { account: undefined, req: { accountId: undefined, to: '12345678*12125550123' } },
  'account not found by SIP username': { account: undefined, req: { accountId: undefined, sipUsername: 'ghost' } },
  'account not identified': { account: undefined, req: { accountId: undefined } },
  'account suspended': { account: account({ status: 'suspended' }) },
  'account under review': { account: account({ status: 'under_review' }) },
  'credentials disabled': { account: account({ policy: policy({ credentialsEnabled: false }) }), req: { authMethod: 'digest' } },
  'source IP not allowed': { req: { sourceIp: '198.51.100.7' } },
  'invalid number': { req: { to: '12' } },
  'no route': { account: account({ policy: international() }), req: { to: '+33123456789' } },
  'country blocked': { account: account({ policy: international({ blockedCountries: ['GB'] }) }), req: { to: '+442079460000' } },
  'prefix blocked': { account: account({ policy: policy({ blockedPrefixes: ['1', '1212'] }) }) },
  'country restricted': { account: account({ restrictedDestinations: ['GB'], policy: international() }), req: { to: '+442079460000' } },
  'prefix restricted': { account: account({ restrictedDestinations: ['4420'], policy: international() }), req: { to: '+442079460000' } },
  'range restricted carrier-wide': { account: account({ policy: international() }), req: { to: '+37069912345' }, restrictedRanges: ['37069'] },
  'burst to one unusual destination': { account: account({ policy: international() }), req: { to: '+37069912345' }, activity: { current: { LT: 4 }, previous: { LT: 1 } } },
  'spray over unusual destinations': { account: account({ policy: international() }), req: { to: '+37069912345' }, activity: { current: { LT: 1, GB: 2, DE: 2 }, previous: {} } },
  'spray counted as made': { account: account({ policy: international() }), req: { to: '+37069912345' }, activity: { current: { LT: 1 }, previous: {}, currentTotal: 5, previousTotal: 2 } },
  'unusual-spend budget used up': { account: account({ policy: international() }), req: { to: '+37069912345' }, usage: { ...NO_USAGE, unusualSpendLastWeek: 4.95 } },
  'allowed, bound by what the unusual-spend budget leaves': {
    account: account({ balanceMicros: toMicros(100), policy: international() }),
    req: { to: '+37069912345' },
    usage: { ...NO_USAGE, unusualSpendLastWeek: 4.5 },
    settings: { ...SETTINGS, minimumBillableSeconds: 6 },
  },
  'allowed, a premium range bound by the premium cap': { account: account({ balanceMicros: toMicros(100), policy: international() }), req: { to: '+37069912345' } },
  'high-risk destination': { account: account({ policy: international({ whitelistCountries: ['XS'], allowedHighRiskPrefixes: ['882'] }) }), req: { to: '+881612345678' } },
  'international disabled': { account: account({ policy: policy({ whitelistCountries: ['GB'] }) }), req: { to: '+4930123456' } },
  'rate above the maximum': { account: account({ policy: international({ maxRatePerMinute: 0.05 }) }), req: { to: '18095550123' } },
  'outside calling hours': { account: account({ policy: policy({ callingHours: { timezone: 'Europe/London', appliesTo: 'all', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '19:00' }] } }) }) },
  'velocity limit': { account: account({ policy: policy({ limits: limits({ callsPerMinute: 10 }) }) }), usage: { ...NO_USAGE, callsLastMinute: 11 } },
  'concurrency limit': { account: account({ policy: policy({ limits: limits({ concurrentCalls: 2 }) }) }), usage: { ...NO_USAGE, concurrentCalls: 2 } },
  'hourly spend limit': { account: account({ policy: policy({ limits: limits({ spendPerHour: 1, spendPerDay: 1 }) }) }), usage: { ...NO_USAGE, spendLastHour: 1, spendToday: 1 } },
  'daily spend limit': { account: account({ policy: policy({ limits: limits({ spendPerHour: 3, spendPerDay: 5 }) }) }), usage: { ...NO_USAGE, spendLastHour: 1, spendToday: 5 } },
  'hourly spend left pays under a minute': { account: account({ policy: policy({ limits: limits({ spendPerHour: 1 }) }) }), usage: { ...NO_USAGE, spendLastHour: 0.996 } },
  'daily spend left pays under a minute': { account: account({ policy: policy({ limits: limits({ spendPerDay: 1 }) }) }), usage: { ...NO_USAGE, spendToday: 0.996 } },
  'empty balance': { account: account({ balanceMicros: 0 }) },
  'balance under the minimum billable time': { account: account({ balanceMicros: toMicros(0.2), policy: international() }), req: { to: '+18765550123' }, usage: { ...NO_USAGE, reservedMicros: toMicros(0.01) } },
};

export const DEGRADED_CASES: Record<string, Partial<DegradedInput> & { req?: Parameters<typeof request>[0] }> = {
  'credential unverified': { cause: 'unverified-credential' },
  'no reference data held': { rateDeck: undefined },
  'no reference data held, fail mode allow': { rateDeck: undefined, failMode: 'allow' },
  'a denial on the last state read': { account: account({ status: 'suspended' }) },
  'a denial without account state': { account: undefined },
  'a burst cannot be seen while degraded: refused by the rate': { account: account({ policy: international({ maxRatePerMinute: 0.05 }) }), req: { to: '+18765550123' } },
  'a range restricted carrier-wide, from the list held in memory': { account: account({ policy: international() }), req: { to: '+37069912345' }, restrictedRanges: ['37069'] },
  'fail mode deny': {},
  'fail mode allow': { failMode: 'allow' },
  'fail mode allow, shorter than the cap': { failMode: 'allow', failOpenMaxSeconds: 100_000, account: account({ balanceMicros: toMicros(0.1) }) },
};

/** Every case's answer, by case name. */
export function engineAnswers(): Record<string, CallDecision> {
  return Object.fromEntries(Object.entries(ENGINE_CASES).map(([name, input]) => [name, evaluate(input)]));
}

export function degradedAnswers(): Record<string, CallDecision> {
  return Object.fromEntries(Object.entries(DEGRADED_CASES).map(([name, input]) => [name, degraded(input)]));
}
