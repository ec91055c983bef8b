import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../../domain/policy/authorize-call.js';
import { toResponseBody } from '../../../functions/authorize/response.js';
import { degradedAnswers, engineAnswers } from '../../support/decision-cases.js';

function record(name: string, from: 'engine' | 'degraded', extra: Partial<DecisionRecord> = {}): DecisionRecord {
  const decision = (from === 'engine' ? engineAnswers() : degradedAnswers())[name];
  if (!decision) throw new Error(`no case ${name}`);
  return { ...decision, decisionId: 'd-1', callId: 'c-1', decidedAt: '2026-03-01T12:04:00.000Z', request: { to: '+12125550123', from: '', sourceIp: '203.0.113.10', authMethod: 'ip' }, ...extra };
}

describe('the authorize answer', () => {
  it('carries the hint of a denial', () => {
    const unblock = [{ path: 'maxRatePerMinute', value: 0.12, by: 'customer' as const }];

    expect(toResponseBody(record('rate above the maximum', 'engine', { unblock }), false).unblock).toEqual(unblock);
  });

  it('answers an empty hint for a denial that has none: decided while degraded, or recorded before hints', () => {
    expect(toResponseBody(record('fail mode deny', 'degraded'), false)).toMatchObject({ reason: 'SERVICE_DEGRADED', unblock: [] });
    expect(toResponseBody(record('a denial on the last state read', 'degraded'), false)).toMatchObject({ reason: 'ACCOUNT_SUSPENDED', unblock: [] });
  });

  it('carries no hint on an allow', () => {
    expect(toResponseBody(record('allowed, bound by the carrier cap', 'engine'), false)).not.toHaveProperty('unblock');
  });
});
