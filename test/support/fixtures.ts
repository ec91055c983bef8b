/** Fixtures shared by unit and integration tests: a small rate deck, accounts, requests. Copied, never mutated. */
import { accountPolicySchema, type Account, type AccountPolicy } from '../../domain/accounts/account.js';
import type { AuthorizationRequest } from '../../domain/policy/authorization-request.js';
import { DEFAULT_SIP_RESPONSES } from '../../domain/policy/decision.js';
import { NO_ACTIVITY, NO_USAGE, evaluateCall, resolveCallTarget, type DecisionSettings, type EvaluationInput } from '../../domain/policy/evaluate-call.js';
import { PrefixSet } from '../../domain/policy/prefix-set.js';
import { DEFAULT_DETECTION } from '../../domain/profiling/destination-detection.js';
import { RateDeck, type RateDeckEntry } from '../../domain/rate-deck/rate-deck.js';
import { toMicros } from '../../domain/shared/money.js';

export const FIXTURE_DECK_ENTRIES: RateDeckEntry[] = [
  { prefix: '1', country: 'US', description: 'US 48 states', ratePerMinute: 0.0045 },
  { prefix: '1416', country: 'CA', description: 'CA Toronto', ratePerMinute: 0.006 },
  { prefix: '1876', country: 'JM', description: 'JM (NANP)', ratePerMinute: 0.25 },
  { prefix: '1809', country: 'DO', description: 'DO (NANP)', ratePerMinute: 0.12 },
  { prefix: '44', country: 'GB', description: 'GB fixed', ratePerMinute: 0.01 },
  { prefix: '447', country: 'GB', description: 'GB mobile', ratePerMinute: 0.03 },
  { prefix: '49', country: 'DE', description: 'DE fixed', ratePerMinute: 0.012 },
  { prefix: '881', country: 'XS', description: 'Satellite', ratePerMinute: 4.5 },
  { prefix: '370', country: 'LT', description: 'LT fixed', ratePerMinute: 0.02 },
  { prefix: '37069', country: 'LT', description: 'LT premium', ratePerMinute: 1.2 },
];

export function fixtureDeck(): RateDeck {
  return new RateDeck(FIXTURE_DECK_ENTRIES, 'fixture-1');
}

export const SETTINGS: DecisionSettings = {
  sipResponses: DEFAULT_SIP_RESPONSES,
  maxCallDurationSeconds: 14_400,
  minimumBillableSeconds: 60,
  detection: DEFAULT_DETECTION,
  creditSliceSeconds: 180,
  fullGrantShare: 0.25,
  interimLeadSeconds: 30,
  reservationGraceSeconds: 120,
};

export function policy(overrides: Partial<AccountPolicy> = {}): AccountPolicy {
  return { ...accountPolicySchema.parse({ allowedIps: ['203.0.113.0/24'] }), ...overrides };
}

export function account(overrides: Partial<Account> = {}): Account {
  return {
    accountId: 'acme',
    name: 'Acme PBX',
    homeCountry: 'US',
    techPrefix: '12345678',
    sipUsernames: ['acme'],
    status: 'active',
    balanceMicros: toMicros(10),
    policy: policy(),
    restrictedDestinations: [],
    knownCountries: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    version: 2,
    ...overrides,
  };
}

export function request(overrides: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  return {
    callId: 'call-1',
    to: '+12125550123',
    from: '+13055550100',
    sourceIp: '203.0.113.10',
    authMethod: 'ip',
    accountId: 'acme',
    ...overrides,
  };
}

export type EvaluationCase = Partial<EvaluationInput> & { req?: Parameters<typeof request>[0] };

/** `evaluateCall` on a fixture account, with no ban, no usage and +881 high-risk, unless the case says otherwise. */
export function evaluateOn(defaults: { readonly rateDeck: RateDeck; readonly now: Date }, overrides: EvaluationCase = {}) {
  const req = request(overrides.req);
  return evaluateCall({
    request: req,
    target: resolveCallTarget(req),
    account: account(),
    activeBan: undefined,
    rateDeck: defaults.rateDeck,
    highRiskPrefixes: new PrefixSet(['881']),
    usage: NO_USAGE,
    activity: NO_ACTIVITY,
    now: defaults.now,
    settings: SETTINGS,
    ...overrides,
  });
}
