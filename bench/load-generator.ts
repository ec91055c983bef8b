/**
 * Sustained load with autocannon, driven programmatically: fixed connections (no pipelining) for a fixed time, each
 * request built by `request(n)` so every authorization carries its own call id. Latency percentiles are autocannon's.
 */
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { round } from './stats.js';

export interface LoadOptions {
  readonly url: string;
  readonly token: string;
  readonly connections: number;
  readonly seconds: number;
  /** The n-th request's method, path and JSON body (n counts from 0 across all connections). */
  readonly request: (n: number) => { readonly method: 'GET' | 'POST'; readonly path: string; readonly body?: unknown };
  /** Reads what the answer decided, for the mix; return undefined to skip. */
  readonly classify?: (status: number, body: string) => string | undefined;
}

export interface LoadResult {
  readonly tool: string;
  readonly connections: number;
  readonly seconds: number;
  readonly requests: number;
  readonly throughputPerSecond: number;
  readonly latency: { readonly p50Ms: number; readonly p99Ms: number; readonly meanMs: number; readonly maxMs: number };
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly timeouts: number;
  /** Answers outside 2xx. */
  readonly non2xx: number;
  readonly outcomes: Record<string, number>;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let issued = 0;
  const outcomes: Record<string, number> = {};
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          const spec = options.request(issued);
          issued += 1;
          return { ...request, method: spec.method, path: spec.path, ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }) };
        },
        onResponse: (status, body) => {
          const outcome = options.classify?.(status, body);
          if (outcome) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        },
      },
    ],
  });
  return {
    tool: `autocannon ${autocannonVersion()}`,
    connections: result.connections,
    seconds: round(result.duration, 2),
    requests: result.requests.total,
    throughputPerSecond: round(result.requests.total / Math.max(result.duration, 1e-9), 1),
    latency: { p50Ms: result.latency.p50, p99Ms: result.latency.p99, meanMs: round(result.latency.average, 3), maxMs: result.latency.max },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    outcomes,
  };
}

function autocannonVersion(): string {
  try {
    return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  } catch {
    return '(version unknown)';
  }
}
