/**
 * `npm run simulate`: the fraud simulation (bench/simulation/). Options (flags or environment):
 *   --seed N (SIM_SEED, 42)            --accounts N (SIM_ACCOUNTS, 300)     --days N (SIM_DAYS, 3)
 *   --learning-days N (SIM_LEARNING_DAYS, 1)   --attacks a,b (SIM_ATTACKS, all)   --concurrency N (SIM_CONCURRENCY, 8)
 *   --drip-days N (SIM_DRIP_DAYS, 14)  days the slow drip runs from its start (past --days: only the drip goes on)
 *   --diaspora-share X (SIM_DIASPORA_SHARE, 0.1)   diaspora customers added to the ordinary accounts, as a share of them
 *   --baseline (SIM_BASELINE=1)        replay with the issue-16 detections off (BEFORE_ISSUE_16, simulation/baseline.ts)
 *                                      and write simulation-baseline.json: the "before" of the report's before/after
 *   --out DIR (SIM_OUT, bench/)        DYNAMODB_ENDPOINT: use a running DynamoDB (Local) instead of starting one.
 *   --what-if JSON (SIM_WHAT_IF)       after the run, replay its decisions with these carrier-wide detection thresholds
 *                                      (POST /v1/what-if), e.g. '{"newDestinationAttempts":2}', and report who they hit.
 * Writes simulation.json (or, with --baseline, simulation-baseline.json) to the output folder and prints the summary,
 * with the parallel attacks beside their sequential counterparts. simulation.md and simulation.svg come from
 * simulation.json, with the before/after table and chart when simulation-baseline.json holds the same plan; whichever
 * of the two runs comes second writes them with both.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadAverageNow, machineInfo } from './machine.js';
import { formatDollars, table } from './stats.js';
import { parallelPairs } from './simulation/analysis.js';
import { ATTACK_IDS, type AttackId } from './simulation/attacks.js';
import { spendChart } from './simulation/chart.js';
import type { SpendPoint } from './simulation/analysis.js';
import { simulationReport } from './simulation/report.js';
import { DEFAULT_SIMULATION, runSimulation, type SimulationResult } from './simulation/run-simulation.js';
import type { MachineInfo } from './machine.js';
import { PROJECT_ROOT } from './bundle-bench.js';

const count = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const optionsSchema = z.object({
  seed: count(DEFAULT_SIMULATION.seed, 0, 2 ** 31),
  accounts: count(DEFAULT_SIMULATION.accounts, 1, 5_000),
  days: count(DEFAULT_SIMULATION.days, 1, 30),
  learningDays: count(DEFAULT_SIMULATION.learningDays, 0, 29),
  concurrency: count(DEFAULT_SIMULATION.concurrency, 1, 64),
  dripDays: count(DEFAULT_SIMULATION.dripDays, 1, 28),
  diasporaShare: z.coerce.number().min(0).max(1).default(DEFAULT_SIMULATION.diasporaShare),
  baseline: z
    .union([z.boolean(), z.enum(['1', 'true', '0', 'false', ''])])
    .optional()
    .transform((value) => value === true || value === '1' || value === 'true'),
  attacks: z
    .string()
    .optional()
    .transform((text) => (text ? text.split(',').map((id) => id.trim()) : [...ATTACK_IDS]))
    .pipe(z.array(z.enum(ATTACK_IDS))),
  out: z.string().default(join(PROJECT_ROOT, 'bench')),
  dynamoEndpoint: z.url().optional(),
  whatIf: z
    .string()
    .optional()
    .transform((text, context) => {
      if (text === undefined) return undefined;
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // reported below
      }
      context.addIssue({ code: 'custom', message: 'must be a JSON object of detection thresholds' });
      return z.NEVER;
    }),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      accounts: { type: 'string' },
      days: { type: 'string' },
      'learning-days': { type: 'string' },
      attacks: { type: 'string' },
      concurrency: { type: 'string' },
      out: { type: 'string' },
      'what-if': { type: 'string' },
      'drip-days': { type: 'string' },
      'diaspora-share': { type: 'string' },
      baseline: { type: 'boolean' },
    },
  });
  const env = process.env;
  const parsed = optionsSchema.safeParse({
    seed: values.seed ?? env.SIM_SEED,
    accounts: values.accounts ?? env.SIM_ACCOUNTS,
    days: values.days ?? env.SIM_DAYS,
    learningDays: values['learning-days'] ?? env.SIM_LEARNING_DAYS,
    attacks: values.attacks ?? env.SIM_ATTACKS,
    concurrency: values.concurrency ?? env.SIM_CONCURRENCY,
    out: values.out ?? env.SIM_OUT,
    dynamoEndpoint: env.DYNAMODB_ENDPOINT,
    whatIf: values['what-if'] ?? env.SIM_WHAT_IF,
    dripDays: values['drip-days'] ?? env.SIM_DRIP_DAYS,
    diasporaShare: values['diaspora-share'] ?? env.SIM_DIASPORA_SHARE,
    baseline: values.baseline ?? env.SIM_BASELINE,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`Invalid ${issue.path.join('.')}: ${issue.message}`);
    process.exit(2);
  }
  const options = parsed.data;
  const machine = machineInfo();
  console.log(
    `Simulating ${options.accounts} accounts (+${Math.round(options.accounts * options.diasporaShare)} diaspora) over ${options.days} days, the drip over ${options.dripDays} (seed ${options.seed}, attacks: ${options.attacks.join(', ')})` +
      `${options.baseline ? ', BASELINE: issue-16 detections off' : ''} ...`,
  );
  const result = await runSimulation({
    seed: options.seed,
    accounts: options.accounts,
    days: options.days,
    learningDays: options.learningDays,
    attacks: options.attacks as AttackId[],
    concurrency: options.concurrency,
    startDate: DEFAULT_SIMULATION.startDate,
    dripDays: options.dripDays,
    diasporaShare: options.diasporaShare,
    baseline: options.baseline,
    ...(options.dynamoEndpoint ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    ...(options.whatIf ? { whatIf: options.whatIf } : {}),
    onProgress: (done, total) => process.stdout.write(`  ${done}/${total} events\r`),
  });

  mkdirSync(options.out, { recursive: true });
  const command =
    `npm run simulate -- --seed ${options.seed} --accounts ${options.accounts} --days ${options.days} --drip-days ${options.dripDays} --diaspora-share ${options.diasporaShare}` +
    (options.baseline ? ' --baseline' : '');
  const { series, ...summary } = result;
  const stored: StoredRun = { machine, command, loadAverageAtEnd: loadAverageNow(), ...summary, series: series.map((point) => [point.at, point.withTollgate, point.withoutTollgate]) };
  const jsonFile = join(options.out, options.baseline ? BASELINE_FILE : AFTER_FILE);
  // One line per point of the series: the file stays readable and a third of the size.
  const points = stored.series.map((point) => `    ${JSON.stringify(point)}`).join(',\n');
  writeFileSync(jsonFile, `${JSON.stringify({ ...stored, series: SERIES_MARK }, null, 2).replace(JSON.stringify(SERIES_MARK), `[\n${points}\n  ]`)}\n`);
  const written = writeReport(options.out);

  console.log(
    `\n${table([
      ['attack', 'sent', 'attempts', 'allowed', 'stopped', 'attempts to stop', 'stopped by', 'lost', 'without Tollgate', 'target'],
      ...result.outcomes.map((outcome) => [
        outcome.id,
        outcome.mode === 'parallel' ? 'at once' : 'one by one',
        String(outcome.attempts),
        String(outcome.allowed),
        outcome.stopped ? 'yes' : 'no',
        outcome.accounts ? (outcome.accounts.stoppedAt === null ? '-' : `account ${outcome.accounts.stoppedAt}/${outcome.accounts.count}`) : outcome.attemptsBeforeStop === null ? '-' : String(outcome.attemptsBeforeStop),
        outcome.stoppedBy ?? '-',
        formatDollars(outcome.lost),
        formatDollars(outcome.withoutTollgate),
        `${outcome.targetMet ? 'met' : 'NOT met'}: ${outcome.targetNote}`,
      ]),
    ])}`,
  );
  const pairs = parallelPairs(result.outcomes);
  if (pairs.length > 0) {
    console.log(
      `\nParallel beside sequential (lost before the stop):\n${table([
        ['attempts', 'one at a time', 'all at once', 'without Tollgate'],
        ...pairs.map(({ parallel, sequential }) => [
          sequential.id,
          `${sequential.allowed}/${sequential.attempts} allowed, ${formatDollars(sequential.lost)}`,
          `${parallel.allowed}/${parallel.attempts} allowed, ${formatDollars(parallel.lost)}`,
          formatDollars(parallel.withoutTollgate),
        ]),
      ])}`,
    );
  }
  console.log(`Interim updates: ${result.interim.sent} sent, ${result.interim.continued} continue (${result.interim.extended} extended), stops ${JSON.stringify(result.interim.stopped)}.`);
  const fp = result.falsePositives;
  console.log(
    `\nFalse positives: ${fp.deniedCalls} of ${fp.ordinaryCalls} ordinary calls denied, ${fp.accountsAffected} of ${fp.ordinaryAccounts} ordinary accounts (${fp.accountsAffectedPercent}%) affected` +
      ` (after learning: ${fp.afterLearning.accountsAffected}, ${fp.afterLearning.accountsAffectedPercent}%);` +
      ` business ${fp.byGroup.business.accountsAffected} of ${fp.byGroup.business.accounts}, diaspora ${fp.byGroup.diaspora.accountsAffected} of ${fp.byGroup.diaspora.accounts}` +
      ` (${fp.byGroup.diaspora.deniedCalls} of their ${fp.byGroup.diaspora.calls} calls denied, ${fp.byGroup.diaspora.cutShort} cut short).`,
  );
  for (const outcome of result.outcomes) {
    if (!outcome.perDay) continue;
    console.log(
      `\n${outcome.id} per UTC day:\n${table([
        ['day', 'allowed', 'charged', 'largest maxDurationSeconds'],
        ...outcome.perDay.map((entry) => [new Date(entry.day * 86_400_000).toISOString().slice(0, 10), String(entry.allowed), formatDollars(entry.spent), String(entry.largestGrantSeconds ?? '-')]),
      ])}`,
    );
  }
  if (result.whatIf) printWhatIf(result.whatIf);
  console.log(
    `Replay: ${result.replay.requests} requests in ${result.replay.wallSeconds} s (${result.replay.settles.count} settles, ${result.replay.settles.wallSeconds} s). Wrote ${jsonFile}${written ? `; ${written}` : ''}.`,
  );
}

const AFTER_FILE = 'simulation.json';
const SERIES_MARK = '<series>';
const BASELINE_FILE = 'simulation-baseline.json';

/** A run as simulation.json and simulation-baseline.json keep it: the result, the series as [at, with, without]. */
type StoredRun = Omit<SimulationResult, 'series'> & {
  readonly machine: MachineInfo;
  readonly command: string;
  readonly loadAverageAtEnd: readonly number[];
  readonly series: readonly (readonly [number, number, number])[];
};

function readRun(file: string): (StoredRun & { readonly points: SpendPoint[] }) | undefined {
  if (!existsSync(file)) return undefined;
  const run = JSON.parse(readFileSync(file, 'utf8')) as StoredRun;
  // Files written before the series and the run's settings were kept cannot make the report.
  if (!Array.isArray(run.series) || run.options.dripDays === undefined) return undefined;
  return { ...run, points: run.series.map(([at, withTollgate, withoutTollgate]) => ({ at, withTollgate, withoutTollgate })) };
}

/** The same plan: everything that shapes the carrier and the attacks (not how many requests fly at once). */
function samePlan(a: StoredRun['options'], b: StoredRun['options']): boolean {
  const { concurrency: _a, baseline: _ab, ...planA } = a;
  const { concurrency: _b, baseline: _bb, ...planB } = b;
  return JSON.stringify(planA) === JSON.stringify(planB);
}

/** simulation.md and simulation.svg from simulation.json, with the baseline beside it when it ran the same plan. */
function writeReport(out: string): string | undefined {
  const after = readRun(join(out, AFTER_FILE));
  if (!after) return undefined;
  const baseline = readRun(join(out, BASELINE_FILE));
  const before = baseline && samePlan(baseline.options, after.options) ? baseline : undefined;
  if (baseline && !before) console.log(`${BASELINE_FILE} ran another plan (${baseline.command}): the report has no before/after; run it again with the same options.`);
  const result: SimulationResult = { ...after, series: after.points };
  const chartFile = 'simulation.svg';
  writeFileSync(
    join(out, chartFile),
    spendChart(result.series, {
      startMs: result.startMs,
      days: result.spanDays,
      learningDays: result.options.learningDays,
      attacks: result.attacks,
      title: `Fraud spend over ${result.spanDays} simulated days (seed ${result.options.seed})${before ? ', before and after issue 16' : ''}`,
      ...(before ? { before: before.points } : {}),
    }),
  );
  writeFileSync(
    join(out, 'simulation.md'),
    simulationReport(result, {
      command: after.command,
      machine: after.machine,
      loadAverageAtEnd: after.loadAverageAtEnd,
      chartFile,
      ...(before ? { before: { outcomes: before.outcomes, falsePositives: before.falsePositives }, beforeCommand: before.command } : {}),
    }),
  );
  return `wrote simulation.md and ${chartFile}${before ? ' with the before/after comparison' : ''}`;
}

function printWhatIf(whatIf: NonNullable<Awaited<ReturnType<typeof runSimulation>>['whatIf']>): void {
  const { totals } = whatIf;
  console.log(
    `\nWhat-if ${JSON.stringify(whatIf.detection)}: ${totals.evaluated ?? 0} decisions replayed over ${totals.accounts ?? 0} accounts;` +
      ` ${totals.newlyDenied ?? 0} newly denied on ${totals.accountsHit ?? 0} accounts, ${totals.newlyAllowed ?? 0} newly allowed, ${totals.falsePositives ?? 0} on accounts not known as fraud.`,
  );
  console.log(
    `Ordinary accounts hit: ${whatIf.ordinaryAccountsHit} of ${whatIf.ordinaryAccounts} (${whatIf.ordinaryCallsNewlyDenied} of their calls newly denied);` +
      ` victims' own calls newly denied: ${whatIf.victimOwnCallsNewlyDenied}${whatIf.truncated ? ' (listing capped: counts are lower bounds)' : ''}.`,
  );
  console.log(
    table([
      ['attack', 'victim', 'allowed in the run', 'newly denied', 'dollars avoided'],
      ...whatIf.attacks.map((attack) => [attack.id, attack.victim ?? '-', String(attack.allowedBefore), String(attack.newlyDenied), formatDollars(attack.dollarsAvoided)]),
    ]),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
