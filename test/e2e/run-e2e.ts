/**
 * End to end with a real switch: Tollgate's local stack (DynamoDB Local), Kamailio running
 * integrations/kamailio/kamailio.cfg unchanged, SIPp as the caller (UAC) and the carrier side (UAS), and SIPVicious
 * svcrack as a password cracker, all on loopback. `npm run test:e2e` (test/e2e/install-deps.sh installs Kamailio,
 * SIPp and SIPVicious from Debian first).
 *
 * Prints one line per check, the post-dial delay and brute-force figures, and `e2e: N passed, M failed`; exits 1 on
 * any failure. Artifacts (Kamailio, SIPp and svcrack logs, results.json) stay in .e2e/run-<time>/ (git-ignored).
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDemoData } from '../../functions/local/demo-data.js';
import { startLocalStack, type LocalStack } from '../../functions/local/local-stack.js';
import { LIVE_CALLS_STACK_ENVIRONMENT, liveCallChecks } from './live-calls.js';
import { authorizationEntries, linesWith, startKamailio, type Kamailio } from './support/kamailio.js';
import { delay, freeUdpPort, startBlackHole } from './support/processes.js';
import { errorExcerpt, runUac, startUas, type UacOptions, type UacResult } from './support/sipp.js';
import { summarize, type Summary } from './support/stats.js';
import { startSvcrack } from './support/svcrack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KAMAILIO_CFG = join(ROOT, 'integrations/kamailio/kamailio.cfg');
const SCENARIO_DIR = join(ROOT, 'test/e2e/scenarios');

/** The whole run is bounded: a hung child must not hold CI. */
const RUN_DEADLINE_MS = 8 * 60_000;
/** The console's browser tests, on top: a stuck browser must not hold CI either. */
const CONSOLE_TESTS_DEADLINE_MS = 5 * 60_000;
const LOAD_CALLS = 500;
/** A light-traffic measurement before the load step: the post-dial delay when nothing queues. */
const LIGHT_CALLS = 20;
const LIGHT_RATE = 2;
const LOAD_RATE = 50;
/** The duration the short account's balance buys at the US rate; Kamailio must hang up after it. */
const SHORT_CALL_SECONDS = 4;
/** The fail-open duration cap in the fail-open Kamailio. */
const FAIL_OPEN_CAP_SECONDS = 3;
/** Authorizations sent straight to Tollgate before the SIP checks (JIT warm-up). */
const WARM_UP_REQUESTS = 500;
/** The main Kamailio pulls GET /v1/bans this often (the config's default is 30 s). */
const BANS_PULL_SECONDS = 2;
/** A second loopback source for the IP-ban steps, so that banning it leaves 127.0.0.1 alone. */
const ATTACKER_IP = '127.0.0.2';
/** svcrack's source address: banning it must touch no other source behind the same Kamailio. */
const CRACKER_IP = '127.0.0.3';
/** A known peer: the address the e2e-peer account allows (its PBX), behind the same Kamailio. */
const PEER_IP = '127.0.0.4';
/** svcrack tries numeric passwords; the real one (SIP_PASSWORD) is not numeric, so the attack never succeeds. */
const CRACK_RANGE = '1-999999';
/** The peer's guesses: its username, then 1 to 19, four times the ban threshold. */
const PEER_GUESS_RANGE = '1-19';
const PEER_GUESSES = 20;
/** The longest the suite waits for Kamailio to refuse svcrack. */
const CRACK_DEADLINE_MS = 30_000;
const SIP_PASSWORD = `e2e-${Math.random().toString(36).slice(2, 12)}`;

// Dialled strings. The demo account (tech prefix 12345678, home US) has max rate 0.05/min; Jamaica (+1 876) costs more.
const DOMESTIC = '12345678*12125550123';
const DOMESTIC_NATIONAL = '2125550123';
const JAMAICA = '12345678*18765550123';
const EMPTY_PREFIX = '87654321';
const SHORT_PREFIX = '55554444';
const PEER_PREFIX = '44443333';

interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const results: CheckResult[] = [];
let transcript: string | undefined;

/** Prints a line and keeps it in the run's transcript (summary.log). */
function say(line: string): void {
  console.log(line);
  if (transcript) appendFileSync(transcript, `${line}\n`);
}

async function check(name: string, body: () => Promise<string>): Promise<void> {
  const started = Date.now();
  try {
    const detail = await body();
    results.push({ name, ok: true, detail });
    say(`PASS  ${name}  (${detail}; ${Date.now() - started} ms)`);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    results.push({ name, ok: false, detail });
    say(`FAIL  ${name}\n      ${detail.split('\n').join('\n      ')}`);
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function assertCalls(result: UacResult, expected: number): void {
  const summary = `sipp exit ${result.exitCode}, ${result.successful} successful, ${result.failed} failed, ${result.unexpected} unexpected`;
  assert(result.exitCode === 0 && result.successful === expected && result.failed === 0, `${summary} (expected ${expected} successful)\n${errorExcerpt(result)}`);
}

/** The reason Kamailio put in X-Tollgate-Reason, from the reject scenarios' <log> lines. */
function loggedReasons(result: UacResult): string[] {
  return result.logLines.map((line) => /reason=(\w*)/.exec(line)?.[1] ?? '?');
}

interface Api {
  call<T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }>;
}

function apiFor(stack: LocalStack): Api {
  return {
    async call<T>(method: string, path: string, token: string, body?: unknown) {
      const response = await fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
  };
}

async function expectStatus(api: Api, method: string, path: string, token: string, body: unknown, ok: number[]): Promise<void> {
  const response = await api.call(method, path, token, body);
  assert(ok.includes(response.status), `${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
}

function toolVersions(): { kamailio: string; sipp: string; svcrack: string } {
  const kamailio = execFileSync('kamailio', ['-v'], { encoding: 'utf8' }).split('\n')[0]?.replace(/^version: /, '').trim() ?? '?';
  let sipp = '?';
  try {
    sipp = execFileSync('sipp', ['-v'], { encoding: 'utf8' });
  } catch (error) {
    // sipp -v exits non-zero after printing its version
    sipp = String((error as { stdout?: unknown }).stdout ?? '');
  }
  const svcrack = execFileSync('svcrack', ['--version'], { encoding: 'utf8' }).split('\n')[0]?.trim() ?? '?';
  return { kamailio, sipp: /SIPp v[\w.-]*\w/.exec(sipp)?.[0] ?? '?', svcrack };
}

/** Copies the scenarios into the run directory (SIPp writes its rtt files beside them) and fills the templates. */
function prepareScenarios(workDir: string): void {
  for (const file of readdirSync(SCENARIO_DIR)) {
    if (file.endsWith('.xml')) copyFileSync(join(SCENARIO_DIR, file), join(workDir, file));
  }
  const template = readFileSync(join(SCENARIO_DIR, 'uac-reject.xml'), 'utf8');
  for (const code of [402, 403, 603]) {
    writeFileSync(join(workDir, `uac-reject-${code}.xml`), template.replaceAll('@EXPECTED_CODE@', String(code)));
  }
}

async function main(): Promise<number> {
  const runStarted = Date.now();
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const workDir = join(ROOT, '.e2e', `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(workDir, { recursive: true });
  transcript = join(workDir, 'summary.log');
  prepareScenarios(workDir);
  const versions = toolVersions();
  say(`Tollgate e2e: ${versions.kamailio}, ${versions.sipp}, ${versions.svcrack}, ${cpus().length} CPUs; artifacts in ${workDir}`);

  const stoppers: Array<() => Promise<void>> = [];
  const deadline = setTimeout(() => {
    console.error(`e2e: the run exceeded ${RUN_DEADLINE_MS / 1000} s; stopping`);
    void Promise.allSettled(stoppers.reverse().map((stop) => stop())).finally(() => process.exit(2));
  }, RUN_DEADLINE_MS);
  deadline.unref();

  try {
    // ---- Tollgate: the local stack with demo data and two extra accounts --------------------------------------
    const logger = new PowertoolsLogger({ serviceName: 'tollgate-e2e', logLevel: 'ERROR' });
    // A minimum billable time of 1 s lets a tiny balance buy a 4 s call (the default 60 s would refuse it).
    // The stream poller publishes events (not under test here) and would compete for the 2 cores: poll once a second.
    // Tollgate's budget sits just under this Kamailio's 1 s HTTP timeout, so a slow answer is still a decision.
    const stack = await startLocalStack({
      port: 0,
      logger,
      streamPollMs: 1_000,
      environment: { TOLLGATE_MIN_BILLABLE_SECONDS: '1', TOLLGATE_AUTHORIZE_BUDGET_MS: '900', ...LIVE_CALLS_STACK_ENVIRONMENT },
    });
    let stackStopped = false;
    stoppers.push(async () => {
      if (!stackStopped) await stack.stop();
      stackStopped = true;
    });
    const demo = await loadDemoData(stack.adapters);
    const api = apiFor(stack);
    say(`Tollgate local stack on ${stack.url} (${((Date.now() - runStarted) / 1000).toFixed(1)} s to start)`);

    const direct = await api.call<{ decision: string; destination: { ratePerMinute: number } }>('POST', '/v1/authorize', demo.switchToken, {
      callId: `e2e-direct-${Date.now()}`, to: DOMESTIC, from: '13055550100', sourceIp: '127.0.0.1', authMethod: 'ip',
    });
    assert(direct.status === 200 && direct.body.decision === 'allow', `Tollgate itself does not allow the demo call: ${direct.status} ${JSON.stringify(direct.body)}`);
    const usRate = direct.body.destination.ratePerMinute;
    const shortCredit = Math.ceil(((usRate * SHORT_CALL_SECONDS) / 60) * 1e6) / 1e6;
    const expectedShortSeconds = Math.floor((Math.round(shortCredit * 1e6) * 60) / Math.round(usRate * 1e6));
    for (const [accountId, techPrefix] of [['e2e-empty', EMPTY_PREFIX], ['e2e-short', SHORT_PREFIX]] as const) {
      await expectStatus(api, 'POST', '/v1/accounts', stack.adminToken, { accountId, name: `E2E ${accountId}`, homeCountry: 'US', techPrefix }, [200, 201]);
      await expectStatus(api, 'PUT', `/v1/accounts/${accountId}/policy`, stack.adminToken, { allowedIps: ['127.0.0.1'], maxRatePerMinute: 0.05 }, [200]);
    }
    await expectStatus(api, 'POST', '/v1/accounts/e2e-short/credits', stack.adminToken, { amount: shortCredit }, [200]);
    // the known peer: a customer whose PBX calls from PEER_IP (IP authentication, by tech prefix)
    await expectStatus(api, 'POST', '/v1/accounts', stack.adminToken, { accountId: 'e2e-peer', name: 'E2E known peer', homeCountry: 'US', techPrefix: PEER_PREFIX }, [200, 201]);
    await expectStatus(api, 'PUT', '/v1/accounts/e2e-peer/policy', stack.adminToken, { allowedIps: [`${PEER_IP}/32`], maxRatePerMinute: 0.05 }, [200]);
    await expectStatus(api, 'POST', '/v1/accounts/e2e-peer/credits', stack.adminToken, { amount: 5 }, [200]);
    const warmUp = await warmUpTollgate(api, demo.switchToken);
    say(`Warm-up: ${WARM_UP_REQUESTS} authorizations over HTTP in ${(warmUp / 1000).toFixed(1)} s (DynamoDB Local's JIT)`);

    // ---- SIP side: a UAS, and four Kamailio instances of the same config -----------------------------------------
    const used = new Set<number>();
    const port = async () => {
      const chosen = await freeUdpPort(used);
      used.add(chosen);
      return chosen;
    };
    const blackHole = await startBlackHole();
    stoppers.push(() => blackHole.stop());
    const uasPort = await port();
    const uas = await startUas({ workDir, scenario: 'uas.xml', port: uasPort });
    stoppers.push(() => uas.stop());

    const common = {
      configFile: KAMAILIO_CFG, workDir, upstreamPort: uasPort, tollgateToken: demo.switchToken,
      authUser: 'demo', authPassword: SIP_PASSWORD, failOpenMaxSeconds: FAIL_OPEN_CAP_SECONDS,
    };
    const [mainPort, openSlowPort, closedSlowPort, bypassPort] = [await port(), await port(), await port(), await port()];
    const kamailios = await Promise.allSettled([
      startKamailio({ ...common, name: 'kamailio-main', sipPort: mainPort, tollgateUrl: stack.url, failOpen: false, bansPullSeconds: BANS_PULL_SECONDS }),
      startKamailio({ ...common, name: 'kamailio-hung-open', sipPort: openSlowPort, tollgateUrl: blackHole.url, failOpen: true, children: 4 }),
      startKamailio({ ...common, name: 'kamailio-hung-closed', sipPort: closedSlowPort, tollgateUrl: blackHole.url, failOpen: false, children: 4 }),
      startKamailio({ ...common, name: 'kamailio-bypass', sipPort: bypassPort, tollgateUrl: stack.url, failOpen: false, bypass: true }),
    ]);
    for (const started of kamailios) if (started.status === 'fulfilled') stoppers.push(() => started.value.stop());
    const failedStart = kamailios.find((started) => started.status === 'rejected');
    if (failedStart) throw failedStart.reason;
    const [kMain, kOpen, kClosed, kBypass] = kamailios.map((started) => (started as PromiseFulfilledResult<Kamailio>).value) as [Kamailio, Kamailio, Kamailio, Kamailio];
    say(`Kamailio on udp 127.0.0.1:${mainPort} (Tollgate), :${openSlowPort} (hung Tollgate, fail open), :${closedSlowPort} (hung Tollgate, fail closed), :${bypassPort} (no authorization, baseline); UAS on :${uasPort}`);

    const uacPort = await port();
    let runNumber = 0;
    const uac = (options: Omit<UacOptions, 'workDir' | 'localPort' | 'label' | 'timeoutSeconds'> & { timeoutSeconds?: number }) => {
      runNumber += 1;
      return runUac({ timeoutSeconds: 30, ...options, workDir, localPort: uacPort, label: `uac-${String(runNumber).padStart(2, '0')}-${options.scenario.replace(/\.xml$/, '')}` });
    };
    const uasSaw = (pid: number) => uas.logLines().filter((line) => line.startsWith('INVITE') && line.includes(`-${pid}@`));
    /** The BYEs the UAS got for the calls of one SIPp run: a call the proxy ends must end on the callee's side too. */
    const uasByes = (pid: number) => uas.logLines().filter((line) => line.startsWith('BYE ') && line.includes(`-${pid}@`));

    // ---- Checks -------------------------------------------------------------------------------------------------
    await check('domestic call (tech prefix) reaches the UAS with the E.164 number', async () => {
      const result = await uac({ scenario: 'uac-call.xml', target: mainPort, service: DOMESTIC, calls: 1 });
      assertCalls(result, 1);
      const seen = await eventually(() => uasSaw(result.pid), (lines) => lines.length > 0, 3_000);
      assert(seen.length === 1 && seen[0]?.includes('ruser=+12125550123'), `UAS saw: ${JSON.stringify(seen)}`);
      const [entry] = authorizationEntries(kMain, `-${result.pid}@`);
      assert(entry?.decision === 'allow', `Kamailio logged ${JSON.stringify(entry)}`);
      return `allowed, max ${entry.maxSeconds} s, UAS got sip:+12125550123`;
    });

    await check('an ended call is reported to POST /v1/calls/{callId}/completed and charged', async () => {
      const before = await api.call<{ balance: number }>('GET', `/v1/accounts/${demo.accountId}`, stack.adminToken);
      const result = await uac({ scenario: 'uac-call.xml', target: mainPort, service: DOMESTIC, calls: 1 });
      assertCalls(result, 1);
      const completion = await eventually(() => completionLines(kMain, result.pid), (lines) => lines.length > 0, 5_000);
      assert(completion.length === 1 && /http=200\b/.test(completion[0] ?? ''), `Kamailio logged: ${JSON.stringify(completion)}`);
      let after = before;
      const deadline = Date.now() + 5_000;
      while (after.body.balance >= before.body.balance && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        after = await api.call<{ balance: number }>('GET', `/v1/accounts/${demo.accountId}`, stack.adminToken);
      }
      assert(after.body.balance < before.body.balance, `balance ${before.body.balance} -> ${after.body.balance}`);
      return `${/"durationSeconds":\s*\d+/.exec(completion[0] ?? '')?.[0] ?? '?'} reported, balance ${before.body.balance} -> ${after.body.balance}`;
    });

    await check('domestic call identified by SIP digest (national number) reaches the UAS', async () => {
      const result = await uac({ scenario: 'uac-auth-call.xml', target: mainPort, service: DOMESTIC_NATIONAL, calls: 1, authUser: 'demo', authPassword: SIP_PASSWORD });
      assertCalls(result, 1);
      const seen = await eventually(() => uasSaw(result.pid), (lines) => lines.length > 0, 3_000);
      assert(seen.length === 1 && seen[0]?.includes('ruser=+12125550123'), `UAS saw: ${JSON.stringify(seen)}`);
      return '407 challenge, then allowed with authMethod digest';
    });

    await check('NANP look-alike above the max rate (+1 876 Jamaica) gets 403', async () => {
      const result = await uac({ scenario: 'uac-reject-403.xml', target: mainPort, service: JAMAICA, calls: 1 });
      assertCalls(result, 1);
      assert(loggedReasons(result).join() === 'RATE_ABOVE_MAX', `reasons: ${loggedReasons(result).join()}`);
      assert(uasSaw(result.pid).length === 0, 'the denied call reached the UAS');
      return '403 Forbidden, X-Tollgate-Reason RATE_ABOVE_MAX, UAS untouched';
    });

    await check('empty balance gets 402', async () => {
      const result = await uac({ scenario: 'uac-reject-402.xml', target: mainPort, service: `${EMPTY_PREFIX}*12125550123`, calls: 1 });
      assertCalls(result, 1);
      assert(loggedReasons(result).join() === 'INSUFFICIENT_BALANCE', `reasons: ${loggedReasons(result).join()}`);
      return '402 Payment Required, INSUFFICIENT_BALANCE';
    });

    await check(`maxDurationSeconds is enforced: Kamailio hangs up after the ${expectedShortSeconds} s the balance buys`, async () => {
      const result = await uac({ scenario: 'uac-timeout.xml', target: mainPort, service: `${SHORT_PREFIX}*12125550123`, calls: 1 });
      assertCalls(result, 1);
      const [entry] = authorizationEntries(kMain, `-${result.pid}@`);
      assert(entry?.maxSeconds === expectedShortSeconds, `Tollgate's maxDurationSeconds ${entry?.maxSeconds}, expected ${expectedShortSeconds}`);
      const answeredToBye = result.rtd.get(2)?.[0];
      assert(answeredToBye !== undefined, 'no answer-to-BYE time recorded');
      // the dialog timer ticks once a second
      assert(answeredToBye >= (expectedShortSeconds - 1) * 1000 && answeredToBye <= (expectedShortSeconds + 2) * 1000, `BYE ${answeredToBye} ms after the answer`);
      const calleeBye = await eventually(() => uasByes(result.pid), (lines) => lines.length > 0, 3_000);
      assert(calleeBye.length === 1, 'the callee (UAS) got no BYE');
      const completion = await eventually(() => completionLines(kMain, result.pid), (lines) => lines.length > 0, 5_000);
      assert(completion.length === 1 && /http=200\b/.test(completion[0] ?? ''), `completion after the timeout: ${JSON.stringify(completion)}`);
      return `BYE from the proxy ${answeredToBye} ms after the answer, to the callee too, ${/"durationSeconds":\s*\d+/.exec(completion[0] ?? '')?.[0] ?? '?'} reported`;
    });

    // ---- IP auto-ban: failed digest authentications from one source ----------------------------------------------
    await check(`control: an authenticated call from ${ATTACKER_IP} is answered before any failure`, async () => {
      const result = await uac({ scenario: 'uac-auth-call.xml', target: mainPort, service: DOMESTIC_NATIONAL, calls: 1, localIp: ATTACKER_IP, authUser: 'demo', authPassword: SIP_PASSWORD });
      assertCalls(result, 1);
      return 'answered';
    });

    await check(`5 wrong digest passwords from ${ATTACKER_IP}: 403 each, reported to POST /v1/auth-failures`, async () => {
      const result = await uac({ scenario: 'uac-auth-reject.xml', target: mainPort, service: DOMESTIC_NATIONAL, calls: 5, rate: 5, localIp: ATTACKER_IP, authUser: 'demo', authPassword: 'not-the-password' });
      assertCalls(result, 5);
      assert(loggedReasons(result).every((reason) => reason === 'AUTH_FAILED') && result.logLines.length === 5, `reasons: ${loggedReasons(result).join()}`);
      const reports = await eventually(() => authFailureReports(kMain, ATTACKER_IP), (lines) => lines.length >= 5, 5_000);
      assert(reports.length === 5 && reports.every((line) => /http=200\b/.test(line)), `reports: ${JSON.stringify(reports)}`);
      const bans = await api.call<{ bans: Array<{ ip: string; failures: number }> }>('GET', '/v1/bans', demo.switchToken);
      const ban = bans.body.bans.find((entry) => entry.ip === ATTACKER_IP);
      assert(ban, `GET /v1/bans: ${JSON.stringify(bans.body)}`);
      return `5 x 403 AUTH_FAILED, 5 reports answered 200, GET /v1/bans lists ${ATTACKER_IP} (${ban.failures} failures)`;
    });

    await check(`banned IP: a call from ${ATTACKER_IP} gets 403 SOURCE_IP_BANNED`, async () => {
      const result = await uac({ scenario: 'uac-reject-403.xml', target: mainPort, service: DOMESTIC, calls: 1, localIp: ATTACKER_IP });
      assertCalls(result, 1);
      assert(loggedReasons(result).join() === 'SOURCE_IP_BANNED', `reasons: ${loggedReasons(result).join()}`);
      // Kamailio refuses it itself once it has pulled the ban list, else Tollgate refuses it at authorization
      const [entry] = authorizationEntries(kMain, `-${result.pid}@`);
      assert(entry === undefined || entry.reason === 'SOURCE_IP_BANNED', `Tollgate's decision: ${JSON.stringify(entry)}`);
      const direct = await api.call<{ decision: string; reason: string; sipCode: number }>('POST', '/v1/authorize', demo.switchToken, {
        callId: `e2e-banned-${Date.now()}`, to: DOMESTIC, from: '13055550100', sourceIp: ATTACKER_IP, authMethod: 'ip',
      });
      assert(direct.body.reason === 'SOURCE_IP_BANNED' && direct.body.sipCode === 403, `Tollgate answers ${JSON.stringify(direct.body)}`);
      return `403 SOURCE_IP_BANNED (${entry ? 'from Tollgate' : 'from the ipban htable'}); Tollgate's own decision for ${ATTACKER_IP} is SOURCE_IP_BANNED`;
    });

    await check(`banned IP refused at the edge once Kamailio has pulled GET /v1/bans (every ${BANS_PULL_SECONDS} s)`, async () => {
      // the pull logs only when the list is not empty: any such line means the ban is in the htable
      const pulled = await eventually(() => linesWith(kMain, 'tollgate bans pulled'), (lines) => lines.length > 0, (BANS_PULL_SECONDS + 3) * 1000);
      assert(pulled.length > 0, 'Kamailio did not pull the ban list');
      // without a tech prefix an INVITE is normally challenged (407); from a banned IP it must get 403 at once
      const result = await uac({ scenario: 'uac-reject-403.xml', target: mainPort, service: DOMESTIC_NATIONAL, calls: 1, localIp: ATTACKER_IP });
      assertCalls(result, 1);
      assert(loggedReasons(result).join() === 'SOURCE_IP_BANNED', `reasons: ${loggedReasons(result).join()}`);
      const refused = linesWith(kMain, `refused INVITE from ${ATTACKER_IP}: banned`);
      assert(refused.length >= 1, 'no local refusal logged');
      assert(authorizationEntries(kMain, `-${result.pid}@`).length === 0, 'Kamailio still asked Tollgate');
      return 'no digest challenge for the banned IP: 403 from the ipban htable, no HTTP call';
    });

    // ---- A real attack tool: svcrack brute-forcing the digest password ------------------------------------------------
    let bruteForce: BruteForceFigures | undefined;
    await check(`svcrack brute-forcing extension demo from ${CRACKER_IP}: banned by Tollgate, then refused by Kamailio`, async () => {
      const cracker = startSvcrack({ workDir, label: 'svcrack-attacker', sourceIp: CRACKER_IP, localPort: await port(), targetPort: mainPort, extension: 'demo', passwordRange: CRACK_RANGE });
      stoppers.push(() => cracker.stop());
      const started = Date.now();
      const refusal = `refused INVITE from ${CRACKER_IP}:`;
      const guess = `tollgate auth failure: source=${CRACKER_IP} `;
      let refusedAfterMs: number | undefined;
      while (Date.now() - started < CRACK_DEADLINE_MS && cracker.child.exitCode === null) {
        if (linesWith(kMain, refusal).length > 0) {
          refusedAfterMs = Date.now() - started;
          break;
        }
        await delay(50);
      }
      assert(refusedAfterMs !== undefined, `no refusal of ${CRACKER_IP} within ${CRACK_DEADLINE_MS / 1000} s (svcrack ${cracker.child.exitCode === null ? 'still running' : `exited ${cracker.child.exitCode}`}, ${linesWith(kMain, guess).length} guesses checked)`);
      const lines = kMain.lines();
      const guessesBeforeRefusal = lines.slice(0, lines.findIndex((line) => line.includes(refusal))).filter((line) => line.includes(guess)).length;
      // let in-flight guesses land, then make sure no further guess reaches the digest check
      await delay(1_000);
      const guessesAfterOneSecond = linesWith(kMain, guess).length;
      await delay(1_000);
      const guessesAfterTwoSeconds = linesWith(kMain, guess).length;
      const refused = linesWith(kMain, refusal).length;
      await cracker.stop();
      assert(guessesAfterTwoSeconds === guessesAfterOneSecond, `guesses still reach the digest check after the refusal: ${guessesAfterOneSecond} -> ${guessesAfterTwoSeconds}`);
      assert(refused > 1, `svcrack went on after the first refusal, but only ${refused} refusal was logged`);

      const explained = await api.call<{ banned: boolean; ban: { bannedAt: string; threshold: number; failureCount: number; failures: Array<{ sipUsername: string | null }> } }>(
        'GET', `/v1/bans/${CRACKER_IP}`, stack.adminToken,
      );
      assert(explained.status === 200 && explained.body.banned, `GET /v1/bans/${CRACKER_IP}: ${explained.status} ${JSON.stringify(explained.body)}`);
      assert(explained.body.ban.failures.every((failure) => failure.sipUsername === 'demo'), `failures: ${JSON.stringify(explained.body.ban.failures)}`);
      const byReportAnswer = linesWith(kMain, `tollgate banned ${CRACKER_IP}:`).length > 0;
      bruteForce = {
        tool: versions.svcrack,
        guessesBeforeRefusal,
        secondsToRefusal: Math.round(refusedAfterMs / 10) / 100,
        reportedFailuresAtBan: explained.body.ban.failureCount,
        secondsToTollgateBan: Math.round((Date.parse(explained.body.ban.bannedAt) - started) / 10) / 100,
        guessesInAll: guessesAfterTwoSeconds,
        requestsRefusedAfterwards: refused,
        refusedBy: byReportAnswer ? 'ipban htable, filled from the answer to an auth-failure report' : 'ipban htable, filled by the GET /v1/bans pull',
      };
      return `Tollgate banned ${CRACKER_IP} at its ${bruteForce.reportedFailuresAtBan}th reported failure (${bruteForce.secondsToTollgateBan} s); Kamailio refused it after ${guessesBeforeRefusal} guesses, ${bruteForce.secondsToRefusal} s after svcrack started; then ${refused} INVITEs refused and no further guess checked`;
    });

    await check(`a known peer behind the same Kamailio (${PEER_IP}, allowed by e2e-peer) failing digest ${PEER_GUESSES} times is not banned; its account is flagged for review`, async () => {
      const peerCracker = startSvcrack({ workDir, label: 'svcrack-peer', sourceIp: PEER_IP, localPort: await port(), targetPort: mainPort, extension: 'demo', passwordRange: PEER_GUESS_RANGE });
      stoppers.push(() => peerCracker.stop());
      const reports = await eventually(() => authFailureReports(kMain, PEER_IP), (lines) => lines.length >= PEER_GUESSES, 20_000);
      await peerCracker.stop();
      assert(reports.length === PEER_GUESSES && reports.every((line) => /http=200\b/.test(line)), `${reports.length} reports: ${JSON.stringify(reports.slice(0, 3))}`);
      assert(linesWith(kMain, `refused INVITE from ${PEER_IP}:`).length === 0 && linesWith(kMain, `tollgate banned ${PEER_IP}:`).length === 0, `Kamailio refused ${PEER_IP}`);
      const bans = await api.call<{ bans: Array<{ ip: string }> }>('GET', '/v1/bans', demo.switchToken);
      assert(!bans.body.bans.some((ban) => ban.ip === PEER_IP), `GET /v1/bans lists ${PEER_IP}`);
      assert(bans.body.bans.some((ban) => ban.ip === CRACKER_IP), `GET /v1/bans no longer lists ${CRACKER_IP}`);
      const explained = await api.call<{ banned: boolean; knownPeer: { accountIds: string[] } | null }>('GET', `/v1/bans/${PEER_IP}`, stack.adminToken);
      assert(explained.body.banned === false && explained.body.knownPeer?.accountIds.join() === 'e2e-peer', `GET /v1/bans/${PEER_IP}: ${JSON.stringify(explained.body)}`);

      await stack.events.settle();
      const reviews = await api.call<{ reviews: Array<{ accountId: string; sourceIps: string[] }> }>('GET', '/v1/reviews?status=open', stack.adminToken);
      const review = reviews.body.reviews.find((candidate) => candidate.accountId === 'e2e-peer');
      assert(review?.sourceIps.includes(PEER_IP), `open reviews: ${JSON.stringify(reviews.body.reviews)}`);

      const call = await uac({ scenario: 'uac-call.xml', target: mainPort, service: `${PEER_PREFIX}*12125550123`, calls: 1, localIp: PEER_IP });
      assertCalls(call, 1);
      return `${reports.length} failures reported, ${PEER_IP} not banned, review opened for e2e-peer, and its next call answered`;
    });

    // ---- Live calls: suspension mid-call, a prepaid call on interim updates, a burst against a concurrency limit ----
    await liveCallChecks({
      api, url: stack.url, adminToken: stack.adminToken, switchToken: demo.switchToken, kamailio: kMain, workDir, freePort: port, uasLines: () => uas.logLines(), check,
    });

    // ---- Load step and post-dial delay ----------------------------------------------------------------------------
    let light: UacResult | undefined;
    let lightAuthMs: Summary | undefined;
    await check(`light traffic: ${LIGHT_CALLS} calls at ${LIGHT_RATE}/s through Tollgate`, async () => {
      light = await uac({ scenario: 'uac-call.xml', target: mainPort, service: DOMESTIC, calls: LIGHT_CALLS, rate: LIGHT_RATE, timeoutSeconds: 60 });
      assertCalls(light, LIGHT_CALLS);
      const lightPid = light.pid;
      const entries = await eventually(() => authorizationEntries(kMain, `-${lightPid}@`), (found) => found.length >= LIGHT_CALLS, 5_000);
      assert(entries.length === LIGHT_CALLS && entries.every((entry) => entry.decision === 'allow'), `${entries.length} authorizations logged`);
      lightAuthMs = summarize(entries.map((entry) => entry.elapsedUs / 1000));
      return `authorization ${lightAuthMs.median.toFixed(1)} ms median / ${lightAuthMs.p99.toFixed(1)} ms p99`;
    });

    let load: UacResult | undefined;
    let authDelayMs: Summary | undefined;
    await check(`load: ${LOAD_CALLS} calls at ${LOAD_RATE}/s through Tollgate, no unexpected response`, async () => {
      load = await uac({ scenario: 'uac-call.xml', target: mainPort, service: DOMESTIC, calls: LOAD_CALLS, rate: LOAD_RATE, timeoutSeconds: 90 });
      assertCalls(load, LOAD_CALLS);
      assert(load.unexpected === 0, `${load.unexpected} unexpected messages`);
      const loadPid = load.pid;
      // Kamailio and the SIPp UAS write their logs through buffers: give them a moment
      const entries = await eventually(() => authorizationEntries(kMain, `-${loadPid}@`), (found) => found.length >= LOAD_CALLS, 5_000);
      const allowed = entries.filter((entry) => entry.decision === 'allow').length;
      assert(allowed === LOAD_CALLS, `${allowed} of ${LOAD_CALLS} authorizations allowed (${entries.length} logged)`);
      const reachedUas = await eventually(() => uasSaw(loadPid).length, (count) => count >= LOAD_CALLS, 5_000);
      assert(reachedUas === LOAD_CALLS, `UAS saw ${reachedUas} calls`);
      authDelayMs = summarize(entries.map((entry) => entry.elapsedUs / 1000));
      return `${load.successful} answered, ${load.retransmissions} retransmissions, authorization ${authDelayMs.median.toFixed(1)} ms median / ${authDelayMs.p99.toFixed(1)} ms p99`;
    });

    let baseline: UacResult | undefined;
    await check(`baseline: the same ${LOAD_CALLS} calls at ${LOAD_RATE}/s through Kamailio without authorization`, async () => {
      baseline = await uac({ scenario: 'uac-call.xml', target: bypassPort, service: DOMESTIC, calls: LOAD_CALLS, rate: LOAD_RATE, timeoutSeconds: 90 });
      assertCalls(baseline, LOAD_CALLS);
      assert(authorizationEntries(kBypass).length === 0, 'the bypass instance asked Tollgate');
      return `${baseline.successful} answered`;
    });

    await check(`every load call is reported to /v1/calls/{callId}/completed (one report process drains the queue)`, async () => {
      assert(load, 'no load step ran');
      const loadPid = load.pid;
      const completions = await eventually(() => completionLines(kMain, loadPid), (lines) => lines.length >= LOAD_CALLS, 60_000);
      const charged = completions.filter((line) => /http=200\b/.test(line)).length;
      assert(charged === LOAD_CALLS, `${charged} of ${LOAD_CALLS} completions answered 200 (${completions.length} reported)`);
      return `${charged} reports answered 200`;
    });

    // ---- Tollgate slow or down ------------------------------------------------------------------------------------
    await check(`Tollgate hung, fail open: relayed after the 1 s budget, duration capped at ${FAIL_OPEN_CAP_SECONDS} s`, async () => {
      const result = await uac({ scenario: 'uac-timeout.xml', target: openSlowPort, service: DOMESTIC, calls: 1 });
      assertCalls(result, 1);
      const pdd = result.rtd.get(1)?.[0];
      const answeredToBye = result.rtd.get(2)?.[0];
      assert(pdd !== undefined && pdd >= 900 && pdd < 2_500, `INVITE to answer took ${pdd} ms (budget 1 s)`);
      assert(answeredToBye !== undefined && answeredToBye >= (FAIL_OPEN_CAP_SECONDS - 1) * 1000 && answeredToBye <= (FAIL_OPEN_CAP_SECONDS + 2) * 1000, `BYE ${answeredToBye} ms after the answer`);
      assert(result.retransmissions === 0, `${result.retransmissions} INVITE retransmissions: 100 Trying did not come before the lookup`);
      assert(linesWith(kOpen, 'failing OPEN').length === 1, 'Kamailio did not log the fail-open');
      const calleeBye = await eventually(() => uasByes(result.pid), (lines) => lines.length > 0, 3_000);
      assert(calleeBye.length === 1, 'the callee (UAS) got no BYE');
      return `answered after ${pdd} ms, BYE ${answeredToBye} ms after the answer (to the callee too), no retransmissions (100 Trying first)`;
    });

    await check('Tollgate hung, fail closed: 603 Decline within the budget', async () => {
      const result = await uac({ scenario: 'uac-reject-603.xml', target: closedSlowPort, service: DOMESTIC, calls: 1 });
      assertCalls(result, 1);
      assert(loggedReasons(result).join() === 'TOLLGATE_UNAVAILABLE', `reasons: ${loggedReasons(result).join()}`);
      const elapsed = result.rtd.get(1)?.[0];
      assert(elapsed !== undefined && elapsed >= 900 && elapsed < 2_500, `603 after ${elapsed} ms (budget 1 s)`);
      assert(result.retransmissions === 0, `${result.retransmissions} INVITE retransmissions: 100 Trying did not come before the lookup`);
      assert(linesWith(kClosed, 'failing CLOSED').length === 1, 'Kamailio did not log the fail-closed');
      return `603 after ${elapsed} ms, no retransmissions`;
    });

    await check('Tollgate down (HTTP server stopped), fail closed: 603 Decline at once', async () => {
      await new Promise<void>((resolve) => {
        stack.server.close(() => resolve());
        stack.server.closeAllConnections();
      });
      const result = await uac({ scenario: 'uac-reject-603.xml', target: mainPort, service: DOMESTIC, calls: 1 });
      assertCalls(result, 1);
      assert(loggedReasons(result).join() === 'TOLLGATE_UNAVAILABLE', `reasons: ${loggedReasons(result).join()}`);
      const elapsed = result.rtd.get(1)?.[0];
      assert(elapsed !== undefined && elapsed < 1_000, `603 after ${elapsed} ms`);
      return `603 after ${elapsed} ms`;
    });

    // ---- Report -------------------------------------------------------------------------------------------------
    const pddWith = load?.rtd.get(1) ? summarize(load.rtd.get(1) ?? []) : undefined;
    const pddWithout = baseline?.rtd.get(1) ? summarize(baseline.rtd.get(1) ?? []) : undefined;
    const report = {
      measuredAt: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, kamailio: versions.kamailio, sipp: versions.sipp, svcrack: versions.svcrack },
      // other work on the machine skews every figure: the 1-minute load average when the run started and ended
      loadAverage: { atStart: round(loadAtStart), atEnd: round(loadavg()[0] ?? Number.NaN) },
      lightTraffic: light && {
        calls: LIGHT_CALLS,
        ratePerSecond: LIGHT_RATE,
        authorizationDelayMs: lightAuthMs,
        postDialDelayMs: light.rtd.get(1) ? summarize(light.rtd.get(1) ?? []) : undefined,
      },
      load: load && { calls: LOAD_CALLS, ratePerSecond: LOAD_RATE, successful: load.successful, failed: load.failed, unexpected: load.unexpected, retransmissions: load.retransmissions },
      authorizationDelayMs: authDelayMs,
      bruteForce,
      postDialDelayMs: {
        note: 'INVITE sent to 200 OK received at the caller, through Kamailio to a SIPp UAS that answers at once',
        withTollgate: pddWith,
        withoutAuthorization: pddWithout,
        addedMedian: pddWith && pddWithout ? round(pddWith.median - pddWithout.median) : undefined,
        addedP99: pddWith && pddWithout ? round(pddWith.p99 - pddWithout.p99) : undefined,
      },
    };
    writeFileSync(join(workDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
    say(`\nPost-dial delay that authorization adds (Kamailio asks Tollgate on the local stack, DynamoDB Local, same ${cpus().length}-core machine as SIPp; load average ${report.loadAverage.atStart} at the start, ${report.loadAverage.atEnd} at the end):`);
    if (lightAuthMs && report.lightTraffic?.postDialDelayMs) {
      say(`  light traffic (${LIGHT_CALLS} calls at ${LIGHT_RATE}/s): authorization round trip median ${lightAuthMs.median.toFixed(1)} ms, p99 ${lightAuthMs.p99.toFixed(1)} ms; INVITE->answer median ${report.lightTraffic.postDialDelayMs.median} ms, p99 ${report.lightTraffic.postDialDelayMs.p99} ms`);
    }
    if (authDelayMs) {
      say(`  load (${LOAD_CALLS} calls at ${LOAD_RATE}/s): authorization round trip measured in Kamailio: median ${authDelayMs.median.toFixed(1)} ms, p99 ${authDelayMs.p99.toFixed(1)} ms, max ${authDelayMs.max.toFixed(1)} ms (n=${authDelayMs.n})`);
    }
    if (pddWith && pddWithout) {
      say(`  INVITE->answer with Tollgate:        median ${pddWith.median} ms, p99 ${pddWith.p99} ms (n=${pddWith.n})`);
      say(`  INVITE->answer without authorization: median ${pddWithout.median} ms, p99 ${pddWithout.p99} ms (n=${pddWithout.n})`);
      say(`  added: median ${report.postDialDelayMs.addedMedian} ms, p99 ${report.postDialDelayMs.addedP99} ms`);
    }
    if (bruteForce) {
      say(`\nBrute force with ${bruteForce.tool} from ${CRACKER_IP} (extension demo, numeric passwords):`);
      say(`  Tollgate banned the IP at its ${bruteForce.reportedFailuresAtBan}th reported failure, ${bruteForce.secondsToTollgateBan} s after svcrack started`);
      say(`  Kamailio refused it after ${bruteForce.guessesBeforeRefusal} password guesses, ${bruteForce.secondsToRefusal} s after svcrack started (${bruteForce.refusedBy})`);
      say(`  afterwards: ${bruteForce.requestsRefusedAfterwards} INVITEs refused at the edge, no guess checked (${bruteForce.guessesInAll} guesses in all)`);
    }
    say(`  written to ${join(workDir, 'results.json')}`);
  } catch (error) {
    results.push({ name: 'setup', ok: false, detail: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    say(`FAIL  setup\n      ${String(error instanceof Error ? (error.stack ?? error.message) : error)}`);
  } finally {
    for (const stop of stoppers.reverse()) {
      await stop().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
    }
    clearTimeout(deadline);
  }

  // The console in a real browser (test/e2e/console): Playwright starts its own local stack once the one above is down.
  await check('console: browser tests (Playwright in Debian\'s Chromium, test/e2e/console)', async () => {
    execFileSync('npx', ['playwright', 'test', '-c', 'test/e2e/console/playwright.config.ts'], { cwd: ROOT, stdio: 'inherit', timeout: CONSOLE_TESTS_DEADLINE_MS });
    return 'every scenario passed; screenshots in .e2e/console/screens/';
  });

  const passed = results.filter((result) => result.ok).length;
  const failed = results.length - passed;
  say(`\nTollgate e2e finished in ${((Date.now() - runStarted) / 1000).toFixed(1)} s`);
  say(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

interface BruteForceFigures {
  readonly tool: string;
  /** Password guesses Kamailio checked (and reported) before it refused the attacker's first request. */
  readonly guessesBeforeRefusal: number;
  readonly secondsToRefusal: number;
  /** Failures Tollgate had counted when it banned the IP (its threshold). */
  readonly reportedFailuresAtBan: number;
  readonly secondsToTollgateBan: number;
  readonly guessesInAll: number;
  readonly requestsRefusedAfterwards: number;
  readonly refusedBy: string;
}

/** Kamailio's `tollgate report /v1/calls/<callId>/completed http=...` lines for the calls of one SIPp run. */
function completionLines(kamailio: Kamailio, sippPid: number): string[] {
  // SIPp's Call-IDs are <call number>-<pid>@<ip>; the report path carries them URL-encoded
  return linesWith(kamailio, 'tollgate report /v1/calls/').filter((line) => line.includes(`-${sippPid}%40`));
}

/** Kamailio's `tollgate report /v1/auth-failures http=...` lines for one source IP. */
function authFailureReports(kamailio: Kamailio, sourceIp: string): string[] {
  return linesWith(kamailio, 'tollgate report /v1/auth-failures').filter((line) => line.includes(`"sourceIp":"${sourceIp}"`) || line.includes(`"sourceIp": "${sourceIp}"`));
}

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value either way. */
async function eventually<T>(read: () => T, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = read();
  }
  return value;
}

/**
 * DynamoDB Local is a JVM: its first few hundred requests run interpreted and cost several times what they cost
 * once compiled. Warm it up over HTTP before measuring anything (demo account, domestic number, no limits).
 */
async function warmUpTollgate(api: Api, switchToken: string): Promise<number> {
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < WARM_UP_REQUESTS) {
      next += 1;
      const callId = `e2e-warm-up-${started}-${next}`;
      const response = await api.call<{ decision: string }>('POST', '/v1/authorize', switchToken, {
        callId, to: DOMESTIC, from: '13055550100', sourceIp: '127.0.0.1', authMethod: 'ip',
      });
      assert(response.status === 200 && response.body.decision === 'allow', `warm-up authorization answered ${response.status} ${JSON.stringify(response.body)}`);
      // Never placed: report it as a call never answered, which releases its reservation at once.
      const completed = await api.call('POST', `/v1/calls/${encodeURIComponent(callId)}/completed`, switchToken, { durationSeconds: 0, endedAt: new Date().toISOString() });
      assert(completed.status === 200, `warm-up completion answered ${completed.status} ${JSON.stringify(completed.body)}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return Date.now() - started;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
