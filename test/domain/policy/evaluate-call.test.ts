import { describe, expect, it } from 'vitest';
import { NO_USAGE, resolveCallTarget } from '../../../domain/policy/evaluate-call.js';
import { toMicros } from '../../../domain/shared/money.js';
import { SETTINGS, account, evaluateOn, fixtureDeck, policy, request, type EvaluationCase } from '../../support/fixtures.js';

const deck = fixtureDeck();

function evaluate(overrides: EvaluationCase = {}) {
  return evaluateOn({ rateDeck: deck, now: new Date('2026-03-01T12:00:00.000Z') }, overrides);
}

describe('evaluateCall: allow', () => {
  it('allows a domestic call and returns the duration the balance buys, capped', () => {
    const decision = evaluate();
    expect(decision).toMatchObject({ decision: 'allow', reason: 'ALLOWED', sipCode: 200, maxDurationSeconds: 14_400 });
    expect(decision.destination).toMatchObject({ e164: '+12125550123', country: 'US', prefix: '1', ratePerMinute: 0.0045 });
  });

  it('derives maxDurationSeconds from balance and rate when the balance is the limit', () => {
    // 1.00 at 0.03/min buys 2000 seconds; granted whole when the carrier lets a call take all of the balance.
    const decision = evaluate({
      account: account({ balanceMicros: toMicros(1), policy: policy({ internationalEnabled: true }) }),
      req: { to: '+447700900123' },
      settings: { ...SETTINGS, fullGrantShare: 1 },
    });
    expect(decision.maxDurationSeconds).toBe(2000);
    expect(decision.interimSeconds).toBeNull();
    expect(decision.rule.evidence).toMatchObject({ boundBy: 'balance' });
  });

  it('grants a first slice, with an interim update due, when the whole call would take most of the balance', () => {
    // 2000 s would cost all of 1.00; the default share lets one call take a quarter at once.
    const decision = evaluate({
      account: account({ balanceMicros: toMicros(1), policy: policy({ internationalEnabled: true }) }),
      req: { to: '+447700900123' },
    });
    expect(decision).toMatchObject({ decision: 'allow', maxDurationSeconds: 180, interimSeconds: 150, rule: { evidence: { boundBy: 'balance', sliced: true, reservation: 0.09 } } });
  });

  it('counts open reservations of calls in progress against the balance', () => {
    const decision = evaluate({ account: account({ balanceMicros: toMicros(1) }), usage: { ...NO_USAGE, reservedMicros: toMicros(0.999) } });
    expect(decision).toMatchObject({ decision: 'deny', reason: 'INSUFFICIENT_BALANCE', rule: { evidence: { balance: 1, reserved: 0.999, available: 0.001 } } });
  });

  it('bounds a call to an unusual destination to what unusualCallMaxCost buys', () => {
    // 2.00 at 0.25/min buys 480 seconds, far less than the balance would.
    const decision = evaluate({
      account: account({ balanceMicros: toMicros(100), policy: policy({ internationalEnabled: true }) }),
      req: { to: '+18765550123' },
    });
    expect(decision).toMatchObject({ decision: 'allow', maxDurationSeconds: 480, rule: { evidence: { boundBy: 'unusualDestination' } } });
  });

  it("bounds a call to an unusual destination by the account's own, lower unusualCallMaxCost", () => {
    // 0.50 at 0.25/min buys 120 seconds: the account's cap replaces the carrier's 2.00.
    const decision = evaluate({
      account: account({ balanceMicros: toMicros(100), policy: policy({ internationalEnabled: true, autoRestriction: { enabled: true, unusualCallMaxCost: 0.5 } }) }),
      req: { to: '+18765550123' },
    });
    expect(decision).toMatchObject({ decision: 'allow', maxDurationSeconds: 120, rule: { evidence: { boundBy: 'unusualDestination', bounds: { unusualDestination: 120 } } } });
  });

  it('does not bound a call to a known destination by unusualCallMaxCost', () => {
    const decision = evaluate({
      account: account({ balanceMicros: toMicros(1_000), knownCountries: ['JM'], policy: policy({ internationalEnabled: true }) }),
      req: { to: '+18765550123' },
    });
    expect(decision).toMatchObject({ maxDurationSeconds: 14_400, interimSeconds: null, rule: { evidence: { boundBy: 'carrierCap' } } });
  });

  it('bounds the duration by what is left of the daily spend limit, and denies when that is under a minute', () => {
    const limits = { callsPerMinute: null, concurrentCalls: null, spendPerHour: null, spendPerDay: 1 };
    const bounded = evaluate({ account: account({ policy: policy({ limits }) }), usage: { ...NO_USAGE, spendToday: 0.91 } });
    expect(bounded).toMatchObject({ decision: 'allow', maxDurationSeconds: 1200, rule: { evidence: { boundBy: 'spendPerDay' } } }); // 0.09 at 0.0045/min
    const exhausted = evaluate({ account: account({ policy: policy({ limits }) }), usage: { ...NO_USAGE, spendToday: 0.996 } });
    expect(exhausted).toMatchObject({ reason: 'SPEND_LIMIT', sipCode: 402 });
  });
});

describe('evaluateCall: NANP look-alikes', () => {
  it('treats +1 876 as Jamaica, international, not the US', () => {
    const decision = evaluate({ req: { to: '+18765550123' } });
    expect(decision).toMatchObject({ decision: 'deny', reason: 'INTERNATIONAL_DISABLED', sipCode: 403 });
    expect(decision.destination).toMatchObject({ country: 'JM', prefix: '1876' });
  });

  it('refuses a look-alike above the max rate even with international on', () => {
    const decision = evaluate({
      account: account({ policy: policy({ internationalEnabled: true, maxRatePerMinute: 0.05 }) }),
      req: { to: '18095550123' },
    });
    expect(decision).toMatchObject({ reason: 'RATE_ABOVE_MAX', sipCode: 403 });
    expect(decision.rule.evidence).toMatchObject({ ratePerMinute: 0.12, maxRatePerMinute: 0.05 });
  });
});

describe('evaluateCall: rate deck', () => {
  it('prices by the longest matching prefix', () => {
    const decision = evaluate({
      account: account({ policy: policy({ internationalEnabled: true }) }),
      req: { to: '+37069912345' },
    });
    expect(decision.destination).toMatchObject({ prefix: '37069', ratePerMinute: 1.2 });
  });

  it('denies with 404 when no route matches', () => {
    const decision = evaluate({ account: account({ policy: policy({ internationalEnabled: true }) }), req: { to: '+33123456789' } });
    expect(decision).toMatchObject({ reason: 'NO_ROUTE', sipCode: 404, sipReason: 'Not Found' });
  });

  it('denies an impossible number with 484, not an error', () => {
    const decision = evaluate({ req: { to: '12' } });
    expect(decision).toMatchObject({ decision: 'deny', reason: 'INVALID_NUMBER', sipCode: 484, sipReason: 'Address Incomplete' });
  });
});

describe('evaluateCall: whitelist and maximum rate', () => {
  it('lets a whitelisted country through above the max rate', () => {
    const decision = evaluate({
      account: account({ policy: policy({ internationalEnabled: true, maxRatePerMinute: 0.05, whitelistCountries: ['JM'] }) }),
      req: { to: '+18765550123' },
    });
    expect(decision.decision).toBe('allow');
  });

  it('lets a whitelisted country through with international off', () => {
    const decision = evaluate({
      account: account({ policy: policy({ internationalEnabled: false, whitelistCountries: ['GB'] }) }),
      req: { to: '+442079460000' },
    });
    expect(decision.decision).toBe('allow');
  });

  it('still refuses a non-whitelisted country when international is off', () => {
    const decision = evaluate({
      account: account({ policy: policy({ internationalEnabled: false, whitelistCountries: ['GB'] }) }),
      req: { to: '+4930123456' },
    });
    expect(decision).toMatchObject({ reason: 'INTERNATIONAL_DISABLED' });
  });
});

describe('evaluateCall: high-risk destinations', () => {
  it('refuses a carrier high-risk prefix even for a whitelisted country', () => {
    const decision = evaluate({
      account: account({ policy: policy({ internationalEnabled: true, whitelistCountries: ['XS'] }) }),
      req: { to: '+881612345678' },
    });
    expect(decision).toMatchObject({ reason: 'HIGH_RISK_DESTINATION', sipCode: 403 });
    expect(decision.rule.evidence).toMatchObject({ highRiskPrefix: '881' });
  });

  it('allows a high-risk prefix the account explicitly allows', () => {
    const decision = evaluate({
      account: account({
        balanceMicros: toMicros(100),
        policy: policy({ internationalEnabled: true, allowedHighRiskPrefixes: ['8816'] }),
      }),
      req: { to: '+881612345678' },
    });
    expect(decision.decision).toBe('allow');
  });
});

describe('evaluateCall: account and source', () => {
  it('refuses a banned source IP before anything else', () => {
    const decision = evaluate({ activeBan: { ip: '203.0.113.10', bannedUntil: '2026-01-01T01:00:00.000Z', failures: 5 }, account: undefined });
    expect(decision).toMatchObject({ reason: 'SOURCE_IP_BANNED', sipCode: 403 });
  });

  it('refuses an unknown account', () => {
    expect(evaluate({ account: undefined })).toMatchObject({ reason: 'ACCOUNT_NOT_FOUND', sipCode: 403, accountId: null });
  });

  it('refuses a suspended account and one under review', () => {
    expect(evaluate({ account: account({ status: 'suspended' }) }).reason).toBe('ACCOUNT_SUSPENDED');
    expect(evaluate({ account: account({ status: 'under_review' }) }).reason).toBe('ACCOUNT_UNDER_REVIEW');
  });

  it('refuses digest authentication when SIP credentials are off', () => {
    const decision = evaluate({ account: account({ policy: policy({ credentialsEnabled: false }) }), req: { authMethod: 'digest' } });
    expect(decision).toMatchObject({ reason: 'CREDENTIALS_DISABLED', sipCode: 403 });
  });

  it('refuses IP authentication from a source outside the allowed CIDRs', () => {
    const decision = evaluate({ req: { sourceIp: '198.51.100.7' } });
    expect(decision).toMatchObject({ reason: 'SOURCE_IP_NOT_ALLOWED' });
  });

  it('accepts digest authentication from any source when credentials are on', () => {
    expect(evaluate({ req: { authMethod: 'digest', sourceIp: '198.51.100.7' } }).decision).toBe('allow');
  });
});

describe('evaluateCall: blocks', () => {
  it('refuses a country the account blocks, even when whitelisted', () => {
    const decision = evaluate({
      account: account({ policy: policy({ internationalEnabled: true, whitelistCountries: ['GB'], blockedCountries: ['GB'] }) }),
      req: { to: '+442079460000' },
    });
    expect(decision).toMatchObject({ reason: 'DESTINATION_BLOCKED', rule: { evidence: { blockedBy: 'GB' } } });
  });

  it('refuses a prefix the account blocks', () => {
    const decision = evaluate({ account: account({ policy: policy({ blockedPrefixes: ['1212'] }) }) });
    expect(decision).toMatchObject({ reason: 'DESTINATION_BLOCKED', rule: { evidence: { blockedBy: '1212' } } });
  });

  it('refuses a destination restricted automatically', () => {
    const decision = evaluate({
      account: account({ restrictedDestinations: ['GB'], policy: policy({ internationalEnabled: true }) }),
      req: { to: '+442079460000' },
    });
    expect(decision).toMatchObject({ reason: 'DESTINATION_RESTRICTED', sipCode: 403 });
  });
});

describe('evaluateCall: balance', () => {
  it('refuses with 402 when the balance is empty', () => {
    const decision = evaluate({ account: account({ balanceMicros: 0 }) });
    expect(decision).toMatchObject({ reason: 'INSUFFICIENT_BALANCE', sipCode: 402, sipReason: 'Payment Required' });
  });

  it('refuses when the balance does not cover the minimum billable time', () => {
    // 0.20 does not pay one minute at 0.25/min.
    const decision = evaluate({
      account: account({ balanceMicros: toMicros(0.2), policy: policy({ internationalEnabled: true }) }),
      req: { to: '+18765550123' },
    });
    expect(decision.reason).toBe('INSUFFICIENT_BALANCE');
  });
});

describe('evaluateCall: velocity', () => {
  it('refuses with 486 past the calls-per-minute limit', () => {
    const decision = evaluate({
      account: account({ policy: policy({ limits: { callsPerMinute: 10, concurrentCalls: null, spendPerHour: null, spendPerDay: null } }) }),
      usage: { ...NO_USAGE, callsLastMinute: 11 },
    });
    expect(decision).toMatchObject({ reason: 'VELOCITY_LIMIT', sipCode: 486 });
  });

  it('refuses with 486 at the concurrent-calls limit', () => {
    const decision = evaluate({
      account: account({ policy: policy({ limits: { callsPerMinute: null, concurrentCalls: 2, spendPerHour: null, spendPerDay: null } }) }),
      usage: { ...NO_USAGE, concurrentCalls: 2 },
    });
    expect(decision).toMatchObject({ reason: 'CONCURRENCY_LIMIT', sipCode: 486 });
  });

  it('refuses with 402 at the daily spend limit', () => {
    const decision = evaluate({
      account: account({ policy: policy({ limits: { callsPerMinute: null, concurrentCalls: null, spendPerHour: null, spendPerDay: 5 } }) }),
      usage: { ...NO_USAGE, spendToday: 5 },
    });
    expect(decision).toMatchObject({ reason: 'SPEND_LIMIT', sipCode: 402, rule: { evidence: { window: 'day' } } });
  });
});

describe('evaluateCall: order', () => {
  it('reports the step of the deciding rule in the documented order', () => {
    const decision = evaluate({ account: account({ balanceMicros: 0, policy: policy({ blockedCountries: ['US'] }) }) });
    expect(decision.reason).toBe('DESTINATION_BLOCKED');
    expect(decision.rule.step).toBe(7);
  });

  it('checks the maximum rate before the balance', () => {
    const decision = evaluate({
      account: account({ balanceMicros: 0, policy: policy({ internationalEnabled: true, maxRatePerMinute: 0.01 }) }),
      req: { to: '+18765550123' },
    });
    expect(decision.reason).toBe('RATE_ABOVE_MAX');
  });
});

describe('resolveCallTarget', () => {
  it('identifies the account by the tech prefix in the dialled string', () => {
    const target = resolveCallTarget(request({ accountId: undefined, to: '12345678*0114420794600' }));
    expect(target).toEqual({ accountKey: { by: 'techPrefix', value: '12345678' }, dialled: '0114420794600' });
  });

  it('falls back to the SIP username', () => {
    const target = resolveCallTarget(request({ accountId: undefined, sipUsername: 'acme' }));
    expect(target.accountKey).toEqual({ by: 'sipUsername', value: 'acme' });
  });
});
