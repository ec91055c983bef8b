/**
 * One simulation run: build the carrier and the attacks from the seed, replay them through the local stack, and
 * turn the records into outcomes, false positives and the spend series.
 */
import { normalizeDialledString } from '../../domain/numbers/normalize-number.js';
import { RateDeck } from '../../domain/rate-deck/rate-deck.js';
import { sampleDeckEntries } from '../sample-data.js';
import { attackOutcomes, falsePositives, spendSeries, type AttackOutcome, type FalsePositiveSummary, type SpendPoint } from './analysis.js';
import { ATTACK_IDS, planAttacks, type AttackId } from './attacks.js';
import { BEFORE_ISSUE_16, baselineEnvironment } from './baseline.js';
import { DAY_MS, buildPopulation, ordinaryTraffic } from './carrier.js';
import type { AttackInfo, CallRecord, SimAccount } from './model.js';
import { allPatterns } from './numbers.js';
import { Random } from './prng.js';
import { replay, type InterimTally } from './replay.js';
import { summarizeWhatIf, type WhatIfSummary } from './what-if.js';

export interface SimulationOptions {
  readonly seed: number;
  readonly accounts: number;
  readonly days: number;
  readonly learningDays: number;
  readonly attacks: readonly AttackId[];
  readonly concurrency: number;
  /** Midnight UTC of the first simulated day. */
  readonly startDate: string;
  /** Days the slow drip runs from its start, past the end of the ordinary traffic if need be. */
  readonly dripDays: number;
  /** Diaspora customers added to the ordinary accounts, as a share of `accounts`. */
  readonly diasporaShare: number;
  /** Replay with the detections of issue 16 switched off (BEFORE_ISSUE_16): the "before" of the comparison. */
  readonly baseline: boolean;
  readonly dynamoEndpoint?: string;
  readonly onProgress?: (done: number, total: number) => void;
  /** Carrier-wide detection thresholds to replay the run's decisions with afterwards (POST /v1/what-if). */
  readonly whatIf?: Readonly<Record<string, unknown>>;
}

export const DEFAULT_SIMULATION: Omit<SimulationOptions, 'dynamoEndpoint' | 'onProgress' | 'whatIf'> = {
  seed: 42,
  accounts: 300,
  days: 3,
  learningDays: 1,
  attacks: ATTACK_IDS,
  concurrency: 8,
  startDate: '2026-03-02',
  dripDays: 14,
  diasporaShare: 0.1,
  baseline: false,
};

export interface SimulationResult {
  readonly options: Omit<SimulationOptions, 'dynamoEndpoint' | 'onProgress' | 'whatIf'>;
  readonly population: { readonly ordinary: number; readonly victims: number; readonly byProfile: Record<string, number> };
  /** The stack configuration the run replaced (the baseline's), or null for the stack's defaults. */
  readonly detectionOverrides: typeof BEFORE_ISSUE_16 | null;
  /** Simulated days from the start to the last attack event's day (the drip may run past `days`). */
  readonly spanDays: number;
  readonly plannedEvents: { readonly ordinaryCalls: number; readonly attackCalls: number; readonly authFailures: number };
  readonly attacks: readonly AttackInfo[];
  readonly outcomes: readonly AttackOutcome[];
  readonly falsePositives: FalsePositiveSummary;
  readonly series: readonly SpendPoint[];
  /** Allowed fraud calls, for the evidence of where the dollars went. */
  readonly allowedFraudCalls: readonly CallRecord[];
  /** Denied ordinary calls of ordinary accounts (the false positives), with the account's profile. */
  readonly deniedOrdinaryCalls: readonly (CallRecord & { readonly profile: string })[];
  readonly flaggedAccounts: readonly string[];
  /** The simulated switch's interim updates over the whole run (credit control). */
  readonly interim: InterimTally;
  readonly replay: { readonly requests: number; readonly wallSeconds: number; readonly settles: { readonly count: number; readonly wallSeconds: number } };
  readonly startMs: number;
  /** What the replay with the `whatIf` thresholds says, set against what the simulator knows of each call. */
  readonly whatIf?: WhatIfSummary;
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  if (options.learningDays >= options.days && options.attacks.length > 0) throw new Error('learning days must leave at least one day for the attacks');
  const deck = new RateDeck(sampleDeckEntries(), 'sample-1');
  checkNumberPatterns(deck);
  const startMs = Date.parse(`${options.startDate}T00:00:00.000Z`);
  const ordinary = buildPopulation({ seed: options.seed, accounts: options.accounts, diasporaShare: options.diasporaShare });
  const plan = planAttacks({ seed: options.seed, startMs, days: options.days, learningDays: options.learningDays, include: options.attacks, ordinary, dripDays: options.dripDays });
  const accounts: SimAccount[] = [...ordinary, ...plan.victims];
  const traffic = ordinaryTraffic(accounts, { seed: options.seed, startMs, days: options.days });
  const events = [...traffic, ...plan.events];
  const lastEventMs = Math.max(startMs, ...plan.events.map((event) => event.at));
  const spanDays = Math.max(options.days, Math.ceil((lastEventMs + 1 - startMs) / DAY_MS));

  const replayed = await replay(accounts, events, {
    ...(options.dynamoEndpoint ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    concurrency: options.concurrency,
    setupAtMs: startMs - DAY_MS,
    ...(options.baseline ? { environment: baselineEnvironment() } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    // Decisions are kept 14 days: the span is the setup day and the simulated days, at most that.
    ...(options.whatIf ? { whatIf: { detection: options.whatIf, fromMs: startMs - DAY_MS, toMs: Math.min(startMs + options.days * DAY_MS, startMs + 13 * DAY_MS) } } : {}),
  });

  const attackIds = new Set(plan.attacks.map((attack) => attack.id));
  const byProfile: Record<string, number> = {};
  for (const account of ordinary) byProfile[account.profile] = (byProfile[account.profile] ?? 0) + 1;
  const { dynamoEndpoint: _endpoint, onProgress: _progress, whatIf: _whatIf, ...recorded } = options;
  return {
    options: recorded,
    population: { ordinary: ordinary.length, victims: plan.victims.length, byProfile },
    detectionOverrides: options.baseline ? BEFORE_ISSUE_16 : null,
    spanDays,
    plannedEvents: {
      ordinaryCalls: traffic.length,
      attackCalls: plan.events.filter((event) => event.kind === 'call').length,
      authFailures: plan.events.filter((event) => event.kind === 'auth-failure').length,
    },
    attacks: plan.attacks,
    outcomes: attackOutcomes(plan.attacks, replayed.calls, replayed.authFailures, accounts, deck),
    falsePositives: falsePositives(replayed.calls, accounts, replayed.flaggedAccounts, startMs + options.learningDays * DAY_MS),
    series: spendSeries(plan.attacks, replayed.calls, deck),
    allowedFraudCalls: replayed.calls.filter((call) => attackIds.has(call.origin) && call.decision === 'allow'),
    deniedOrdinaryCalls: replayed.calls.flatMap((call) => {
      const account = ordinary.find((candidate) => candidate.accountId === call.accountId);
      return account && call.origin === 'ordinary' && call.decision === 'deny' ? [{ ...call, profile: account.profile }] : [];
    }),
    flaggedAccounts: replayed.flaggedAccounts,
    interim: replayed.interim,
    replay: { requests: replayed.requests, wallSeconds: replayed.wallSeconds, settles: replayed.settles },
    startMs,
    ...(replayed.whatIf ? { whatIf: summarizeWhatIf(replayed.whatIf, replayed.calls, accounts, plan.attacks) } : {}),
  };
}

/** Every number pattern must be a possible number that routes to its country or range, or the model is wrong. */
function checkNumberPatterns(deck: RateDeck): void {
  const random = new Random(7);
  for (let round = 0; round < 5; round += 1) {
    for (const pattern of allPatterns(random)) {
      const normalized = normalizeDialledString(pattern.e164, { homeCountry: 'US' });
      const route = normalized.ok ? deck.lookup(normalized.digits) : undefined;
      const matches = /^[A-Z]{2}$/.test(pattern.label) ? route?.country === pattern.label : route?.prefix === pattern.label;
      if (!matches) throw new Error(`number pattern ${pattern.label} gave ${pattern.e164}, which routes to ${route?.prefix ?? 'nothing'}`);
    }
  }
}
