/**
 * Live-call control through Kamailio (contract v1.1): the to-end list, interim updates on a credit slice, and the
 * concurrency limit under a burst. Called from run-e2e.ts with the running stack, the main Kamailio and the UAS.
 *
 *  1. A call of an account suspended mid-call gets BYE (both sides) within 3 s: Kamailio pulls
 *     GET /v1/calls/to-end every second and ends the listed dialog.
 *  2. A prepaid call granted a slice (small balance, expensive destination) is extended by interim updates and ends
 *     at the second its balance buys (within 1 s), charged exactly what it reported.
 *  3. 100 simultaneous INVITEs from one account with a concurrency limit of 5: exactly 5 answered, 95 get
 *     486 CONCURRENCY_LIMIT.
 *
 * The prepaid call (about 40 s) runs while checks 1 and 3 run, so the three cost about as long as it does.
 */
import { authorizationEntries, linesWith, type Kamailio } from './support/kamailio.js';
import { errorExcerpt, runUac, type UacOptions, type UacResult } from './support/sipp.js';

/**
 * Tollgate settings for these checks: a 30 s credit slice (the smallest allowed) and updates 5 s before a slice runs
 * out, so that a balance-bound call gets a slice and interim updates within seconds rather than minutes.
 */
export const LIVE_CALLS_STACK_ENVIRONMENT = { TOLLGATE_CREDIT_SLICE_SECONDS: '30', TOLLGATE_INTERIM_LEAD_SECONDS: '5' } as const;

const SUSPEND_ACCOUNT = 'e2e-suspend';
const SUSPEND_PREFIX = '55556666';
const PREPAID_ACCOUNT = 'e2e-prepaid';
const PREPAID_PREFIX = '55557777';
/** Jamaica (+1 876), one of the sample deck's expensive NANP look-alikes. */
const PREPAID_NUMBER = '18765550123';
/** The talk time the prepaid balance buys: more than one 30 s slice, so that it takes interim updates. */
const PREPAID_SECONDS = 40;
const BURST_ACCOUNT = 'e2e-burst';
const BURST_PREFIX = '55558888';
const BURST_CALLS = 100;
const BURST_LIMIT = 5;
/** Kamailio pulls the to-end list every second; the contract asks for the BYE within 3 s of the suspension. */
const SUSPEND_BYE_BUDGET_MS = 3_000;

interface Api {
  call<T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export interface LiveCallsContext {
  readonly api: Api;
  /** The stack's base URL (the text format of the to-end list is read with fetch). */
  readonly url: string;
  readonly adminToken: string;
  readonly switchToken: string;
  /** The Kamailio that asks Tollgate (pulls the to-end list, sends interim updates). */
  readonly kamailio: Kamailio;
  readonly workDir: string;
  /** A free UDP port for a SIPp caller of its own (these checks run callers side by side). */
  freePort(): Promise<number>;
  /** The UAS's <log> lines (INVITE ... and BYE call_id=...). */
  uasLines(): string[];
  check(name: string, body: () => Promise<string>): Promise<void>;
}

interface AccountView {
  readonly balance: number;
  readonly reserved: number;
  readonly available: number;
}

export async function liveCallChecks(ctx: LiveCallsContext): Promise<void> {
  const { api, adminToken, switchToken, kamailio } = ctx;
  const expectOk = async (method: string, path: string, body: unknown, ok: number[]) => {
    const response = await api.call(method, path, adminToken, body);
    assert(ok.includes(response.status), `${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  };
  const account = async (accountId: string) => (await api.call<AccountView>('GET', `/v1/accounts/${accountId}`, adminToken)).body;
  const liveCallsOf = async (accountId: string) => (await api.call<{ calls: Array<{ callId: string }> }>('GET', `/v1/accounts/${accountId}/calls`, adminToken)).body.calls;
  const toEndList = async () => (await fetch(`${ctx.url}/v1/calls/to-end?format=text`, { headers: { authorization: `Bearer ${switchToken}` } })).text();
  const caller = async (options: Omit<UacOptions, 'workDir' | 'target' | 'localPort'>) => runUac({ ...options, workDir: ctx.workDir, target: kamailio.sipPort, localPort: await ctx.freePort() });

  // ---- Accounts ---------------------------------------------------------------------------------------------------
  const usPolicy = { allowedIps: ['127.0.0.1'], maxRatePerMinute: 0.05 };
  for (const [accountId, techPrefix] of [[SUSPEND_ACCOUNT, SUSPEND_PREFIX], [PREPAID_ACCOUNT, PREPAID_PREFIX], [BURST_ACCOUNT, BURST_PREFIX]] as const) {
    await expectOk('POST', '/v1/accounts', { accountId, name: `E2E ${accountId}`, homeCountry: 'US', techPrefix }, [200, 201]);
  }
  await expectOk('PUT', `/v1/accounts/${SUSPEND_ACCOUNT}/policy`, usPolicy, [200]);
  await expectOk('POST', `/v1/accounts/${SUSPEND_ACCOUNT}/credits`, { amount: 5 }, [200]);
  await expectOk('PUT', `/v1/accounts/${BURST_ACCOUNT}/policy`, { ...usPolicy, limits: { concurrentCalls: BURST_LIMIT } }, [200]);
  await expectOk('POST', `/v1/accounts/${BURST_ACCOUNT}/credits`, { amount: 10 }, [200]);
  await expectOk('PUT', `/v1/accounts/${PREPAID_ACCOUNT}/policy`, { allowedIps: ['127.0.0.1'], maxRatePerMinute: 0.5, internationalEnabled: true, whitelistCountries: ['JM'] }, [200]);
  // The rate, from Tollgate's own answer while the balance is still empty (a denial reserves nothing).
  const probe = await api.call<{ decision: string; reason: string; destination: { ratePerMinute: number } | null }>('POST', '/v1/authorize', switchToken, {
    callId: `e2e-prepaid-probe-${Date.now()}`, to: `${PREPAID_PREFIX}*${PREPAID_NUMBER}`, from: '13055550100', sourceIp: '127.0.0.1', authMethod: 'ip',
  });
  assert(probe.status === 200 && probe.body.reason === 'INSUFFICIENT_BALANCE' && probe.body.destination, `the prepaid account's probe answered ${probe.status} ${JSON.stringify(probe.body)}`);
  const rateMicros = Math.round(probe.body.destination.ratePerMinute * 1e6);
  const creditMicros = Math.ceil((rateMicros * PREPAID_SECONDS) / 60);
  const secondsBought = Math.floor((creditMicros * 60) / rateMicros);
  await expectOk('POST', `/v1/accounts/${PREPAID_ACCOUNT}/credits`, { amount: creditMicros / 1e6 }, [200]);

  // ---- 2 (started first, checked last): a prepaid call that its balance ends ---------------------------------------
  const prepaidRun = caller({ scenario: 'uac-until-bye.xml', service: `${PREPAID_PREFIX}*${PREPAID_NUMBER}`, calls: 1, timeoutSeconds: secondsBought + 30, label: 'live-prepaid' });

  // ---- 1: suspension mid-call ---------------------------------------------------------------------------------------
  await ctx.check(`a live call of an account suspended mid-call gets BYE within ${SUSPEND_BYE_BUDGET_MS / 1000} s (to-end list pulled every second)`, async () => {
    const run = caller({ scenario: 'uac-until-bye.xml', service: `${SUSPEND_PREFIX}*12125550123`, calls: 1, timeoutSeconds: 30, label: 'live-suspend' });
    const callId = (await eventuallyAsync(() => liveCallsOf(SUSPEND_ACCOUNT), (calls) => calls.length > 0, 10_000))[0]?.callId;
    assert(callId, 'the call never became live at Tollgate');
    // answered: Kamailio has registered the dialog under its Call-ID
    const answered = await eventually(() => linesWith(kamailio, `tollgate live call: call_id=${callId} `), (lines) => lines.length > 0, 10_000);
    assert(answered.length === 1, `Kamailio did not log the answer of ${callId}`);
    const suspendedAt = Date.now();
    await expectOk('POST', `/v1/accounts/${SUSPEND_ACCOUNT}/suspend`, { note: 'e2e: suspended while a call is up' }, [200]);
    const result = await run;
    assertCalls(result, 1);
    const byeAt = loggedTime(result, 'BYE');
    const delayMs = Math.round(byeAt - suspendedAt);
    assert(delayMs > 0 && delayMs <= SUSPEND_BYE_BUDGET_MS, `BYE ${delayMs} ms after POST /suspend (budget ${SUSPEND_BYE_BUDGET_MS} ms)`);
    const ended = linesWith(kamailio, `tollgate ended call: call_id=${callId} `);
    assert(ended.length === 1 && ended[0]?.includes('reason=LISTED_TO_END rpc=200'), `Kamailio logged ${JSON.stringify(ended)}`);
    const uasBye = await eventually(() => ctx.uasLines().filter((line) => line === `BYE call_id=${callId}`), (lines) => lines.length > 0, 3_000);
    assert(uasBye.length === 1, 'the UAS (callee side) got no BYE');
    const completion = await eventually(() => completionLines(kamailio, completionOf(callId)), (lines) => lines.length > 0, 5_000);
    assert(completion.length === 1 && /http=200\b/.test(completion[0] ?? ''), `completion: ${JSON.stringify(completion)}`);
    const list = await eventuallyAsync(toEndList, (text) => !text.includes(callId), 5_000);
    assert(!list.includes(callId), `still on the to-end list after its completion: ${JSON.stringify(list)}`);
    await expectOk('POST', `/v1/accounts/${SUSPEND_ACCOUNT}/reactivate`, { note: 'e2e: done' }, [200]);
    return `BYE at the caller ${delayMs} ms after POST /suspend, callee got BYE too, ${durationOf(completion[0])} reported, then off the to-end list`;
  });

  // ---- 3: a burst against a concurrency limit ---------------------------------------------------------------------
  await ctx.check(`${BURST_CALLS} simultaneous INVITEs, concurrency limit ${BURST_LIMIT}: exactly ${BURST_LIMIT} answered, the rest 486 CONCURRENCY_LIMIT`, async () => {
    const result = await caller({ scenario: 'uac-burst.xml', service: `${BURST_PREFIX}*12125550123`, calls: BURST_CALLS, rate: 1000, extraArgs: ['-l', String(BURST_CALLS * 2)], timeoutSeconds: 40, label: 'live-burst' });
    assertCalls(result, BURST_CALLS);
    const answered = result.logLines.filter((line) => line.startsWith('ANSWERED'));
    const busy = result.logLines.filter((line) => line.startsWith('BUSY'));
    const reasons = new Set(busy.map((line) => /reason=(\w*)/.exec(line)?.[1] ?? '?'));
    assert(answered.length === BURST_LIMIT && busy.length === BURST_CALLS - BURST_LIMIT, `${answered.length} answered, ${busy.length} busy`);
    assert(reasons.size === 1 && reasons.has('CONCURRENCY_LIMIT'), `486 reasons: ${[...reasons].join()}`);
    const decisions = authorizationEntries(kamailio, `-${result.pid}@`);
    const allowed = decisions.filter((entry) => entry.decision === 'allow').length;
    const limited = decisions.filter((entry) => entry.reason === 'CONCURRENCY_LIMIT').length;
    assert(decisions.length === BURST_CALLS && allowed === BURST_LIMIT && limited === BURST_CALLS - BURST_LIMIT, `Tollgate decided ${decisions.length}: ${allowed} allowed, ${limited} CONCURRENCY_LIMIT`);
    const reached = await eventually(() => ctx.uasLines().filter((line) => line.startsWith('INVITE') && line.includes(`-${result.pid}@`)).length, (count) => count >= BURST_LIMIT, 3_000);
    assert(reached === BURST_LIMIT, `the UAS got ${reached} INVITEs`);
    const times = result.logLines.map((line) => timeOf(line)).filter((time): time is number => time !== undefined);
    const decidedWithinMs = Math.round(Math.max(...busy.map((line) => timeOf(line) ?? Number.NaN)) - Math.min(...times));
    const completions = await eventually(() => completionLines(kamailio, `-${result.pid}%40`), (lines) => lines.length >= BURST_LIMIT, 5_000);
    assert(completions.length === BURST_LIMIT && completions.every((line) => /http=200\b/.test(line)), `${completions.length} completions: ${JSON.stringify(completions)}`);
    const left = await eventuallyAsync(() => liveCallsOf(BURST_ACCOUNT), (calls) => calls.length === 0, 5_000);
    assert(left.length === 0, `${left.length} calls still live after every completion`);
    return `${answered.length} answered and held 10 s, ${busy.length} x 486 CONCURRENCY_LIMIT (all refused within ${decidedWithinMs} ms of the first answer or refusal), Tollgate decided ${decisions.length}, the UAS got ${reached} INVITEs, 0 live calls after the completions`;
  });

  // ---- 2: the prepaid call --------------------------------------------------------------------------------------------
  await ctx.check(`a prepaid call on a slice gets interim updates and ends at the ${secondsBought} s its balance buys (+/- 1 s), charged what it reported`, async () => {
    const result = await prepaidRun;
    assertCalls(result, 1);
    const callId = /call_id=(\S+)/.exec(result.logLines.find((line) => line.startsWith('ANSWERED')) ?? '')?.[1];
    assert(callId, 'no answer logged');
    const talkSeconds = (loggedTime(result, 'BYE') - loggedTime(result, 'ANSWERED')) / 1000;
    const decision = linesWith(kamailio, 'tollgate decision=').find((line) => line.includes(`call_id=${callId} `));
    const slice = Number(/max_seconds=(\d+)/.exec(decision ?? '')?.[1]);
    const firstInterim = Number(/interim_seconds=(\d+)/.exec(decision ?? '')?.[1]);
    assert(/decision=allow/.test(decision ?? '') && slice < secondsBought && firstInterim > 0, `Tollgate's first grant is not a slice with interim updates: ${decision}`);
    const interims = linesWith(kamailio, `tollgate interim call_id=${callId} `);
    assert(interims.length >= 1 && interims.every((line) => line.includes('action=continue')), `interim updates: ${JSON.stringify(interims)}`);
    assert(interims.some((line) => line.includes(`max_seconds=${secondsBought} `)), `no interim update granted the ${secondsBought} s: ${JSON.stringify(interims)}`);
    assert(Math.abs(talkSeconds - secondsBought) <= 1, `BYE ${talkSeconds.toFixed(2)} s after the answer; the balance buys ${secondsBought} s`);
    const completion = await eventually(() => completionLines(kamailio, completionOf(callId)), (lines) => lines.length > 0, 5_000);
    assert(completion.length === 1 && /http=200\b/.test(completion[0] ?? ''), `completion: ${JSON.stringify(completion)}`);
    const reported = Number(/"durationSeconds":\s*(\d+)/.exec(completion[0] ?? '')?.[1]);
    assert(reported <= secondsBought && reported >= secondsBought - 1, `${reported} s reported for a ${secondsBought} s balance`);
    const after = await eventuallyAsync(() => account(PREPAID_ACCOUNT), (view) => view.reserved === 0 && Math.round(view.balance * 1e6) < creditMicros, 5_000);
    const chargedMicros = creditMicros - Math.round(after.balance * 1e6);
    const expectedMicros = Math.ceil((reported * rateMicros) / 60);
    assert(after.reserved === 0 && chargedMicros === expectedMicros, `charged ${chargedMicros / 1e6} (expected ${expectedMicros / 1e6} for ${reported} s), reserved ${after.reserved}`);
    assert(after.balance >= 0, `balance ${after.balance}: the call ran past what it could pay for`);
    const endedBy = linesWith(kamailio, `tollgate ended call: call_id=${callId} `)[0] ? 'the live-calls timer at the granted second' : 'the dialog timeout';
    const extensions = interims.map((line) => `${/elapsed_s=(\d+)/.exec(line)?.[1]} s: max ${/max_seconds=(\d+)/.exec(line)?.[1]} s`).join(', ');
    return `first grant ${slice} s with an update due at ${firstInterim} s; updates at ${extensions}; BYE ${talkSeconds.toFixed(2)} s after the answer (balance buys ${secondsBought} s at ${rateMicros / 1e6}/min), ended by ${endedBy}; ${reported} s reported, charged ${chargedMicros / 1e6}, balance left ${after.balance}`;
  });
}

/** Kamailio's `tollgate report /v1/calls/<URL-encoded Call-ID>/completed http=...` lines that contain `part`. */
function completionLines(kamailio: Kamailio, part: string): string[] {
  return linesWith(kamailio, 'tollgate report /v1/calls/').filter((line) => line.includes(part));
}

/** The part of a completion report's line that names this Call-ID. */
function completionOf(callId: string): string {
  return `/v1/calls/${encodeURIComponent(callId)}/completed`;
}

function durationOf(line: string | undefined): string {
  return /"durationSeconds":\s*\d+/.exec(line ?? '')?.[0] ?? '?';
}

/** The wall-clock time (ms) a scenario logged with [timestamp], which ends with seconds.microseconds since the epoch. */
function timeOf(line: string): number | undefined {
  const match = /(\d{9,}\.\d+)\s*$/.exec(line);
  return match ? Number(match[1]) * 1000 : undefined;
}

function loggedTime(result: UacResult, event: 'ANSWERED' | 'BYE'): number {
  const line = result.logLines.find((candidate) => candidate.startsWith(`${event} `));
  const time = line === undefined ? undefined : timeOf(line);
  assert(time !== undefined, `the caller logged no ${event} time: ${JSON.stringify(result.logLines)}`);
  return time;
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function assertCalls(result: UacResult, expected: number): void {
  const summary = `sipp exit ${result.exitCode}, ${result.successful} successful, ${result.failed} failed, ${result.unexpected} unexpected`;
  assert(result.exitCode === 0 && result.successful === expected && result.failed === 0, `${summary} (expected ${expected} successful)\n${errorExcerpt(result)}`);
}

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value either way. */
async function eventually<T>(read: () => T, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  return eventuallyAsync(async () => read(), done, timeoutMs);
}

async function eventuallyAsync<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}
