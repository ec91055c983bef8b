/**
 * The spend part of an authorization's one conditional write: what the commitment asks (domain/policy/call-commitment.ts)
 * and how the adapter words it (functions/adapters/dynamodb/authorization-store.ts), without a database.
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_LEDGER, type AccountLedger } from '../../../../domain/calls/ledger.js';
import { spendBucket } from '../../../../domain/calls/spend-windows.js';
import { NO_USAGE } from '../../../../domain/policy/evaluate-call.js';
import { commitmentFor } from '../../../../domain/policy/call-commitment.js';
import { commitmentExpression } from '../../../../functions/adapters/dynamodb/authorization-store.js';
import { counterAttributeNames, counterReset, parseLedger } from '../../../../functions/adapters/dynamodb/ledger-attributes.js';
import { account, evaluateOn, fixtureDeck, policy, SETTINGS } from '../../../support/fixtures.js';

const NOW = new Date('2026-11-29T18:00:13.000Z');
const PREVIOUS = spendBucket('hour', Date.parse('2026-11-29T17:59:50Z'));
const CURRENT = spendBucket('hour', NOW.getTime());
const limits = { callsPerMinute: null, concurrentCalls: null, spendPerHour: 1, spendPerDay: null };
const caller = account({ policy: policy({ limits }) });

function commitment(ledger: AccountLedger, spendLastHour = 0) {
  const decision = evaluateOn({ rateDeck: fixtureDeck(), now: NOW }, { req: { callId: 'c-1', to: '+12125550123' }, account: caller, usage: { ...NO_USAGE, spendLastHour } });
  expect(decision.decision).toBe('allow');
  const taken = commitmentFor({ decision, callId: 'c-1', account: caller, ledger, unusualCountry: undefined, now: NOW, detection: SETTINGS.detection, credit: SETTINGS });
  if (!taken?.liveCall || !taken.spend) throw new Error('an allowed call takes a live call and spend');
  return { ...taken, liveCall: taken.liveCall, spend: taken.spend };
}

describe('the spend part of the authorization write', () => {
  it('checks the current bucket against what the previous buckets leave, and guards the buckets that may have grown', () => {
    const ledger: AccountLedger = { ...EMPTY_LEDGER, spendBuckets: { hour: { [PREVIOUS]: 600_000 }, day: {} }, readAtMs: Date.parse('2026-11-29T17:59:50Z') };
    const { liveCall, spend } = commitment(ledger, 0.6);
    const reserved = liveCall.call.reservedMicros;
    expect(liveCall.call.spendBucket).toBe(CURRENT);
    // Only the hour window has a limit: one check; the reservation goes to the current bucket of both windows.
    expect(spend.checks).toEqual([
      {
        window: 'hour',
        bucket: CURRENT,
        currentAtMost: 1_000_000 - 600_000 - reserved,
        guards: [
          { bucket: PREVIOUS - 1, atMost: 0 },
          { bucket: PREVIOUS, atMost: 600_000 },
          { bucket: CURRENT + 1, atMost: 0 },
        ],
      },
    ]);
    expect(spend.adjustments).toEqual([
      { window: 'hour', bucket: CURRENT, micros: reserved },
      { window: 'day', bucket: spendBucket('day', NOW.getTime()), micros: reserved },
    ]);

    const built = commitmentExpression(commitment(ledger, 0.6)).build();
    const nameOf = (attribute: string) => Object.entries(built.ExpressionAttributeNames).find(([, name]) => name === attribute)?.[0];
    const valueOf = (placeholder: string | undefined) => (placeholder ? (built.ExpressionAttributeValues as Record<string, unknown>)[placeholder] : undefined);
    const bound = (attribute: string) => {
      const name = nameOf(attribute) ?? 'missing';
      const match = new RegExp(`attribute_not_exists\\(${name}\\) OR ${name} <= (:v\\d+)`).exec(built.ConditionExpression ?? '');
      return valueOf(match?.[1]);
    };
    expect(bound(`sh#${CURRENT}`)).toBe(1_000_000 - 600_000 - reserved);
    expect(bound(`sh#${PREVIOUS}`)).toBe(600_000);
    expect(bound(`sh#${PREVIOUS - 1}`)).toBe(0);
    expect(bound(`sh#${CURRENT + 1}`)).toBe(0);
    expect(built.UpdateExpression).toContain(`${nameOf(`sh#${CURRENT}`)} :v`);
    expect(built.UpdateExpression).toContain(`${nameOf(`sd#${spendBucket('day', NOW.getTime())}`)} :v`);
  });

  it('refuses outright when the other buckets leave less than the reservation', () => {
    const ledger: AccountLedger = { ...EMPTY_LEDGER, spendBuckets: { hour: { [PREVIOUS]: 999_999 }, day: {} }, readAtMs: NOW.getTime() };
    const taken = commitment(ledger);
    expect(taken.spend.checks[0]?.currentAtMost).toBeLessThan(0);
    expect(commitmentExpression(taken).build().ConditionExpression).toContain('(attribute_not_exists(pk))');
  });

  it('drops the buckets no window counts any more, and the legacy fixed-hour counters once passed', () => {
    const old = spendBucket('hour', Date.parse('2026-11-29T16:50:00Z'));
    const ledger = parseLedger({ [`sh#${old}`]: 5, [`sh#${PREVIOUS}`]: 7, 'h#491321': 9, liveCalls: 0, availableMicros: 0, balanceMicros: 0 });
    expect(ledger.legacySpend.hour).toEqual({ 491_321: 9 });
    const built = commitmentExpression(commitment(ledger)).build();
    const removed = built.UpdateExpression.slice(built.UpdateExpression.indexOf('REMOVE') + 'REMOVE'.length).split(',').map((name) => name.trim());
    const names = Object.fromEntries(Object.entries(built.ExpressionAttributeNames).map(([placeholder, name]) => [name, placeholder]));
    expect(removed).toContain(names[`sh#${old}`]);
    expect(removed).not.toContain(names[`sh#${PREVIOUS}`]);
    // h#491321 is 2026-01-19: long past.
    expect(removed).toContain(names['h#491321']);
  });

  it('lists the counter attributes a reset clears, and nothing else', () => {
    expect(
      counterAttributeNames({ pk: 'ACCOUNT#a', 'm#1': 1, 'sh#2': 1, 'sd#3': 1, 'su#7': 1, 'h#4': 1, 'd#5': 1, 'u#6': 1, 'u#6#LT': 1, 'c#call': {}, 'x#call': {}, availableMicros: 1 }).sort(),
    ).toEqual(['d#5', 'h#4', 'm#1', 'sd#3', 'sh#2', 'su#7', 'u#6', 'u#6#LT']);
  });

  it('takes a call to an unusual destination from the week\'s unusual-spend budget too, in the same write', () => {
    const international = account({ policy: policy({ internationalEnabled: true }) });
    const day = spendBucket('unusual', NOW.getTime());
    const ledger: AccountLedger = { ...EMPTY_LEDGER, spendBuckets: { hour: {}, day: {}, unusual: { [day - 1]: 3_500_000 } }, readAtMs: NOW.getTime() };
    // LT premium, 1.20/min: unusual for a US account.
    const decision = evaluateOn(
      { rateDeck: fixtureDeck(), now: NOW },
      { req: { callId: 'c-u', to: '+37069912345' }, account: international, usage: { ...NO_USAGE, unusualSpendLastWeek: 3.5 }, activity: { current: { LT: 1 }, previous: {} } },
    );
    // The budget leaves 1.50 of 5.00; the premium cap (1.00) is tighter and bounds the grant.
    expect(decision).toMatchObject({ decision: 'allow', rule: { evidence: { boundBy: 'unusualDestination' } } });
    const taken = commitmentFor({ decision, callId: 'c-u', account: international, ledger, unusualCountry: 'LT', now: NOW, detection: SETTINGS.detection, credit: SETTINGS });
    const reserved = taken?.liveCall?.call.reservedMicros ?? 0;
    expect(taken?.liveCall?.call.unusual).toBe(true);
    expect(taken?.spend?.checks).toContainEqual(expect.objectContaining({ window: 'unusual', bucket: day, currentAtMost: 5_000_000 - 3_500_000 - reserved }));
    expect(taken?.spend?.adjustments).toContainEqual({ window: 'unusual', bucket: day, micros: reserved });
    const built = commitmentExpression(taken ?? (undefined as never)).build();
    expect(Object.values(built.ExpressionAttributeNames)).toContain(`su#${day}`);
  });

  it('resets the counters but keeps in each spend bucket the reservations of the calls still live', () => {
    const item = {
      pk: 'ACCOUNT#a',
      [`sh#${PREVIOUS}`]: 90_000,
      [`sh#${PREVIOUS - 3}`]: 40_000,
      [`sd#${Math.floor(PREVIOUS / 12)}`]: 130_000,
      'm#1': 4,
      'u#6': 2,
      'c#live': { r: 25_000, g: 100, e: 1, s: PREVIOUS },
      'c#other': { r: 5_000, g: 100, e: 1, s: PREVIOUS },
      'c#legacy': { r: 7_000, g: 100, e: 1 },
      'c#unusual': { r: 2_000, g: 100, e: 1, s: PREVIOUS, u: 1 },
      [`su#${Math.floor(PREVIOUS / 288)}`]: 9_000,
    };
    const reset = counterReset(item);
    // The unusual call's reservation stays in all three windows' buckets; the others' in the hour and day windows.
    expect(reset.set).toEqual({ [`sh#${PREVIOUS}`]: 32_000, [`sd#${Math.floor(PREVIOUS / 12)}`]: 32_000, [`su#${Math.floor(PREVIOUS / 288)}`]: 2_000 });
    expect([...reset.remove].sort()).toEqual(['m#1', `sh#${PREVIOUS - 3}`, 'u#6']);
  });
});
