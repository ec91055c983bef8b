/** Runs SIPp (sip-tester) scenarios and reads back its statistics, response times and <log> lines. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runProcess, startProcess, waitForUdpBound, type RunningProcess } from './processes.js';

export interface UacOptions {
  /** Scenario file name inside `workDir`. */
  readonly scenario: string;
  readonly workDir: string;
  /** Proxy port on 127.0.0.1. */
  readonly target: number;
  /** R-URI user (SIPp's [service]). */
  readonly service: string;
  readonly localIp?: string;
  readonly localPort: number;
  readonly calls: number;
  /** Calls per second; SIPp's default (10) when undefined. */
  readonly rate?: number;
  readonly authUser?: string;
  readonly authPassword?: string;
  /** Global SIPp timeout in seconds; reaching it fails the run. */
  readonly timeoutSeconds: number;
  /** A label for the files this run leaves in workDir. */
  readonly label: string;
  /** More SIPp arguments, e.g. ['-l', '200'] to lift the limit on simultaneous calls. */
  readonly extraArgs?: readonly string[];
}

export interface UacResult {
  readonly label: string;
  readonly exitCode: number | string;
  readonly pid: number;
  readonly stats: Record<string, string>;
  readonly successful: number;
  readonly failed: number;
  readonly unexpected: number;
  readonly retransmissions: number;
  /** Response times (ms) by rtd number, one entry per call that reached the rtd end. */
  readonly rtd: ReadonlyMap<number, number[]>;
  /** Lines written by <log> actions. */
  readonly logLines: string[];
  readonly errorsFile: string;
}

export async function runUac(options: UacOptions): Promise<UacResult> {
  const file = (suffix: string) => join(options.workDir, `${options.label}.${suffix}`);
  const args = [
    `127.0.0.1:${options.target}`,
    '-sf', options.scenario,
    '-s', options.service,
    '-i', options.localIp ?? '127.0.0.1',
    '-p', String(options.localPort),
    '-m', String(options.calls),
    ...(options.rate !== undefined ? ['-r', String(options.rate), '-rp', '1000'] : []),
    ...(options.authUser !== undefined ? ['-au', options.authUser] : []),
    ...(options.authPassword !== undefined ? ['-ap', options.authPassword] : []),
    ...(options.extraArgs ?? []),
    '-nostdin',
    '-trace_err', '-error_file', file('errors.log'),
    '-trace_logs', '-log_file', file('log'),
    '-trace_stat', '-stf', file('stat.csv'), '-fd', '60',
    '-trace_rtt', '-rtt_freq', '1',
    '-timeout', `${options.timeoutSeconds}s`, '-timeout_error',
  ];
  const { code, pid } = await runProcess('sipp', args, {
    cwd: options.workDir,
    logFile: file('out.log'),
    timeoutMs: (options.timeoutSeconds + 15) * 1000,
  });
  const stats = readStats(file('stat.csv'));
  const rttFile = join(options.workDir, `${basename(options.scenario, '.xml')}_${pid}_rtt.csv`);
  return {
    label: options.label,
    exitCode: code,
    pid,
    stats,
    successful: Number(stats['SuccessfulCall(C)'] ?? NaN),
    failed: Number(stats['FailedCall(C)'] ?? NaN),
    unexpected: Number(stats['FailedUnexpectedMessage(C)'] ?? NaN),
    retransmissions: Number(stats['Retransmissions(C)'] ?? NaN),
    rtd: readRtt(rttFile),
    logLines: existsSync(file('log')) ? readFileSync(file('log'), 'utf8').split('\n').filter((line) => line.trim() !== '') : [],
    errorsFile: file('errors.log'),
  };
}

/** The last row of SIPp's -trace_stat CSV, keyed by column name. */
function readStats(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const header = lines[0]?.split(';') ?? [];
  const last = lines.length > 1 ? (lines[lines.length - 1]?.split(';') ?? []) : [];
  const stats: Record<string, string> = {};
  header.forEach((name, index) => {
    if (name) stats[name] = last[index] ?? '';
  });
  return stats;
}

/** SIPp's -trace_rtt file: `Date_ms;response_time_ms;rtd_no`. */
function readRtt(path: string): Map<number, number[]> {
  const byRtd = new Map<number, number[]>();
  if (!existsSync(path)) return byRtd;
  for (const line of readFileSync(path, 'utf8').split('\n').slice(1)) {
    const [, time, rtdNumber] = line.split(';');
    if (time === undefined || rtdNumber === undefined) continue;
    const rtd = Number(rtdNumber);
    const list = byRtd.get(rtd) ?? [];
    list.push(Number(time));
    byRtd.set(rtd, list);
  }
  return byRtd;
}

/** The carrier side: a SIPp UAS answering every INVITE (180, then 200), logging the R-URI user it got. */
export async function startUas(options: { workDir: string; scenario: string; port: number }): Promise<RunningProcess & { logLines(): string[] }> {
  const logPath = join(options.workDir, 'uas.log');
  const running = startProcess('sipp-uas', 'sipp', [
    '-sf', options.scenario,
    '-i', '127.0.0.1',
    '-p', String(options.port),
    '-nostdin',
    '-trace_logs', '-log_file', logPath,
    '-trace_err', '-error_file', join(options.workDir, 'uas.errors.log'),
  ], { cwd: options.workDir, logFile: join(options.workDir, 'uas.out.log') });
  await waitForUdpBound(options.port, '127.0.0.1', 10_000);
  return {
    ...running,
    logLines: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').filter((line) => line.trim() !== '') : []),
  };
}

/** The first lines of SIPp's unexpected-message log, for a failure message. */
export function errorExcerpt(result: UacResult, maxChars = 1_200): string {
  if (!existsSync(result.errorsFile)) return '';
  const text = readFileSync(result.errorsFile, 'utf8').trim();
  return text.length > maxChars ? `${text.slice(0, maxChars)} ...` : text;
}
