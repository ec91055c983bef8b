/**
 * The benchmark: the pure engine, authorize end to end beside its floor, DynamoDB requests per authorize, the Lambda
 * bundles, and a sustained load; each figure set against its target. Sections can be left out (BENCH_SECTIONS).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_TMP, runBundleBench, type BundleBenchResult } from './bundle-bench.js';
import { runEngineBench, type EngineBenchResult } from './engine-bench.js';
import { loadAverageNow, machineInfo, type MachineInfo } from './machine.js';
import { runStackBench, type StackBenchResult } from './stack-bench.js';

export const SECTIONS = ['engine', 'stack', 'bundles'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  readonly sections: readonly Section[];
  readonly engineSeconds: number;
  readonly engineLatencySamples: number;
  readonly dynamoEndpoint?: string;
  readonly latencyRounds: number;
  readonly countSamples: number;
  readonly loadSeconds: number;
  readonly loadConnections: number;
  readonly accounts: number;
  /** Handler folders to bundle; all when undefined. */
  readonly functions?: readonly string[];
  readonly coldRuns: number;
  readonly bundleDiagnostics: boolean;
}

export interface Target {
  readonly target: string;
  readonly figure: string;
  readonly met: boolean;
}

export interface BenchResults {
  readonly generatedAt: string;
  readonly machine: MachineInfo;
  readonly loadAverageAtEnd: readonly number[];
  readonly options: BenchOptions;
  readonly engine?: EngineBenchResult;
  readonly stack?: StackBenchResult;
  readonly bundles?: BundleBenchResult;
  readonly targets: readonly Target[];
}

const KIB = 1024;

export async function runBench(options: BenchOptions, log: (line: string) => void = () => undefined): Promise<BenchResults> {
  const machine = machineInfo();
  mkdirSync(BENCH_TMP, { recursive: true });
  const workDir = mkdtempSync(join(BENCH_TMP, 'run-'));
  try {
    let engine: EngineBenchResult | undefined;
    let stack: StackBenchResult | undefined;
    let bundles: BundleBenchResult | undefined;
    if (options.sections.includes('engine')) {
      log(`engine: ${options.engineSeconds} s of decisions ...`);
      engine = runEngineBench({ seconds: options.engineSeconds, latencySamples: options.engineLatencySamples });
    }
    if (options.sections.includes('stack')) {
      log(`stack: latency, requests per authorize, ${options.loadSeconds} s of load ...`);
      stack = await runStackBench({
        workDir,
        ...(options.dynamoEndpoint ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
        latencyRounds: options.latencyRounds,
        countSamples: options.countSamples,
        loadSeconds: options.loadSeconds,
        loadConnections: options.loadConnections,
        accounts: options.accounts,
      });
    }
    if (options.sections.includes('bundles')) {
      log('bundles: esbuild and cold imports ...');
      bundles = await runBundleBench({
        workDir,
        ...(options.functions ? { functions: options.functions } : {}),
        coldRuns: options.coldRuns,
        diagnostics: options.bundleDiagnostics,
      });
    }
    return {
      generatedAt: new Date().toISOString(),
      machine,
      loadAverageAtEnd: loadAverageNow(),
      options,
      ...(engine ? { engine } : {}),
      ...(stack ? { stack } : {}),
      ...(bundles ? { bundles } : {}),
      targets: targets(engine, stack, bundles),
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function targets(engine: EngineBenchResult | undefined, stack: StackBenchResult | undefined, bundles: BundleBenchResult | undefined): Target[] {
  const list: Target[] = [];
  if (stack) {
    const common = stack.requestsPerAuthorize.filter((scenario) => scenario.common);
    const worst = common.reduce((max, scenario) => Math.max(max, scenario.maxSequentialSteps), 0);
    const others = stack.requestsPerAuthorize.filter((scenario) => !scenario.common && scenario.request === 'authorize');
    list.push({
      target: '1 sequential DynamoDB round trip per common authorize (warm process, allowed or denied by policy)',
      figure:
        `at most ${worst} in every sample of ${common.length} scenarios (${common.map((scenario) => scenario.requests).join('/')} requests)` +
        (others.length ? `; by design more for: ${others.map((scenario) => `${scenario.scenario} ${scenario.sequentialSteps}`).join(', ')}` : ''),
      met: common.length > 0 && worst <= 1,
    });
    const { health, getItem, authorize, ratio } = stack.latency;
    list.push({
      target: 'authorize p50 ≤ 1.3 × (health p50 + GetItem p50)',
      figure: `${authorize.p50Ms} ms vs ${health.p50Ms} + ${getItem.p50Ms} ms: ${ratio}×`,
      met: ratio <= 1.3,
    });
    list.push({
      target: 'sustained authorizations/s ≥ 0.5 × raw single-item writes/s (same DynamoDB, same concurrency)',
      figure: `${stack.load.throughputPerSecond}/s vs ${stack.rawWrites.writesPerSecond} writes/s: ${stack.throughputRatio}×`,
      met: stack.throughputRatio >= 0.5,
    });
  }
  if (engine) {
    list.push({
      target: '≥ 300,000 decisions/s, pure engine, one core',
      figure: `${engine.decisionsPerSecond.toLocaleString('en-US')} decisions/s`,
      met: engine.decisionsPerSecond >= 300_000,
    });
  }
  const authorizeBundle = bundles?.bundles.find((bundle) => bundle.function === 'authorize');
  if (authorizeBundle) {
    list.push({
      target: 'authorize bundle ≤ 300 KiB',
      figure: `${authorizeBundle.kib} KiB (${authorizeBundle.bytes.toLocaleString('en-US')} bytes)`,
      met: authorizeBundle.bytes <= 300 * KIB,
    });
    const client = bundles?.dynamoDbClientImport;
    if (client) {
      const ratio = authorizeBundle.coldImportMs.median / client.median;
      list.push({
        target: "authorize cold import ≤ 1.25 × the DynamoDB client's own (same run)",
        figure: `${authorizeBundle.coldImportMs.median} ms vs ${client.median} ms: ${ratio.toFixed(2)}× (medians of ${authorizeBundle.coldImportMs.runs.length} and ${client.runs.length})`,
        met: ratio <= 1.25,
      });
    }
    const otherClients = authorizeBundle.externals.filter((name) => name.startsWith('@aws-sdk/client-') && name !== '@aws-sdk/client-dynamodb');
    list.push({
      target: 'authorize loads no AWS client it does not call (DynamoDB only)',
      figure: otherClients.length === 0 ? `loads ${authorizeBundle.externals.join(', ')}` : `also loads ${otherClients.join(', ')}`,
      met: otherClients.length === 0,
    });
  }
  return list;
}
