/**
 * How the simulator reads an attack's recorded calls (bench/simulation/analysis.ts), on hand-made records: where an
 * attack over many accounts was stopped (the customers' own policy denials before the first detection do not count
 * as the stop), when a drip over days counts as stopped, and the false positives of the diaspora customers apart.
 */
import { describe, expect, it } from 'vitest';
import { attackOutcomes, falsePositives } from '../../bench/simulation/analysis.js';
import type { AttackInfo, CallRecord, SimAccount } from '../../bench/simulation/model.js';
import { RateDeck } from '../../domain/rate-deck/rate-deck.js';
import { sampleDeckEntries } from '../../bench/sample-data.js';

const deck = new RateDeck(sampleDeckEntries(), 'sample-1');
const DAY = 86_400_000;
const start = Date.parse('2026-03-03T00:00:00.000Z');

function call(index: number, origin: string, accountId: string, decision: 'allow' | 'deny', reason: string, at = start + index * 180_000, extra: Partial<CallRecord> = {}): CallRecord {
  return {
    callId: `${origin}-${index}`,
    origin,
    accountId,
    at,
    to: '+23276123456',
    country: 'SL',
    ratePerMinute: 0.55,
    decision,
    reason,
    maxDurationSeconds: decision === 'allow' ? 218 : null,
    intendedSeconds: 3_600,
    answerMs: 1,
    ...(decision === 'allow' ? { charged: 2, durationSeconds: 218, grantedSeconds: 218, endedAt: at + 218_000 } : {}),
    ...extra,
  };
}

const account = (accountId: string, profile: SimAccount['profile'], role: SimAccount['role'] = 'ordinary'): SimAccount => ({
  accountId,
  name: accountId,
  profile,
  role,
  homeCountry: 'US',
  sipUsername: `${accountId}-pbx`,
  sourceIp: '198.18.0.1',
  policy: { allowedIps: [], credentialsEnabled: false, internationalEnabled: true, whitelistCountries: [], maxRatePerMinute: null, limits: { callsPerMinute: null, concurrentCalls: null, spendPerHour: null, spendPerDay: 40 } },
  balance: 100,
  dailyCalls: 1,
  regularCountries: [],
  internationalShare: 0,
});

describe('simulation analysis', () => {
  it('stops an attack over many accounts at the first detection denial after which nothing got through, not at a customer policy denial', () => {
    const wave: AttackInfo = { id: 'wave', title: 'wave', kind: 'many-accounts', description: '', startsAt: start, mode: 'sequential' };
    const calls = [
      call(1, 'wave', 'a1', 'deny', 'INTERNATIONAL_DISABLED'),
      call(2, 'wave', 'a2', 'allow', 'ALLOWED'),
      call(3, 'wave', 'a3', 'deny', 'RATE_ABOVE_MAX'),
      call(4, 'wave', 'a3', 'deny', 'RATE_ABOVE_MAX'),
      call(5, 'wave', 'a4', 'deny', 'DESTINATION_RESTRICTED', undefined, { carrierRange: '232' }),
      call(6, 'wave', 'a5', 'deny', 'DESTINATION_RESTRICTED', undefined, { carrierRange: '232' }),
    ];
    const [outcome] = attackOutcomes([wave], calls, [], [], deck);
    expect(outcome).toMatchObject({ stopped: true, attemptsBeforeStop: 5, stopRule: 'DESTINATION_RESTRICTED', lost: 2, carrierRanges: ['232'] });
    expect(outcome?.accounts).toEqual({ count: 5, stoppedAt: 4, allowedBeforeStop: 1, policyDeniedBeforeStop: 3 });
    expect(outcome?.targetNote).toBe('stopped at account 4 of 5; $2.00 lost before the stop');

    const onlyPolicy = attackOutcomes([wave], calls.slice(0, 4), [], [], deck)[0];
    expect(onlyPolicy).toMatchObject({ stopped: false, accounts: { stoppedAt: null } });
  });

  it('reports a drip per UTC day with its largest grant, and counts it stopped only when the stop holds past a midnight', () => {
    const drip: AttackInfo = { id: 'drip', title: 'drip', kind: 'single-account', description: '', victim: 'v', startsAt: start, mode: 'sequential', daily: true };
    const accounts = [account('v', 'open', 'victim')];
    const dayOne = [call(1, 'drip', 'v', 'allow', 'ALLOWED', start + 3_600_000), call(2, 'drip', 'v', 'allow', 'ALLOWED', start + 7_200_000, { maxDurationSeconds: 136 })];
    const refusedAtTheEnd = [...dayOne, call(3, 'drip', 'v', 'deny', 'SPEND_LIMIT', start + 20 * 3_600_000)];
    const endOfDay = attackOutcomes([drip], refusedAtTheEnd, [], accounts, deck)[0];
    expect(endOfDay).toMatchObject({ stopped: false, targetMet: false });
    expect(endOfDay?.perDay).toEqual([{ day: Math.floor(start / DAY), spent: 4, limit: 40, allowed: 2, largestGrantSeconds: 218 }]);

    const heldOverNight = [...refusedAtTheEnd, call(4, 'drip', 'v', 'deny', 'DESTINATION_RESTRICTED', start + DAY + 3_600_000)];
    expect(attackOutcomes([drip], heldOverNight, [], accounts, deck)[0]).toMatchObject({ stopped: true, attemptsBeforeStop: 3, lost: 4, targetMet: true });
  });

  it('counts the diaspora customers in the false positives and shows theirs apart, with the calls their grant cut short', () => {
    const accounts = [account('b1', 'international'), account('b2', 'domestic'), account('d1', 'diaspora'), account('d2', 'diaspora')];
    const calls = [
      call(1, 'ordinary', 'b1', 'allow', 'ALLOWED'),
      call(2, 'ordinary', 'b2', 'allow', 'ALLOWED', undefined, { intendedSeconds: 60 }),
      call(3, 'ordinary', 'd1', 'deny', 'DESTINATION_RESTRICTED'),
      call(4, 'ordinary', 'd2', 'allow', 'ALLOWED', undefined, { intendedSeconds: 1_200, grantedSeconds: 1_090 }),
    ];
    const summary = falsePositives(calls, accounts, [], start);
    expect(summary).toMatchObject({ ordinaryAccounts: 4, deniedCalls: 1, accountsAffected: 1, accountsAffectedPercent: 25 });
    expect(summary.byGroup.business).toMatchObject({ accounts: 2, calls: 2, deniedCalls: 0, accountsAffected: 0, cutShort: 1 });
    expect(summary.byGroup.diaspora).toMatchObject({ accounts: 2, calls: 2, deniedCalls: 1, accountsAffected: 1, accountsAffectedPercent: 50, reasons: { DESTINATION_RESTRICTED: 1 }, cutShort: 1 });
  });
});
