/**
 * The pure decision engine on one core: `resolveCallTarget` + `evaluateCall` over a fixed mix of realistic inputs
 * (allowed domestic and whitelisted calls, the dialled forms a switch sends, look-alikes, high-risk, bursts).
 *
 * 1. Throughput: decisions in a tight loop for the given time, read the clock once per batch.
 * 2. Latency: each decision timed alone with hrtime; the timer's own cost is measured and reported beside it.
 */
import { accountPolicySchema, type Account } from '../domain/accounts/account.js';
import type { AuthorizationRequest } from '../domain/policy/authorization-request.js';
import { DEFAULT_SIP_RESPONSES } from '../domain/policy/decision.js';
import { NO_ACTIVITY, NO_USAGE, evaluateCall, resolveCallTarget, type DecisionSettings, type EvaluationInput } from '../domain/policy/evaluate-call.js';
import { findMatchingEntry } from '../domain/policy/ip-allowlist.js';
import { PrefixSet } from '../domain/policy/prefix-set.js';
import { DEFAULT_DETECTION } from '../domain/profiling/destination-detection.js';
import { RateDeck } from '../domain/rate-deck/rate-deck.js';
import { toMicros } from '../domain/shared/money.js';
import { HIGH_RISK_PREFIXES, sampleDeckEntries } from './sample-data.js';
import { quantile, round } from './stats.js';

export interface EngineBenchOptions {
  /** Seconds of the throughput loop. */
  readonly seconds: number;
  /** Decisions timed one by one for the latency figures. */
  readonly latencySamples: number;
}

export interface EngineBenchResult {
  readonly decisionsPerSecond: number;
  readonly decisions: number;
  readonly seconds: number;
  readonly latency: { readonly samples: number; readonly p50Us: number; readonly p99Us: number; readonly timerOverheadUs: number };
  /** The input mix, by the reason each input is decided with. */
  readonly mix: Record<string, number>;
  /** Where the time goes: the IP allow-list check alone, and the same mix authenticated by digest (no IP check). */
  readonly diagnostics: { readonly ipAllowListCheckUs: number; readonly digestMixDecisionsPerSecond: number };
}

const SETTINGS: DecisionSettings = {
  sipResponses: DEFAULT_SIP_RESPONSES,
  maxCallDurationSeconds: 14_400,
  minimumBillableSeconds: 60,
  detection: DEFAULT_DETECTION,
  creditSliceSeconds: 180,
  fullGrantShare: 0.25,
  interimLeadSeconds: 30,
  reservationGraceSeconds: 120,
};

export function engineInputs(): EvaluationInput[] {
  const rateDeck = new RateDeck(sampleDeckEntries(), 'sample-1');
  const highRiskPrefixes = new PrefixSet(HIGH_RISK_PREFIXES);
  const now = new Date('2026-03-02T15:04:05.000Z');
  const account = (id: string, policy: Record<string, unknown>): Account => ({
    accountId: id,
    name: id,
    homeCountry: 'US',
    techPrefix: '12345678',
    sipUsernames: [id],
    status: 'active',
    balanceMicros: toMicros(250),
    policy: accountPolicySchema.parse({ allowedIps: ['203.0.113.0/24', '198.51.100.7'], ...policy }),
    restrictedDestinations: [],
    knownCountries: ['MX'],
    createdAt: '2026-01-01T00:00:00.000Z',
    version: 3,
  });
  const business = account('acme', {
    internationalEnabled: true,
    maxRatePerMinute: 0.1,
    whitelistCountries: ['CA', 'GB'],
    limits: { callsPerMinute: 60, concurrentCalls: 30, spendPerHour: 50, spendPerDay: 200 },
  });
  const domestic = account('corner-shop', { limits: { callsPerMinute: 10, concurrentCalls: 4, spendPerHour: null, spendPerDay: 20 } });
  const request = (to: string, overrides: Partial<AuthorizationRequest> = {}): AuthorizationRequest => ({
    callId: `call-${to}`,
    to,
    from: '+13055550100',
    sourceIp: '203.0.113.10',
    authMethod: 'ip',
    accountId: 'acme',
    ...overrides,
  });
  const input = (req: AuthorizationRequest, overrides: Partial<EvaluationInput> = {}): EvaluationInput => ({
    request: req,
    target: resolveCallTarget(req),
    account: business,
    activeBan: undefined,
    rateDeck,
    highRiskPrefixes,
    usage: { callsLastMinute: 3, concurrentCalls: 2, spendLastHour: 1.2, spendToday: 14.5, reservedMicros: 500_000 },
    activity: NO_ACTIVITY,
    now,
    settings: SETTINGS,
    ...overrides,
  });
  return [
    // Most traffic is allowed domestic calls, in the forms switches send them.
    input(request('+12125550123')),
    input(request('2125550123')),
    input(request('12345678*13055550188', { accountId: undefined })),
    input(request('+13125550199'), { account: domestic, usage: NO_USAGE }),
    input(request('01144207946000')),
    input(request('+447700900123')),
    input(request('+525512345678')),
    input(request('+12125550124')),
    // The denials that matter: look-alikes, high-risk ranges, bursts, limits, bans.
    input(request('+18765550123')),
    input(request('+881612345678')),
    input(request('+37069912345'), { activity: { current: { LT: 4 }, previous: {} } }),
    input(request('+12125550125'), { usage: { callsLastMinute: 61, concurrentCalls: 2, spendLastHour: 1, spendToday: 2, reservedMicros: 0 } }),
    input(request('+12125550126'), { activeBan: { ip: '203.0.113.10', bannedUntil: '2026-03-02T16:00:00.000Z', failures: 5 } }),
    input(request('+4930123456', { sourceIp: '192.0.2.1' })),
  ];
}

export function runEngineBench(options: EngineBenchOptions): EngineBenchResult {
  const inputs = engineInputs();
  const mix: Record<string, number> = {};
  for (const input of inputs) {
    const reason = decide(input).reason;
    mix[reason] = (mix[reason] ?? 0) + 1;
  }
  let sink = 0;
  // Warm up so the optimizing compiler has settled before anything is timed.
  sink += throughput(inputs, Math.min(1, options.seconds)).sink;
  const main = throughput(inputs, options.seconds);
  sink += main.sink;

  const latencies = new Float64Array(options.latencySamples);
  for (let i = 0; i < options.latencySamples; i += 1) {
    const input = inputs[i % inputs.length] as EvaluationInput;
    const before = process.hrtime.bigint();
    sink += decide(input).sipCode;
    latencies[i] = Number(process.hrtime.bigint() - before) / 1_000;
  }
  const overhead = new Float64Array(Math.min(options.latencySamples, 100_000));
  for (let i = 0; i < overhead.length; i += 1) {
    const before = process.hrtime.bigint();
    overhead[i] = Number(process.hrtime.bigint() - before) / 1_000;
  }

  const ipChecks = 20_000;
  const ipStarted = process.hrtime.bigint();
  for (let i = 0; i < ipChecks; i += 1) sink += findMatchingEntry('203.0.113.10', ['203.0.113.0/24', '198.51.100.7'])?.length ?? 0;
  const ipAllowListCheckUs = Number(process.hrtime.bigint() - ipStarted) / 1_000 / ipChecks;
  const digestInputs = inputs.map((input) => {
    const request = { ...input.request, authMethod: 'digest' as const };
    return { ...input, request, target: resolveCallTarget(request) };
  });
  const digest = throughput(digestInputs, Math.max(0.1, options.seconds / 3));
  sink += digest.sink;
  if (sink === -1) console.log('unreachable'); // keeps the results observable so no loop is optimised away

  const samples = Array.from(latencies);
  return {
    decisionsPerSecond: Math.round(main.decisions / main.seconds),
    decisions: main.decisions,
    seconds: round(main.seconds, 3),
    latency: {
      samples: samples.length,
      p50Us: round(quantile(samples, 0.5), 2),
      p99Us: round(quantile(samples, 0.99), 2),
      timerOverheadUs: round(quantile(Array.from(overhead), 0.5), 3),
    },
    mix,
    diagnostics: { ipAllowListCheckUs: round(ipAllowListCheckUs, 2), digestMixDecisionsPerSecond: Math.round(digest.decisions / digest.seconds) },
  };
}

/** Decisions in a tight loop for `seconds`, reading the clock once per batch. */
function throughput(inputs: readonly EvaluationInput[], seconds: number): { decisions: number; seconds: number; sink: number } {
  const batch = 5_000;
  const budgetNs = BigInt(Math.round(seconds * 1e9));
  const started = process.hrtime.bigint();
  let elapsed = 0n;
  let decisions = 0;
  let sink = 0;
  while (elapsed < budgetNs) {
    for (let i = 0; i < batch; i += 1) sink += decide(inputs[(decisions + i) % inputs.length] as EvaluationInput).sipCode;
    decisions += batch;
    elapsed = process.hrtime.bigint() - started;
  }
  return { decisions, seconds: Number(elapsed) / 1e9, sink };
}

function decide(input: EvaluationInput) {
  return evaluateCall({ ...input, target: resolveCallTarget(input.request) });
}
