/**
 * SIPVicious `svcrack`, the digest password cracker attackers run against SIP proxies (Debian package sipvicious),
 * started from a loopback address of its own. It runs through svcrack-bound.py only so that its `-b` option takes
 * effect (SIPVicious 0.3.3 parses it and then ignores it); everything else is the packaged tool.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type RunningProcess } from './processes.js';

const BOUND_SVCRACK = fileURLToPath(new URL('./svcrack-bound.py', import.meta.url));
/** The interpreter the Debian package is built for (its entry script's shebang). */
const DEBIAN_PYTHON = '/usr/bin/python3';

export interface SvcrackOptions {
  readonly workDir: string;
  readonly label: string;
  /** The attacker's source address (127.0.0.0/8). */
  readonly sourceIp: string;
  readonly localPort: number;
  /** The proxy on 127.0.0.1. */
  readonly targetPort: number;
  /** The extension (digest username) to crack. */
  readonly extension: string;
  /** Numeric passwords to try, svcrack's `-r`, e.g. `1-99999`. */
  readonly passwordRange: string;
}

/** Starts the attack; stop() ends it. svcrack sends INVITEs (the proxy only challenges INVITE) as fast as replies come. */
export function startSvcrack(options: SvcrackOptions): RunningProcess {
  const args = [
    BOUND_SVCRACK,
    '-u', options.extension,
    '-r', options.passwordRange,
    '-m', 'INVITE',
    '-b', options.sourceIp,
    '-P', String(options.localPort),
    '-p', String(options.targetPort),
    '127.0.0.1',
  ];
  return startProcess(options.label, DEBIAN_PYTHON, args, { cwd: options.workDir, logFile: join(options.workDir, `${options.label}.log`) });
}
