import { describe, expect, it } from 'vitest';
import { changedPolicyFields } from '../../../domain/accounts/policy-change.js';
import { policy } from '../../support/fixtures.js';

describe('changedPolicyFields', () => {
  it('names the top-level fields whose value changed', () => {
    const before = policy();
    const after = { ...before, maxRatePerMinute: 0.1, notifications: { ...before.notifications, email: 'noc@example.com' } };
    expect(changedPolicyFields(before, after)).toEqual(['maxRatePerMinute', 'notifications']);
  });

  it('sees no change in a reordered object', () => {
    const before = policy();
    const reordered = { ...before, limits: { spendPerDay: null, spendPerHour: null, concurrentCalls: null, callsPerMinute: null } };
    expect(changedPolicyFields(before, reordered)).toEqual([]);
  });
});
