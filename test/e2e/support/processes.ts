/** Child processes, loopback ports and small waits for the end-to-end suite. Everything binds to 127.0.0.x only. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  stop(): Promise<void>;
}

/** Starts a long-running process with stdout and stderr appended to `logFile`. */
export function startProcess(name: string, command: string, args: readonly string[], options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv }): RunningProcess {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      log.write(`\n[e2e] ${name} could not start: ${error.message}\n`);
      resolve('spawn-error');
    });
  });
  void exited.then(() => log.end());
  if (child.pid === undefined) throw new Error(`${name} did not start (${command})`);
  const pid = child.pid;
  return {
    name,
    child,
    pid,
    logFile: options.logFile,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), delay(5_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Runs a process to completion, output appended to `logFile`; rejects when it outlives `timeoutMs`. */
export async function runProcess(command: string, args: readonly string[], options: { cwd: string; logFile: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<{ code: number | string; pid: number }> {
  const running = startProcess(command, command, args, options);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), options.timeoutMs);
  try {
    const code = await running.exited;
    return { code, pid: running.pid };
  } finally {
    clearTimeout(timer);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A UDP port on 127.0.0.1 that nothing is bound to right now. */
export async function freeUdpPort(exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await new Promise<number>((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        const { port: bound } = socket.address();
        socket.close(() => resolve(bound));
      });
    });
    if (!exclude.has(port)) return port;
  }
  throw new Error('no free UDP port on 127.0.0.1');
}

/** Waits until something is bound to the UDP port (binding it ourselves fails with EADDRINUSE). */
export async function waitForUdpBound(port: number, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const inUse = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(true));
      socket.bind(port, host, () => socket.close(() => resolve(false)));
    });
    if (inUse) return;
    await delay(100);
  }
  throw new Error(`nothing bound UDP ${host}:${port} within ${timeoutMs} ms`);
}

/** Sends SIP OPTIONS until the proxy answers 200: it is up and its workers are serving. */
export async function waitForSipOptions(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const localPort = socket.address().port;
  try {
    let attempt = 0;
    while (Date.now() < deadline) {
      attempt += 1;
      const branch = `z9hG4bK-e2e-${Date.now()}-${attempt}`;
      const message = [
        `OPTIONS sip:ping@127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=${branch}`,
        'Max-Forwards: 70',
        `From: <sip:e2e@127.0.0.1:${localPort}>;tag=e2e${attempt}`,
        `To: <sip:ping@127.0.0.1:${port}>`,
        `Call-ID: e2e-options-${Date.now()}-${attempt}@127.0.0.1`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          socket.off('message', onMessage);
          resolve(false);
        }, 250);
        const onMessage = (data: Buffer) => {
          if (data.toString('utf8').startsWith('SIP/2.0 200')) {
            clearTimeout(timer);
            socket.off('message', onMessage);
            resolve(true);
          }
        };
        socket.on('message', onMessage);
        socket.send(message, port, '127.0.0.1');
      });
      if (answered) return;
    }
    throw new Error(`no 200 to OPTIONS from 127.0.0.1:${port} within ${timeoutMs} ms`);
  } finally {
    socket.close();
  }
}

/** A TCP server on loopback that accepts connections and never answers: Tollgate "slow" (hung). */
export async function startBlackHole(): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('black hole has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
