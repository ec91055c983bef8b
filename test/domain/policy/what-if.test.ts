import { describe, expect, it } from 'vitest';
import type { Account, AccountPolicy } from '../../../domain/accounts/account.js';
import { costMicros } from '../../../domain/calls/credit-control.js';
import type { StoredCall } from '../../../domain/calls/ports.js';
import type { DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { evaluateCall, NO_ACTIVITY, NO_USAGE, resolveCallTarget, type AccountUsage } from '../../../domain/policy/evaluate-call.js';
import { PrefixSet } from '../../../domain/policy/prefix-set.js';
import { replayDecisions } from '../../../domain/policy/what-if.js';
import { fromMicros } from '../../../domain/shared/money.js';
import { account, fixtureDeck, policy, request, SETTINGS } from '../../support/fixtures.js';

const DECK = fixtureDeck();
const HIGH_RISK = new PrefixSet(['881']);
const START = Date.parse('2026-11-02T10:00:05.000Z');

interface Attempt {
  readonly atMs: number;
  readonly to: string;
  readonly usage?: AccountUsage;
  /** Talk time when the call completed (allowed calls only); undefined: never reported. */
  readonly talkSeconds?: number;
  readonly status?: Account['status'];
}

/** A history as the authorize path records it: each attempt decided by the engine on the account as it was. */
function historyOf(original: Account, attempts: readonly Attempt[]): StoredCall[] {
  return attempts.map((attempt, index) => {
    const req = request({ callId: `h-${index + 1}`, to: attempt.to });
    const usage = attempt.usage ?? NO_USAGE;
    const decision = evaluateCall({
      request: req,
      target: resolveCallTarget(req),
      account: { ...original, status: attempt.status ?? original.status },
      activeBan: undefined,
      rateDeck: DECK,
      highRiskPrefixes: HIGH_RISK,
      usage,
      activity: NO_ACTIVITY,
      now: new Date(attempt.atMs),
      settings: SETTINGS,
    });
    const record: DecisionRecord = {
      ...decision,
      decisionId: `d-${index + 1}`,
      callId: req.callId,
      decidedAt: new Date(attempt.atMs).toISOString(),
      request: { to: req.to, from: req.from, sourceIp: req.sourceIp, authMethod: req.authMethod, accountId: 'acme' },
      seen: { balanceMicros: original.balanceMicros, usage, ...(decision.destination ? { destinationKnown: original.knownCountries.includes(decision.destination.country) } : {}) },
    };
    const talk = attempt.talkSeconds;
    const completion =
      decision.decision === 'allow' && talk !== undefined && decision.destination
        ? {
            durationSeconds: talk,
            endedAt: new Date(attempt.atMs + talk * 1000).toISOString(),
            completedAt: new Date(attempt.atMs + (talk + 1) * 1000).toISOString(),
            chargedMicros: costMicros(talk, decision.destination.ratePerMinute),
          }
        : undefined;
    return { record, completion };
  });
}

function replay(proposed: AccountPolicy, history: readonly StoredCall[], base: Account, settings = SETTINGS) {
  return replayDecisions({ account: { ...base, policy: proposed }, calls: history, rateDeck: DECK, highRiskPrefixes: HIGH_RISK, settings });
}

describe('what-if replay', () => {
  it('matches the engine run on each call alone when the calls do not share counters', () => {
    // Calls three hours apart and completed within a minute: no counter carries from one to the next.
    const known = ['JM', 'DO', 'GB', 'DE', 'LT'];
    const base = account({ policy: policy({ internationalEnabled: true }), knownCountries: known });
    const numbers = ['+12125550123', '+18765550100', '+18095550100', '+442071234567', '+447700900123', '+4930123456', '+37052123456', '+37069123456', '+881612345678'];
    const attempts = numbers.map((to, index) => ({ atMs: START + index * 3 * 3_600_000, to, usage: { ...NO_USAGE, callsLastMinute: 1 }, talkSeconds: 40 }));
    const history = historyOf(base, attempts);
    const proposed = policy({ internationalEnabled: true, maxRatePerMinute: 0.1, blockedCountries: ['DE'] });

    const result = replay(proposed, history, base);

    const byHand = history.map(({ record }, index) => {
      const req = request({ callId: record.callId, to: numbers[index] ?? '' });
      const decision = evaluateCall({
        request: req,
        target: resolveCallTarget(req),
        account: { ...base, policy: proposed },
        activeBan: undefined,
        rateDeck: DECK,
        highRiskPrefixes: HIGH_RISK,
        usage: { ...NO_USAGE, callsLastMinute: 1 },
        activity: NO_ACTIVITY,
        now: new Date(record.decidedAt),
        settings: SETTINGS,
      });
      return { callId: record.callId, before: record.decision, after: decision.decision, reason: decision.reason };
    });
    const expectedDenied = byHand.filter((call) => call.before === 'allow' && call.after === 'deny');
    expect(expectedDenied.map((call) => call.reason)).toEqual(['RATE_ABOVE_MAX', 'RATE_ABOVE_MAX', 'DESTINATION_BLOCKED', 'RATE_ABOVE_MAX']);
    expect(result.newlyDenied.map((call) => ({ callId: call.callId, reason: call.after.reason }))).toEqual(expectedDenied.map((call) => ({ callId: call.callId, reason: call.reason })));
    expect(result.evaluated).toBe(numbers.length);
    expect(result.changed).toBe(byHand.filter((call, index) => call.reason !== history[index]?.record.reason).length);
    const charged = history.filter(({ record }) => expectedDenied.some((call) => call.callId === record.callId)).reduce((sum, call) => sum + (call.completion?.chargedMicros ?? 0), 0);
    expect(result.spendAvoided).toBe(fromMicros(charged));
    expect(result.spendAvoidedBasis).toEqual({ charged: fromMicros(charged), granted: 0 });
  });

  it('rebuilds velocity from the replayed calls: a stricter calls-per-minute denies the rest of the burst', () => {
    const base = account();
    // Ten calls within one minute, each seeing the calls before it, none reported (their reservations count as cost).
    const attempts = Array.from({ length: 10 }, (_, index) => ({ atMs: START + index * 2_000, to: '+12125550123', usage: { ...NO_USAGE, callsLastMinute: index + 1, concurrentCalls: index } }));
    const history = historyOf(base, attempts);

    const result = replay(policy({ limits: { callsPerMinute: 3, concurrentCalls: null, spendPerHour: null, spendPerDay: null } }), history, base);

    expect(result.newlyDenied.map((call) => call.callId)).toEqual(['h-4', 'h-5', 'h-6', 'h-7', 'h-8', 'h-9', 'h-10']);
    expect(new Set(result.newlyDenied.map((call) => call.after.reason))).toEqual(new Set(['VELOCITY_LIMIT']));
    const granted = history.slice(3).reduce((sum, { record }) => sum + costMicros(record.maxDurationSeconds ?? 0, record.destination?.ratePerMinute ?? 0), 0);
    expect(result.spendAvoided).toBe(fromMicros(granted));
    expect(result.spendAvoidedBasis.charged).toBe(0);
    expect(result.newlyDenied[0]?.cost).toEqual({ amount: fromMicros(granted / 7), basis: 'granted' });
  });

  it('a looser policy lists the calls it would have allowed', () => {
    const base = account({ policy: policy({ internationalEnabled: true, maxRatePerMinute: 0.1 }), knownCountries: ['JM'] });
    const attempts = [0, 1, 2].map((index) => ({ atMs: START + index * 3_600_000, to: '+18765550100' }));
    const history = historyOf(base, attempts);
    expect(history.map(({ record }) => record.reason)).toEqual(['RATE_ABOVE_MAX', 'RATE_ABOVE_MAX', 'RATE_ABOVE_MAX']);

    const result = replay(policy({ internationalEnabled: true, maxRatePerMinute: null }), history, base);

    expect(result.newlyAllowedCount).toBe(3);
    expect(result.newlyAllowed.map((call) => ({ before: call.before, after: call.after, cost: call.cost }))).toEqual(
      Array(3).fill({ before: { decision: 'deny', reason: 'RATE_ABOVE_MAX' }, after: { decision: 'allow', reason: 'ALLOWED' }, cost: null }),
    );
    expect(result.byReason).toEqual({ before: { RATE_ABOVE_MAX: 3 }, after: { ALLOWED: 3 } });
    expect(result.spendAvoided).toBe(0);
  });

  it('stricter detection thresholds restrict a burst earlier, and keep the destination restricted', () => {
    const base = account({ policy: policy({ internationalEnabled: true }) });
    const attempts = [0, 1, 2].map((index) => ({ atMs: START + index * 5_000, to: '+18765550100', talkSeconds: 20 }));
    const history = historyOf(base, attempts);
    expect(history.every(({ record }) => record.decision === 'allow')).toBe(true);

    const result = replay(base.policy, history, base, { ...SETTINGS, detection: { ...SETTINGS.detection, newDestinationAttempts: 2 } });

    expect(result.newlyDenied.map((call) => [call.callId, call.after.reason])).toEqual([
      ['h-2', 'DESTINATION_RESTRICTED'],
      ['h-3', 'DESTINATION_RESTRICTED'],
    ]);
    expect(result.spendAvoided).toBe(fromMicros(2 * costMicros(20, 0.25)));
  });

  it('keeps decisions that do not depend on the policy', () => {
    const base = account({ policy: policy({ internationalEnabled: true }) });
    const history = historyOf(base, [
      { atMs: START, to: '+12125550123', status: 'suspended' },
      { atMs: START + 3_600_000, to: '+12125550123' },
    ]);

    const result = replay(policy({ internationalEnabled: true }), history, { ...base, status: 'active' });

    expect(result).toMatchObject({ evaluated: 2, kept: 1, changed: 0, byReason: { before: { ACCOUNT_SUSPENDED: 1, ALLOWED: 1 }, after: { ACCOUNT_SUSPENDED: 1, ALLOWED: 1 } } });
  });

  it('replaying the policy the calls were decided on changes nothing', () => {
    const base = account({ policy: policy({ internationalEnabled: true, limits: { callsPerMinute: 4, concurrentCalls: null, spendPerHour: null, spendPerDay: null } }) });
    // Six calls in a minute: the engine saw 1..6 calls; the 5th and 6th were denied by velocity.
    const attempts = Array.from({ length: 6 }, (_, index) => ({ atMs: START + index * 1_000, to: '+12125550123', usage: { ...NO_USAGE, callsLastMinute: Math.min(index, 4) + 1 } }));
    const history = historyOf(base, attempts);
    expect(history.map(({ record }) => record.reason)).toEqual(['ALLOWED', 'ALLOWED', 'ALLOWED', 'ALLOWED', 'VELOCITY_LIMIT', 'VELOCITY_LIMIT']);

    const result = replay(base.policy, history, base);

    expect(result.changed).toBe(0);
  });
});
