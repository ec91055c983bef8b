/**
 * Lambda bundles: every `functions/<name>/handler.ts` bundled the way the benchmark target states it (esbuild, minified,
 * ESM, platform node, target node22, `@aws-sdk/*` external because the Lambda runtime ships the SDK), its size, what
 * dominates it (esbuild's metafile, by package), and its cold import time: the median over fresh `node` processes of
 * the time from just before `await import(bundle)` to just after, inside the process (node's own start excluded).
 * Each cold import is set beside the DynamoDB client's own cold import, measured in the same run (before and after
 * the bundles, one median over both): a function can import no faster than the client it calls.
 * The processes get the variables Lambda sets (`AWS_LAMBDA_FUNCTION_NAME`, `AWS_EXECUTION_ENV`, `LAMBDA_TASK_ROOT`):
 * there the bundles load the Powertools Tracer and the X-Ray SDK while they are imported
 * (functions/shared/observability.ts), so the figure includes them as a deployed function pays them.
 *
 * The CDK stack (infra/constructs/tollgate-function.ts) deploys with `bundleAwsSDK: true`, so the authorize bundle is
 * also measured that way ("as deployed") beside the target configuration.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile, type Plugin } from 'esbuild';
import { median, round } from './stats.js';

const run = promisify(execFile);

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * Scratch space for bundles: inside node_modules so that their external packages resolve from the project's
 * node_modules, and out of reach of eslint and tsc, which skip node_modules.
 */
export const BENCH_TMP = join(PROJECT_ROOT, 'node_modules', '.cache', 'tollgate-bench');

/** The same banner the CDK construct adds so bundled CommonJS can `require` inside an ESM bundle. */
const ESM_REQUIRE_BANNER = "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

export interface BundleBenchOptions {
  /** Where the bundles are written (a folder of this run's own). */
  readonly workDir: string;
  /** Handler folders to bundle; every functions/<name>/handler.ts when undefined. */
  readonly functions?: readonly string[];
  /** Fresh processes per bundle for the cold import median. */
  readonly coldRuns: number;
  /** Also measure the authorize function as the CDK stack deploys it and with the zod import fix (diagnostics). */
  readonly diagnostics: boolean;
}

export interface BundleResult {
  readonly function: string;
  readonly bytes: number;
  readonly kib: number;
  readonly coldImportMs: ColdImport;
  /** The largest contributors to the minified output, by npm package (or `(project)` for our own code). */
  readonly largestPackages: readonly { readonly name: string; readonly kib: number }[];
  /** Packages imported at run time from node_modules (external). */
  readonly externals: readonly string[];
  /** Cold import median ÷ the DynamoDB client's own cold import median (same run). */
  readonly coldImportRatio?: number;
}

export interface BundleBenchResult {
  readonly configuration: string;
  readonly bundles: readonly BundleResult[];
  /** `import '@aws-sdk/client-dynamodb'` alone, fresh processes before and after the bundles: the reference. */
  readonly dynamoDbClientImport: ColdImport;
  readonly diagnostics?: {
    /** The authorize bundle with the SDK bundled in (the CDK stack's `bundleAwsSDK: true`). */
    readonly authorizeAsDeployed: BundleResult;
    /** The same bundle as the target configuration, imported with `POWERTOOLS_TRACE_ENABLED=false`: what the Tracer costs. */
    readonly authorizeTracingOff: BundleResult;
    /**
     * What-if: the authorize bundle with every `import { z } from 'zod'` read as `import * as z from 'zod'`.
     * `export * as z` makes esbuild keep zod's whole namespace (all 40-odd locales); the namespace import tree-shakes.
     */
    readonly authorizeZodNamespaceImport: BundleResult;
    /** Cold import, alone, of what a bundle loads from node_modules at start: scale for the bundle figures. */
    readonly baselineMs: { readonly emptyModule: number; readonly sdkClientDynamoDb: number; readonly sdkClientSesV2: number };
  };
}

export function handlerNames(): string[] {
  const folder = join(PROJECT_ROOT, 'functions');
  return readdirSync(folder)
    .filter((name) => {
      try {
        return statSync(join(folder, name, 'handler.ts')).isFile();
      } catch {
        return false;
      }
    })
    .sort();
}

export async function runBundleBench(options: BundleBenchOptions): Promise<BundleBenchResult> {
  const outDir = join(options.workDir, 'bundles');
  mkdirSync(outDir, { recursive: true });
  const names = options.functions ?? handlerNames();
  const clientProbe = await probeBundle(outDir, 'probe-client-dynamodb', "export * from '@aws-sdk/client-dynamodb';");
  const before = await coldImport(clientProbe, options.coldRuns);
  const measured: BundleResult[] = [];
  for (const name of names) measured.push(await measure(name, join(outDir, `${name}.mjs`), true, options.coldRuns));
  const after = await coldImport(clientProbe, options.coldRuns);
  const dynamoDbClientImport = combined(before, after);
  return {
    configuration: 'esbuild, minified, ESM, platform node, target node22, banner createRequire, mainFields module,main; @aws-sdk/* external (the Lambda runtime provides it)',
    bundles: measured.map((bundle) => ({ ...bundle, coldImportRatio: round(bundle.coldImportMs.median / dynamoDbClientImport.median, 2) })),
    dynamoDbClientImport,
    ...(options.diagnostics ? { diagnostics: await diagnostics(outDir, options.coldRuns) } : {}),
  };
}

async function diagnostics(outDir: string, coldRuns: number): Promise<NonNullable<BundleBenchResult['diagnostics']>> {
  const authorizeAsDeployed = await measure('authorize', join(outDir, 'authorize.with-sdk.mjs'), false, coldRuns);
  const authorizeTracingOff = await measure('authorize', join(outDir, 'authorize.tracing-off.mjs'), true, coldRuns, [], { POWERTOOLS_TRACE_ENABLED: 'false' });
  const authorizeZodNamespaceImport = await measure('authorize', join(outDir, 'authorize.zod-namespace.mjs'), true, coldRuns, [zodNamespaceImport]);
  const probe = async (name: string, contents: string) => (await coldImport(await probeBundle(outDir, name, contents), coldRuns)).median;
  return {
    authorizeAsDeployed,
    authorizeTracingOff,
    authorizeZodNamespaceImport,
    baselineMs: {
      emptyModule: await probe('probe-empty', 'export {};'),
      sdkClientDynamoDb: await probe('probe-client-dynamodb', "export * from '@aws-sdk/client-dynamodb';"),
      sdkClientSesV2: await probe('probe-client-sesv2', "export * from '@aws-sdk/client-sesv2';"),
    },
  };
}

/** A one-line module bundled like the functions (SDK external): what importing just that costs. */
async function probeBundle(outDir: string, name: string, contents: string): Promise<string> {
  const outfile = join(outDir, `${name}.mjs`);
  await build({ stdin: { contents, resolveDir: PROJECT_ROOT }, outfile, bundle: true, format: 'esm', platform: 'node', external: ['@aws-sdk/*'], logLevel: 'silent' });
  return outfile;
}

function combined(first: ColdImport, second: ColdImport): ColdImport {
  const runs = [...first.runs, ...second.runs];
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs, cpuMedian: round((first.cpuMedian + second.cpuMedian) / 2, 2) };
}

const zodNamespaceImport: Plugin = {
  name: 'zod-namespace-import',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\/(domain|functions)\/.*\.ts$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace(/import \{ z \} from 'zod';/g, "import * as z from 'zod';"),
      loader: 'ts',
    }));
  },
};

async function measure(
  name: string,
  outfile: string,
  sdkExternal: boolean,
  coldRuns: number,
  plugins: Plugin[] = [],
  environment: Readonly<Record<string, string>> = {},
): Promise<BundleResult> {
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, 'functions', name, 'handler.ts')],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    external: sdkExternal ? ['@aws-sdk/*'] : [],
    metafile: true,
    logLevel: 'silent',
    plugins,
  });
  const output = Object.values(result.metafile.outputs)[0];
  if (!output) throw new Error(`esbuild wrote no output for ${name}`);
  return {
    function: name,
    bytes: output.bytes,
    kib: round(output.bytes / 1024, 1),
    coldImportMs: await coldImport(outfile, coldRuns, { ...lambdaEnvironment(name, outfile), ...environment }),
    largestPackages: largestPackages(result.metafile),
    // Node's own modules are not packages, with or without `node:` (the X-Ray SDK requires `crypto`, `http`, ...).
    externals: [...new Set(output.imports.filter((entry) => entry.external && !isBuiltin(entry.path)).map((entry) => packageOf(entry.path)))].sort(),
  };
}

export interface ColdImport {
  /** Wall time of the import, median over the fresh processes. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
  /** CPU time (user + system) the import took, median: less sensitive than wall time to other work on the machine. */
  readonly cpuMedian: number;
}

/** What the Lambda runtime sets that a bundle reads while it is imported. */
function lambdaEnvironment(name: string, file: string): Record<string, string> {
  // No preload (functions/authorize/preload.ts): the import is measured, not a DynamoDB round trip.
  return { AWS_LAMBDA_FUNCTION_NAME: `tollgate-bench-${name}`, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', LAMBDA_TASK_ROOT: dirname(file), TOLLGATE_PRELOAD: 'false' };
}

/** Fresh processes, one import each: the time inside the process around `await import(...)`. */
export async function coldImport(file: string, runs: number, environment: Readonly<Record<string, string>> = {}): Promise<ColdImport> {
  const url = pathToFileURL(file).href;
  const script = [
    'const cpu0 = process.cpuUsage(); const t0 = performance.now();',
    `await import(${JSON.stringify(url)});`,
    'const wall = performance.now() - t0; const cpu = process.cpuUsage(cpu0);',
    'process.stdout.write(JSON.stringify({ wall, cpu: (cpu.user + cpu.system) / 1000 }));',
  ].join(' ');
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH ?? '', ...environment } });
    const measured = JSON.parse(stdout) as { wall: number; cpu: number };
    times.push(round(measured.wall, 2));
    cpuTimes.push(round(measured.cpu, 2));
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), runs: times, cpuMedian: median(cpuTimes) };
}

function largestPackages(metafile: Metafile): { name: string; kib: number }[] {
  const output = Object.values(metafile.outputs)[0];
  const byPackage = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const name = path.includes('node_modules/') ? packageOf(path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)) : '(project)';
    byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, bytes]) => ({ name, kib: round(bytes / 1024, 1) }));
}

function packageOf(path: string): string {
  const parts = path.split('/');
  return path.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
}

