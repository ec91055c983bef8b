import { describe, expect, it } from 'vitest';
import { DECISION_REASONS, DEFAULT_SIP_RESPONSES, DENY_REASONS, RULE_STEPS, stepOf } from '../../../domain/policy/decision.js';

describe('the rule table', () => {
  it('gives every reason the step the README documents', () => {
    const steps = Object.fromEntries(DECISION_REASONS.map((reason) => [reason, stepOf(reason)]));

    expect(steps).toEqual({
      SOURCE_IP_BANNED: 1,
      ACCOUNT_NOT_FOUND: 2,
      ACCOUNT_SUSPENDED: 3,
      ACCOUNT_UNDER_REVIEW: 3,
      CREDENTIALS_DISABLED: 4,
      SOURCE_IP_NOT_ALLOWED: 4,
      INVALID_NUMBER: 5,
      NO_ROUTE: 6,
      DESTINATION_BLOCKED: 7,
      DESTINATION_RESTRICTED: 8,
      HIGH_RISK_DESTINATION: 9,
      INTERNATIONAL_DISABLED: 10,
      RATE_ABOVE_MAX: 11,
      OUTSIDE_CALLING_HOURS: 12,
      VELOCITY_LIMIT: 13,
      CONCURRENCY_LIMIT: 14,
      SPEND_LIMIT: 15,
      INSUFFICIENT_BALANCE: 16,
      ALLOWED: 17,
      SERVICE_DEGRADED: 0,
    });
  });

  it('ends with the grant, the one step that always decides', () => {
    expect(RULE_STEPS.at(-1)).toEqual({ name: 'grant', reasons: ['ALLOWED'] });
  });

  it('lists each reason once, every one but ALLOWED a deny reason, each with a SIP response', () => {
    expect(new Set(DECISION_REASONS).size).toBe(DECISION_REASONS.length);
    expect(DENY_REASONS).toEqual(DECISION_REASONS.filter((reason) => reason !== 'ALLOWED'));
    expect(Object.keys(DEFAULT_SIP_RESPONSES).sort()).toEqual([...DECISION_REASONS].sort());
  });
});
