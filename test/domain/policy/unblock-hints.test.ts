/**
 * Every denial's unblock hint, applied to the input as the API would apply it (written out here by hand, not with
 * the module's own applier), lets the same call through; and the hint is the narrowest the test can name.
 */
import { describe, expect, it } from 'vitest';
import type { Account, AccountPolicy } from '../../../domain/accounts/account.js';
import { defaultCarrierPolicy, effectivePolicy, type CarrierPolicy } from '../../../domain/accounts/carrier-policy.js';
import { NO_ACTIVITY, NO_USAGE, evaluateCall, resolveCallTarget, type EvaluationInput } from '../../../domain/policy/evaluate-call.js';
import { PrefixSet } from '../../../domain/policy/prefix-set.js';
import { unblockHints, type UnblockChange } from '../../../domain/policy/unblock-hints.js';
import { toMicros } from '../../../domain/shared/money.js';
import { SETTINGS, account, fixtureDeck, policy, request } from '../../support/fixtures.js';

const deck = fixtureDeck();
const SUNDAY_NOON = new Date('2026-03-01T12:04:00.000Z');
const limits = (overrides: Partial<AccountPolicy['limits']>) => ({ callsPerMinute: null, concurrentCalls: null, spendPerHour: null, spendPerDay: null, ...overrides });
const international = (overrides: Partial<AccountPolicy> = {}) => policy({ internationalEnabled: true, ...overrides });
const officeHours = { timezone: 'Europe/London', appliesTo: 'all' as const, windows: [{ days: ['mon' as const, 'tue' as const, 'wed' as const, 'thu' as const, 'fri' as const], from: '08:00', to: '19:00' }] };

function input(overrides: Partial<EvaluationInput> & { req?: Parameters<typeof request>[0] } = {}): EvaluationInput {
  const req = request(overrides.req);
  return {
    request: req,
    target: resolveCallTarget(req),
    account: account(),
    activeBan: undefined,
    rateDeck: deck,
    highRiskPrefixes: new PrefixSet(['881']),
    usage: NO_USAGE,
    activity: NO_ACTIVITY,
    now: SUNDAY_NOON,
    settings: SETTINGS,
    ...overrides,
  };
}

/** An account under a carrier policy, as the repository reads one: the effective policy derived from both. */
function carried(customer: AccountPolicy, carrier: Partial<CarrierPolicy>, overrides: Partial<Account> = {}): Account {
  const carrierPolicy = { ...defaultCarrierPolicy(), widestIpRange: { ipv4: 0, ipv6: 0 }, autoRestriction: { enabled: false }, ...carrier };
  return account({ policy: effectivePolicy(customer, carrierPolicy), customerPolicy: customer, carrierPolicy, ...overrides });
}

/** What the API does with each change: PUT /policy or /carrier-policy with the field changed, POST /credits, a review. */
function applyByHand(given: EvaluationInput, changes: readonly UnblockChange[]): EvaluationInput {
  let before = given;
  let acct = before.account as Account;
  const customer = structuredClone(acct.customerPolicy ?? acct.policy) as Record<string, any>;
  const carrier = acct.carrierPolicy ? (structuredClone(acct.carrierPolicy) as Record<string, any>) : undefined;
  for (const change of changes) {
    if ('action' in change) {
      if (change.action === 'credit') acct = { ...acct, balanceMicros: acct.balanceMicros + toMicros(change.amount) };
      else if (change.review === 'lift-range-restriction') {
        // As DELETE /v1/range-restrictions/{range} does: the range leaves the carrier's list.
        before = { ...before, restrictedRanges: (before.restrictedRanges ?? []).filter((range) => range !== change.destination) };
      } else if (change.review === 'unblock-destination') {
        // As DELETE /blocked-destinations does: lifted, and the country known and confirmed (usual at any rate).
        const country = change.destination ?? '';
        acct = {
          ...acct,
          restrictedDestinations: acct.restrictedDestinations.filter((entry) => entry !== change.destination),
          knownCountries: [...acct.knownCountries, country],
          confirmedCountries: [...(acct.confirmedCountries ?? []), country],
        };
      } else acct = { ...acct, status: 'active' };
      continue;
    }
    const onCarrier = change.path.startsWith('carrierPolicy.');
    const names = (onCarrier ? change.path.slice('carrierPolicy.'.length) : change.path).split('.');
    let holder = (onCarrier ? carrier : customer) as Record<string, any>;
    for (const name of names.slice(0, -1)) holder = holder[name];
    const last = names.at(-1) as string;
    if ('value' in change) holder[last] = change.value;
    else if ('add' in change) holder[last] = [...holder[last], change.add];
    else holder[last] = holder[last].filter((entry: unknown) => entry !== change.remove);
  }
  if (carrier) acct = { ...acct, customerPolicy: customer as AccountPolicy, carrierPolicy: carrier as CarrierPolicy, policy: effectivePolicy(customer as AccountPolicy, carrier as CarrierPolicy) };
  else acct = { ...acct, policy: customer as AccountPolicy };
  return { ...before, account: acct };
}

/** The denial, its hint, and the decision once the hint is applied. */
function hinted(given: EvaluationInput) {
  const denied = evaluateCall(given);
  const unblock = unblockHints(given, denied);
  return { denied, unblock, after: evaluateCall(applyByHand(given, unblock)) };
}

describe('unblock hints: applying the hint lets the call through', () => {
  it('RATE_ABOVE_MAX: the maximum raised to the destination rate', () => {
    const { denied, unblock, after } = hinted(input({ account: account({ policy: international({ maxRatePerMinute: 0.05 }) }), req: { to: '18095550123' } }));

    expect(denied.reason).toBe('RATE_ABOVE_MAX');
    expect(unblock).toEqual([{ path: 'maxRatePerMinute', value: 0.12, by: 'customer' }]);
    expect(after.decision).toBe('allow');
  });

  it("RATE_ABOVE_MAX over the carrier's ceiling: never offers the customer a change the ceiling forbids, a whitelist included", () => {
    const acct = carried(international({ maxRatePerMinute: 0.05 }), { maxRatePerMinute: 0.1 });
    const { denied, unblock, after } = hinted(input({ account: acct, req: { to: '18095550123' } }));

    expect(denied.reason).toBe('RATE_ABOVE_MAX');
    // The carrier's ceiling holds for whitelisted countries too: only an admin raising it (and then the customer's own) helps.
    expect(unblock).toEqual([
      { path: 'carrierPolicy.maxRatePerMinute', value: 0.12, by: 'admin' },
      { path: 'maxRatePerMinute', value: 0.12, by: 'customer' },
    ]);
    expect(after.decision).toBe('allow');
  });

  it('INTERNATIONAL_DISABLED: the country whitelisted, not international switched on', () => {
    const { denied, unblock, after } = hinted(input({ req: { to: '+4930123456' } }));

    expect(denied.reason).toBe('INTERNATIONAL_DISABLED');
    expect(unblock).toEqual([{ path: 'whitelistCountries', add: 'DE', by: 'customer' }]);
    expect(after.decision).toBe('allow');
  });

  it('SOURCE_IP_NOT_ALLOWED: the source added to the allowed IPs', () => {
    const { denied, unblock, after } = hinted(input({ req: { sourceIp: '198.51.100.7' } }));

    expect(denied.reason).toBe('SOURCE_IP_NOT_ALLOWED');
    expect(unblock).toEqual([{ path: 'allowedIps', add: '198.51.100.7', by: 'customer' }]);
    expect(after.decision).toBe('allow');
  });

  it('CREDENTIALS_DISABLED: credentials switched on', () => {
    const { denied, unblock, after } = hinted(input({ account: account({ policy: policy({ credentialsEnabled: false }) }), req: { authMethod: 'digest' } }));

    expect(denied.reason).toBe('CREDENTIALS_DISABLED');
    expect(unblock).toEqual([{ path: 'credentialsEnabled', value: true, by: 'customer' }]);
    expect(after.decision).toBe('allow');
  });

  it('DESTINATION_BLOCKED: every block that matches the number removed', () => {
    const { denied, unblock, after } = hinted(input({ account: account({ policy: policy({ blockedPrefixes: ['1', '1212', '44'] }) }) }));

    expect(denied.reason).toBe('DESTINATION_BLOCKED');
    expect(unblock).toEqual([
      { path: 'blockedPrefixes', remove: '1', by: 'customer' },
      { path: 'blockedPrefixes', remove: '1212', by: 'customer' },
    ]);
    expect(after.decision).toBe('allow');
  });

  it("HIGH_RISK_DESTINATION: the carrier's exception first (an admin), then the customer's, then what the next rule needs", () => {
    const { denied, unblock, after } = hinted(input({ account: carried(policy(), {}), req: { to: '+881612345678' } }));

    expect(denied.reason).toBe('HIGH_RISK_DESTINATION');
    expect(unblock).toEqual([
      { path: 'carrierPolicy.allowedHighRiskPrefixes', add: '881', by: 'admin' },
      { path: 'allowedHighRiskPrefixes', add: '881', by: 'customer' },
      { path: 'whitelistCountries', add: 'XS', by: 'customer' },
    ]);
    expect(after.decision).toBe('allow');
  });

  it('OUTSIDE_CALLING_HOURS: a window of the hour that holds now', () => {
    const { denied, unblock, after } = hinted(input({ account: account({ policy: policy({ callingHours: officeHours }) }) }));

    expect(denied.reason).toBe('OUTSIDE_CALLING_HOURS');
    expect(unblock).toEqual([{ path: 'callingHours.windows', add: { days: ['sun'], from: '12:00', to: '13:00' }, by: 'customer' }]);
    expect(after.decision).toBe('allow');
  });

  it("OUTSIDE_CALLING_HOURS set by the carrier: a window on the carrier's policy, by an admin", () => {
    const { unblock, after } = hinted(input({ account: carried(policy(), { callingHours: officeHours }) }));

    expect(unblock).toEqual([{ path: 'carrierPolicy.callingHours.windows', add: { days: ['sun'], from: '12:00', to: '13:00' }, by: 'admin' }]);
    expect(after.decision).toBe('allow');
  });

  it('VELOCITY_LIMIT, CONCURRENCY_LIMIT: the limit raised to what lets this call through', () => {
    const velocity = hinted(input({ account: account({ policy: policy({ limits: limits({ callsPerMinute: 10 }) }) }), usage: { ...NO_USAGE, callsLastMinute: 11 } }));
    const concurrency = hinted(input({ account: account({ policy: policy({ limits: limits({ concurrentCalls: 2 }) }) }), usage: { ...NO_USAGE, concurrentCalls: 2 } }));

    expect(velocity.unblock).toEqual([{ path: 'limits.callsPerMinute', value: 11, by: 'customer' }]);
    expect(velocity.after.decision).toBe('allow');
    expect(concurrency.unblock).toEqual([{ path: 'limits.concurrentCalls', value: 3, by: 'customer' }]);
    expect(concurrency.after.decision).toBe('allow');
  });

  it("VELOCITY_LIMIT at the carrier's ceiling: the ceiling raised by an admin before the customer's own", () => {
    const acct = carried(policy({ limits: limits({ callsPerMinute: 10 }) }), { limits: limits({ callsPerMinute: 10 }) });
    const { unblock, after } = hinted(input({ account: acct, usage: { ...NO_USAGE, callsLastMinute: 11 } }));

    expect(unblock).toEqual([
      { path: 'carrierPolicy.limits.callsPerMinute', value: 11, by: 'admin' },
      { path: 'limits.callsPerMinute', value: 11, by: 'customer' },
    ]);
    expect(after.decision).toBe('allow');
  });

  it('SPEND_LIMIT: each window that refuses raised to the spend plus the minimum billable time, to the cent', () => {
    const { denied, unblock, after } = hinted(input({ account: account({ policy: policy({ limits: limits({ spendPerHour: 1, spendPerDay: 1 }) }) }), usage: { ...NO_USAGE, spendLastHour: 1, spendToday: 1 } }));

    expect(denied.reason).toBe('SPEND_LIMIT');
    expect(unblock).toEqual([
      { path: 'limits.spendPerHour', value: 1.01, by: 'customer' },
      { path: 'limits.spendPerDay', value: 1.01, by: 'customer' },
    ]);
    expect(after.decision).toBe('allow');
  });

  it('SPEND_LIMIT when what is left pays for under a minute', () => {
    const { denied, unblock, after } = hinted(input({ account: account({ policy: policy({ limits: limits({ spendPerHour: 1 }) }) }), usage: { ...NO_USAGE, spendLastHour: 0.996 } }));

    expect(denied.reason).toBe('SPEND_LIMIT');
    expect(unblock).toEqual([{ path: 'limits.spendPerHour', value: 1.01, by: 'customer' }]);
    expect(after.decision).toBe('allow');
  });

  it('INSUFFICIENT_BALANCE: a credit of the missing amount, the least cent that is enough', () => {
    const given = input({ account: account({ balanceMicros: toMicros(0.2), policy: international() }), req: { to: '+18765550123' }, usage: { ...NO_USAGE, reservedMicros: toMicros(0.01) } });
    const { denied, unblock, after } = hinted(given);

    expect(denied.reason).toBe('INSUFFICIENT_BALANCE');
    expect(unblock).toEqual([{ action: 'credit', amount: 0.06, by: 'admin' }]);
    expect(after.decision).toBe('allow');
    expect(evaluateCall(applyByHand(given, [{ action: 'credit', amount: 0.05, by: 'admin' }])).reason).toBe('INSUFFICIENT_BALANCE');
  });

  it("DESTINATION_RESTRICTED, ACCOUNT_SUSPENDED, ACCOUNT_UNDER_REVIEW: a reviewer's action", () => {
    const restricted = hinted(input({ account: account({ restrictedDestinations: ['GB'], policy: international() }), req: { to: '+442079460000' } }));
    const burst = hinted(input({ account: account({ policy: international() }), req: { to: '+37069912345' }, activity: { current: { LT: 4 }, previous: { LT: 1 } } }));
    const suspended = hinted(input({ account: account({ status: 'suspended' }) }));
    const underReview = hinted(input({ account: account({ status: 'under_review' }) }));

    expect(restricted.unblock).toEqual([{ action: 'review', review: 'unblock-destination', destination: 'GB', by: 'reviewer' }]);
    expect(burst.denied.reason).toBe('DESTINATION_RESTRICTED');
    expect(burst.unblock).toEqual([{ action: 'review', review: 'unblock-destination', destination: 'LT', by: 'reviewer' }]);
    expect(suspended.unblock).toEqual([{ action: 'review', review: 'reactivate', by: 'reviewer' }]);
    expect(underReview.unblock).toEqual([{ action: 'review', review: 'clear-review', by: 'reviewer' }]);
    for (const outcome of [restricted, burst, suspended, underReview]) expect(outcome.after.decision).toBe('allow');
  });

  it('DESTINATION_RESTRICTED by a carrier-wide range: a reviewer lifts the range; accounts for which it is usual pass', () => {
    const carrierWide = hinted(input({ account: account({ policy: international() }), req: { to: '+37069912345' }, restrictedRanges: ['37069', '+37060000000'] }));
    const whitelisted = evaluateCall(input({ account: account({ policy: international({ whitelistCountries: ['LT'] }) }), req: { to: '+37069912345' }, restrictedRanges: ['37069'] }));
    const elsewhere = evaluateCall(input({ account: account({ policy: international() }), req: { to: '+37069912345' }, restrictedRanges: ['+37069912346'] }));

    expect(carrierWide.denied).toMatchObject({ reason: 'DESTINATION_RESTRICTED', rule: { step: 8, evidence: { restrictedBy: '37069', newlyRestricted: false, scope: 'carrier' } } });
    expect(carrierWide.unblock).toEqual([{ action: 'review', review: 'lift-range-restriction', destination: '37069', by: 'reviewer' }]);
    expect(carrierWide.after.decision).toBe('allow');
    expect(whitelisted.decision).toBe('allow');
    expect(elsewhere.decision).toBe('allow');
  });

  it('chains the rules after the one that denied until the call is allowed', () => {
    const acct = account({ balanceMicros: toMicros(0.1), policy: international({ maxRatePerMinute: 0.05, callingHours: officeHours }) });
    const { denied, unblock, after } = hinted(input({ account: acct, req: { to: '+18765550123' } }));

    expect(denied.reason).toBe('RATE_ABOVE_MAX');
    expect(unblock).toEqual([
      { path: 'maxRatePerMinute', value: 0.25, by: 'customer' },
      { path: 'callingHours.windows', add: { days: ['sun'], from: '12:00', to: '13:00' }, by: 'customer' },
      { action: 'credit', amount: 0.15, by: 'admin' },
    ]);
    expect(after.decision).toBe('allow');
  });
});

describe('unblock hints: nothing to offer', () => {
  it('is empty for a banned source, an unknown account, an impossible number and no route', () => {
    const cases = [
      input({ activeBan: { ip: '203.0.113.10', bannedUntil: '2026-03-01T13:00:00.000Z', failures: 5 }, account: undefined }),
      input({ account: undefined }),
      input({ req: { to: '12' } }),
      input({ account: account({ policy: international() }), req: { to: '+33123456789' } }),
    ];

    expect(cases.map((given) => evaluateCall(given).reason)).toEqual(['SOURCE_IP_BANNED', 'ACCOUNT_NOT_FOUND', 'INVALID_NUMBER', 'NO_ROUTE']);
    expect(cases.map((given) => unblockHints(given))).toEqual([[], [], [], []]);
  });

  it('is empty for an allowed call', () => {
    expect(unblockHints(input())).toEqual([]);
  });
});
