/**
 * `npm run simulate`: the fraud simulation (bench/simulation/). Options (flags or environment):
 *   --seed N (SIM_SEED, 42)            --accounts N (SIM_ACCOUNTS, 300)     --days N (SIM_DAYS, 3)
 *   --learning-days N (SIM_LEARNING_DAYS, 1)   --attacks a,b (SIM_ATTACKS, all)   --concurrency N (SIM_CONCURRENCY, 8)
 *   --out DIR (SIM_OUT, bench/)        DYNAMODB_ENDPOINT: use a running DynamoDB (Local) instead of starting one.
 *   --what-if JSON (SIM_WHAT_IF)       after the run, replay its decisions with these carrier-wide detection thresholds
 *                                      (POST /v1/what-if), e.g. '{"newDestinationAttempts":2}', and report who they hit.
 * Writes simulation.md, simulation.svg and simulation.json to the output folder and prints the summary, with the
 * parallel attacks beside their sequential counterparts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadAverageNow, machineInfo } from './machine.js';
import { formatDollars, table } from './stats.js';
import { parallelPairs } from './simulation/analysis.js';
import { ATTACK_IDS, type AttackId } from './simulation/attacks.js';
import { spendChart } from './simulation/chart.js';
import { simulationReport } from './simulation/report.js';
import { DEFAULT_SIMULATION, runSimulation } from './simulation/run-simulation.js';
import { PROJECT_ROOT } from './bundle-bench.js';

const count = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const optionsSchema = z.object({
  seed: count(DEFAULT_SIMULATION.seed, 0, 2 ** 31),
  accounts: count(DEFAULT_SIMULATION.accounts, 1, 5_000),
  days: count(DEFAULT_SIMULATION.days, 1, 30),
  learningDays: count(DEFAULT_SIMULATION.learningDays, 0, 29),
  concurrency: count(DEFAULT_SIMULATION.concurrency, 1, 64),
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
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`Invalid ${issue.path.join('.')}: ${issue.message}`);
    process.exit(2);
  }
  const options = parsed.data;
  const machine = machineInfo();
  console.log(`Simulating ${options.accounts} accounts over ${options.days} days (seed ${options.seed}, attacks: ${options.attacks.join(', ')}) ...`);
  const result = await runSimulation({
    seed: options.seed,
    accounts: options.accounts,
    days: options.days,
    learningDays: options.learningDays,
    attacks: options.attacks as AttackId[],
    concurrency: options.concurrency,
    startDate: DEFAULT_SIMULATION.startDate,
    ...(options.dynamoEndpoint ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    ...(options.whatIf ? { whatIf: options.whatIf } : {}),
    onProgress: (done, total) => process.stdout.write(`  ${done}/${total} events\r`),
  });

  mkdirSync(options.out, { recursive: true });
  const chartFile = 'simulation.svg';
  writeFileSync(
    join(options.out, chartFile),
    spendChart(result.series, { startMs: result.startMs, days: options.days, learningDays: options.learningDays, attacks: result.attacks, title: `Fraud spend over ${options.days} simulated days (seed ${options.seed})` }),
  );
  const command = `npm run simulate -- --seed ${options.seed} --accounts ${options.accounts} --days ${options.days}`;
  writeFileSync(join(options.out, 'simulation.md'), simulationReport(result, { command, machine, loadAverageAtEnd: loadAverageNow(), chartFile }));
  const { series: _series, ...summary } = result;
  writeFileSync(join(options.out, 'simulation.json'), `${JSON.stringify({ machine, ...summary }, null, 2)}\n`);

  console.log(
    `\n${table([
      ['attack', 'sent', 'attempts', 'allowed', 'stopped', 'attempts to stop', 'stopped by', 'lost', 'without Tollgate', 'target'],
      ...result.outcomes.map((outcome) => [
        outcome.id,
        outcome.mode === 'parallel' ? 'at once' : 'one by one',
        String(outcome.attempts),
        String(outcome.allowed),
        outcome.kind === 'capped-by-daily-spend' ? 'capped' : outcome.stopped ? 'yes' : 'no',
        outcome.attemptsBeforeStop === null ? '-' : String(outcome.attemptsBeforeStop),
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
      ` (after learning: ${fp.afterLearning.accountsAffected}, ${fp.afterLearning.accountsAffectedPercent}%).`,
  );
  if (result.whatIf) printWhatIf(result.whatIf);
  console.log(`Replay: ${result.replay.requests} requests in ${result.replay.wallSeconds} s. Wrote ${join(options.out, 'simulation.md')} and ${chartFile}.`);
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
