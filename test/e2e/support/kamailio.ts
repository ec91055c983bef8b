/**
 * Runs integrations/kamailio/kamailio.cfg as it ships: a foreground Kamailio (-DD -E) on a loopback port, configured
 * only through -A defines and the environment, stopped by the suite.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, waitForSipOptions, type RunningProcess } from './processes.js';

export interface KamailioOptions {
  readonly name: string;
  readonly configFile: string;
  readonly workDir: string;
  readonly sipPort: number;
  readonly upstreamPort: number;
  readonly tollgateUrl: string;
  readonly tollgateToken: string;
  readonly failOpen: boolean;
  readonly failOpenMaxSeconds: number;
  readonly authUser: string;
  readonly authPassword: string;
  /** Benchmark baseline: relay without asking Tollgate. */
  readonly bypass?: boolean;
  readonly children?: number;
  /** How often the banned-IP list is pulled from GET /v1/bans (the config's default is 30 s). */
  readonly bansPullSeconds?: number;
}

export interface Kamailio extends RunningProcess {
  readonly sipPort: number;
  /** Log lines so far. */
  lines(): string[];
}

export async function startKamailio(options: KamailioOptions): Promise<Kamailio> {
  const logFile = join(options.workDir, `${options.name}.log`);
  const args = [
    '-f', options.configFile,
    '-DD', '-E',
    '-m', '64', '-M', '8',
    '-A', `LISTEN_ADDR=udp:127.0.0.1:${options.sipPort}`,
    '-A', `UPSTREAM_URI="sip:127.0.0.1:${options.upstreamPort}"`,
    '-A', `TOLLGATE_URL="${options.tollgateUrl}"`,
    '-A', `TOLLGATE_FAIL_OPEN=${options.failOpen ? 1 : 0}`,
    '-A', `TOLLGATE_FAIL_OPEN_MAX_SECONDS=${options.failOpenMaxSeconds}`,
    '-A', 'TOLLGATE_REASON_HEADER=1',
    '-A', `SIP_AUTH_USER="${options.authUser}"`,
    '-A', `SIP_CHILDREN=${options.children ?? 8}`,
    ...(options.bansPullSeconds !== undefined ? ['-A', `TOLLGATE_BANS_PULL_SECONDS=${options.bansPullSeconds}`] : []),
    ...(options.bypass ? ['-A', 'TOLLGATE_BYPASS'] : []),
  ];
  // Secrets travel in the environment (the config reads them with #!trydefenvs), not on the command line.
  const env = { ...process.env, TOLLGATE_TOKEN: options.tollgateToken, SIP_AUTH_PASSWORD: options.authPassword };
  const running = startProcess(options.name, 'kamailio', args, { cwd: options.workDir, logFile, env });
  const lines = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n') : []);
  try {
    await Promise.race([
      waitForSipOptions(options.sipPort, 15_000),
      running.exited.then((code) => {
        throw new Error(`${options.name} exited (${code}) while starting:\n${lines().slice(-15).join('\n')}`);
      }),
    ]);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return { ...running, sipPort: options.sipPort, lines };
}

export interface AuthorizationLogEntry {
  readonly callId: string;
  readonly decision: string;
  readonly reason: string;
  readonly maxSeconds: number;
  readonly elapsedUs: number;
}

/** The `tollgate decision=... elapsed_us=...` lines, optionally only for Call-IDs containing `callIdPart`. */
export function authorizationEntries(kamailio: Kamailio, callIdPart?: string): AuthorizationLogEntry[] {
  // the lookups run in async workers, whose lines carry no message prefix: the config logs the Call-ID itself
  const pattern = /tollgate decision=(\w+) reason=(\w*) max_seconds=(\S+) elapsed_us=(\d+) call_id=(\S+)/;
  const entries: AuthorizationLogEntry[] = [];
  for (const line of kamailio.lines()) {
    const match = pattern.exec(line);
    if (!match) continue;
    const [, decision = '', reason = '', maxSeconds = '0', elapsed = '0', callId = ''] = match;
    if (callIdPart !== undefined && !callId.includes(callIdPart)) continue;
    entries.push({ callId, decision, reason, maxSeconds: Number(maxSeconds), elapsedUs: Number(elapsed) });
  }
  return entries;
}

/** Log lines of this Kamailio that contain `text`. */
export function linesWith(kamailio: Kamailio, text: string): string[] {
  return kamailio.lines().filter((line) => line.includes(text));
}
