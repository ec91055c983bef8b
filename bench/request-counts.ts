/**
 * DynamoDB requests and sequential steps per authorize, one named scenario at a time, counted in the stack's own
 * process by the SDK middleware (functions/adapters/dynamodb/client.ts): the counter is reset right before the
 * request and read right after it, so set-up work (warming an account, the attempts before a burst crosses its
 * threshold) is not counted. Requests in flight together form one step.
 *
 * Every answer is checked against what its scenario claims (decision and reason, or the interim action): a
 * scenario that no longer measures what its name says fails the bench instead of printing a mislabelled figure.
 */
import type { HttpAnswer, HttpClient } from './http-client.js';
import { median } from './stats.js';

export interface CountScenario {
  readonly scenario: string;
  readonly request: string;
  /** The common authorize (warm process, allowed or denied by policy): the one-round-trip target applies. */
  readonly common: boolean;
  /** Why more than one step is expected (scenarios the target does not cover). */
  readonly note?: string;
  readonly samples: number;
  /** Median DynamoDB requests per request. */
  readonly requests: number;
  /** Median sequential steps (round trips one after the other). */
  readonly sequentialSteps: number;
  readonly maxSequentialSteps: number;
  /** The most frequent shape, steps separated by " -> ", parallel requests by " + ". */
  readonly typicalSteps: string;
}

export interface RequestCounter {
  resetCount(): Promise<void>;
  readCount(): Promise<{ counts: Record<string, number>; steps: string[][] }>;
}

/** Accounts the scenarios use, created by the bench before the counts (all with the bench's standard policy). */
export interface ScenarioAccounts {
  /** Warm accounts with a large balance (the load's accounts). */
  readonly warm: (index: number) => string;
  /** Never used before their scenario: one per sample. */
  readonly fresh: (index: number) => string;
  readonly unusual: (index: number) => string;
  readonly burst: (index: number) => string;
  /** concurrentCalls 1. */
  readonly limited: string;
  /** A small balance, so that an expensive call gets a first slice. */
  readonly prepaid: string;
}

interface Expected {
  readonly decision?: 'allow' | 'deny';
  readonly reason?: string;
  readonly interimSeconds?: 'present';
  readonly action?: 'continue' | 'stop';
}

interface Scenario {
  readonly name: string;
  readonly common: boolean;
  readonly note?: string;
  readonly expected: Expected;
  /** Uncounted work before each sample. */
  readonly before?: (index: number) => Promise<void>;
  readonly send: (index: number) => Promise<HttpAnswer>;
  readonly requestLabel: string;
}

interface Dialler {
  readonly client: HttpClient;
  /** The JSON body of an authorize for a new call (or the given callId). */
  readonly body: (accountId: string, to: string, callId?: string) => string;
}

const usNumber = (n: number) => `+1212555${String(n % 10_000).padStart(4, '0')}`;
const padded = (n: number, width: number) => String(n).padStart(width, '0');

export async function countRequestScenarios(counter: RequestCounter, dialler: Dialler, accounts: ScenarioAccounts, samples: number): Promise<CountScenario[]> {
  const { client, body } = dialler;
  const authorize = (requestBody: string) => client.send('POST', '/v1/authorize', requestBody);
  const allowedDomestic: string[] = [];
  const slicedCalls: string[] = [];
  const warmed = new Set<string>();
  /** One uncounted allowed call, so that the stack's process holds a copy of the account. */
  const warm = async (accountId: string) => {
    if (warmed.has(accountId)) return;
    const answer = await authorize(body(accountId, usNumber(warmed.size + 7_000)));
    check('warming an account', answer, { decision: 'allow' });
    warmed.add(accountId);
  };

  const scenarios: Scenario[] = [
    {
      name: 'warm, allowed domestic call',
      common: true,
      expected: { decision: 'allow', reason: 'ALLOWED' },
      before: (i) => warm(accounts.warm(i % 5)),
      send: async (i) => {
        const requestBody = body(accounts.warm(i % 5), usNumber(i + 500));
        allowedDomestic.push(requestBody);
        return authorize(requestBody);
      },
      requestLabel: 'authorize',
    },
    {
      name: 'warm, allowed whitelisted international call (GB)',
      common: true,
      expected: { decision: 'allow', reason: 'ALLOWED' },
      before: (i) => warm(accounts.warm(i % 5)),
      send: (i) => authorize(body(accounts.warm(i % 5), `+44207946${padded(i, 4)}`)),
      requestLabel: 'authorize',
    },
    // Before the allowed call to FR on the same account: FR's reservation ($2 at the unusual cap) would leave less of
    // the week's unusual-spend budget than +881's minimum billable time costs, and the attempt would restrict instead.
    {
      name: 'warm, policy denial counted for burst detection (+881 satellite, high-risk)',
      common: true,
      expected: { decision: 'deny', reason: 'HIGH_RISK_DESTINATION' },
      before: (i) => warm(accounts.unusual(i)),
      send: (i) => authorize(body(accounts.unusual(i), `+8816${padded(i, 8)}`)),
      requestLabel: 'authorize',
    },
    {
      name: 'warm, allowed call to an unusual destination (FR, never dialled: counted for burst detection)',
      common: true,
      expected: { decision: 'allow', reason: 'ALLOWED' },
      before: (i) => warm(accounts.unusual(i)),
      send: (i) => authorize(body(accounts.unusual(i), `+331${padded(40_000_000 + i, 8)}`)),
      requestLabel: 'authorize',
    },
    {
      name: 'warm, allowed expensive call on a small balance (GB premium: first slice, interimSeconds)',
      common: true,
      expected: { decision: 'allow', reason: 'ALLOWED', interimSeconds: 'present' },
      before: () => warm(accounts.prepaid),
      send: async (i) => {
        const callId = `slice-${i}-${Date.now()}`;
        slicedCalls.push(callId);
        return authorize(body(accounts.prepaid, `+449${padded(i, 9)}`, callId));
      },
      requestLabel: 'authorize',
    },
    {
      name: 'warm, policy denial that takes nothing (US 1-900 premium above the max rate)',
      common: true,
      expected: { decision: 'deny', reason: 'RATE_ABOVE_MAX' },
      before: (i) => warm(accounts.warm(i % 5)),
      send: (i) => authorize(body(accounts.warm(i % 5), `+1900555${padded(i, 4)}`)),
      requestLabel: 'authorize',
    },
    {
      name: 'warm, attempt crossing a burst threshold (restricts DE: one transaction)',
      common: true,
      expected: { decision: 'deny', reason: 'DESTINATION_RESTRICTED' },
      before: async (i) => {
        await warm(accounts.burst(i));
        // The attempts below the threshold (4 to one unusual country in 10 minutes) are not counted.
        for (let attempt = 0; attempt < 3; attempt += 1) check('an attempt below the burst threshold', await authorize(body(accounts.burst(i), `+4930${padded(i * 10 + attempt, 8)}`)), { decision: 'allow' });
      },
      send: (i) => authorize(body(accounts.burst(i), `+4930${padded(i * 10 + 9, 8)}`)),
      requestLabel: 'authorize',
    },
    {
      name: 'retry of an allowed call still live (same callId: the first answer, nothing taken twice)',
      common: true,
      expected: { decision: 'allow', reason: 'ALLOWED' },
      send: (i) => authorize(allowedDomestic[i % Math.max(1, allowedDomestic.length)] ?? body(accounts.warm(0), usNumber(0))),
      requestLabel: 'authorize',
    },
    {
      name: 'cold process: first call of an account (domestic)',
      common: false,
      note: 'the account is read before it is decided on',
      expected: { decision: 'allow', reason: 'ALLOWED' },
      send: (i) => authorize(body(accounts.fresh(i), usNumber(i + 900))),
      requestLabel: 'authorize',
    },
    {
      name: 'warm, limit denial (concurrency limit reached)',
      common: false,
      note: 'a limit denial on the cached copy is confirmed by a read first',
      expected: { decision: 'deny', reason: 'CONCURRENCY_LIMIT' },
      before: () => warm(accounts.limited),
      send: (i) => authorize(body(accounts.limited, usNumber(i + 1_300))),
      requestLabel: 'authorize',
    },
    {
      name: 'interim update of a sliced call (answered, 150 s: extended)',
      common: false,
      note: 'not an authorize',
      expected: { action: 'continue' },
      send: (i) => client.send('POST', `/v1/calls/${slicedCalls[i % slicedCalls.length]}/interim`, JSON.stringify({ answered: true, elapsedSeconds: 150 })),
      requestLabel: 'interim',
    },
    {
      name: 'call completed (settles: charges once, releases the rest)',
      common: false,
      note: 'not an authorize',
      expected: {},
      send: (i) =>
        client.send('POST', `/v1/calls/${slicedCalls[i % slicedCalls.length]}/completed`, JSON.stringify({ durationSeconds: 200, endedAt: new Date().toISOString() })),
      requestLabel: 'completed',
    },
  ];

  const results: CountScenario[] = [];
  for (const scenario of scenarios) {
    const totals: number[] = [];
    const stepCounts: number[] = [];
    const shapes = new Map<string, number>();
    for (let i = 0; i < samples; i += 1) {
      await scenario.before?.(i);
      await counter.resetCount();
      const answer = await scenario.send(i);
      const { counts, steps } = await counter.readCount();
      check(scenario.name, answer, scenario.expected);
      totals.push(Object.values(counts).reduce((sum, count) => sum + count, 0));
      stepCounts.push(steps.length);
      const shape = steps.map((step) => [...step].sort().join(' + ')).join(' -> ');
      shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
    }
    const typical = [...shapes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
    results.push({
      scenario: scenario.name,
      request: scenario.requestLabel,
      common: scenario.common,
      ...(scenario.note ? { note: scenario.note } : {}),
      samples,
      requests: median(totals),
      sequentialSteps: median(stepCounts),
      maxSequentialSteps: Math.max(...stepCounts),
      typicalSteps: typical,
    });
  }
  return results;
}

/** Throws unless the answer is a 200 saying what the scenario expects. */
function check(scenario: string, answer: HttpAnswer, expected: Expected): void {
  if (answer.status !== 200) throw new Error(`${scenario}: answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  const mismatches = Object.entries(expected).filter(([field, value]) => (value === 'present' ? body[field] === undefined : body[field] !== value));
  if (mismatches.length > 0) {
    throw new Error(`${scenario}: expected ${JSON.stringify(expected)}, got ${JSON.stringify({ decision: body.decision, reason: body.reason, action: body.action, interimSeconds: body.interimSeconds })}`);
  }
}
