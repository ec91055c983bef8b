import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../../../domain/policy/authorize-call.js';
import type { CallDecision } from '../../../../domain/policy/decision.js';
import { parseDecisionRecord } from '../../../../functions/adapters/dynamodb/decision-record.js';
import { StoredRecordError } from '../../../../functions/adapters/dynamodb/stored-record.js';
import { degradedAnswers, engineAnswers } from '../../../support/decision-cases.js';

function stored(decision: CallDecision, rule: unknown = decision.rule): unknown {
  const record = { ...decision, rule, decisionId: 'd-1', callId: 'c-1', decidedAt: '2026-03-01T12:04:00.000Z', request: { to: '+12125550123', from: '', sourceIp: '203.0.113.10', authMethod: 'ip' } };
  return JSON.parse(JSON.stringify(record));
}

/** The same object with its keys in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, inner]) => [key, reversed(inner)]));
}

const ANSWERS = Object.entries({ ...engineAnswers(), ...degradedAnswers() });

describe('a stored decision read back', () => {
  it.each(ANSWERS)('has the rule it was answered with: %s', (_name, decision) => {
    const read = parseDecisionRecord(stored(decision), 'c-1');

    expect(JSON.stringify(read.rule)).toBe(JSON.stringify(decision.rule));
  });

  it('reads back the unblock hint of a denial, every kind of change', () => {
    const unblock = [
      { path: 'maxRatePerMinute', value: 0.27, by: 'customer' },
      { path: 'callingHours.windows', add: { days: ['tue'], from: '20:00', to: '21:00' }, by: 'customer' },
      { path: 'carrierPolicy.limits.callsPerMinute', value: 11, by: 'admin' },
      { path: 'blockedPrefixes', remove: '1212', by: 'customer' },
      { action: 'credit', amount: 0.42, by: 'admin' },
      { action: 'review', review: 'unblock-destination', destination: 'LT', by: 'reviewer' },
    ];
    const record = { ...(stored(engineAnswers()['rate above the maximum'] as CallDecision) as object), unblock };

    expect(parseDecisionRecord(record, 'c-1').unblock).toEqual(unblock);
  });

  it('refuses a stored hint it cannot read', () => {
    const record = { ...(stored(engineAnswers()['rate above the maximum'] as CallDecision) as object), unblock: [{ action: 'credit', amount: 'lots', by: 'admin' }] };

    expect(() => parseDecisionRecord(record, 'c-1')).toThrow(StoredRecordError);
  });

  it('reads evidence of this version\'s shape with its rule\'s schema: its fields in the order the engine writes them', () => {
    const banned = engineAnswers()['source IP banned'] as CallDecision;
    const shuffled = { rule: 'SOURCE_IP_BANNED', step: 1, detail: banned.rule.detail, evidence: reversed(banned.rule.evidence) };

    const read = parseDecisionRecord(stored(banned, shuffled), 'c-1');

    expect(JSON.stringify(read.rule)).toBe(JSON.stringify(banned.rule));
  });

  it('keeps evidence in a shape an earlier version wrote exactly as stored', () => {
    const earlier = { rule: 'ALLOWED', step: 16, detail: 'allowed for up to 600s', evidence: { ratePerMinute: 0.01, balance: 3, cappedAt: 'balance' } };
    // An earlier version's grant: no reservation, no bounds; read as stored, in its own order.
    const decision = Object.values(engineAnswers())[0] as CallDecision;

    const read: DecisionRecord = parseDecisionRecord(stored(decision, earlier), 'c-1');

    expect(JSON.stringify(read.rule)).toBe(JSON.stringify(earlier));
  });

  it('refuses a rule this version does not know, naming the field', () => {
    const decision = Object.values(engineAnswers())[0] as CallDecision;
    const unknown = { rule: 'PROBABLY_FINE', step: 16, detail: '', evidence: {} };

    expect(() => parseDecisionRecord(stored(decision, unknown), 'c-1')).toThrow(StoredRecordError);
    expect(() => parseDecisionRecord(stored(decision, unknown), 'c-1')).toThrow(/decision c-1 cannot be read: rule\.rule/);
  });
});
