/** The benchmark's printed table, from bench/results.json's content. */
import type { BenchResults } from './run-bench.js';
import { formatNumber, table } from './stats.js';

export function renderBenchResults(results: BenchResults): string {
  const { machine } = results;
  const out: string[] = [
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory, Node ${machine.node} (${machine.platform})`,
    `Load average at start ${machine.loadAverageAtStart.join(' / ')}, at end ${results.loadAverageAtEnd.join(' / ')} (other work on the machine skews every figure)`,
  ];
  const { engine, stack, bundles } = results;
  if (engine) {
    out.push(
      '',
      'Pure decision engine, one core',
      table([
        ['decisions/s', 'p50 µs', 'p99 µs', 'timer overhead µs', 'IP allow-list check µs', 'same mix, digest auth: decisions/s'],
        [
          formatNumber(engine.decisionsPerSecond),
          String(engine.latency.p50Us),
          String(engine.latency.p99Us),
          String(engine.latency.timerOverheadUs),
          String(engine.diagnostics.ipAllowListCheckUs),
          formatNumber(engine.diagnostics.digestMixDecisionsPerSecond),
        ],
      ]),
    );
  }
  if (stack) {
    const { latency, load, rawWrites } = stack;
    out.push(
      '',
      `Authorize end to end, one request at a time, ${latency.rounds} interleaved rounds (ms)`,
      table([
        ['request', 'p50', 'p99', 'mean'],
        ['GET /health', String(latency.health.p50Ms), String(latency.health.p99Ms), String(latency.health.meanMs)],
        ['DynamoDB GetItem (raw SDK call)', String(latency.getItem.p50Ms), String(latency.getItem.p99Ms), String(latency.getItem.meanMs)],
        ['POST /v1/authorize', String(latency.authorize.p50Ms), String(latency.authorize.p99Ms), String(latency.authorize.meanMs)],
        ['ratio authorize p50 / (health p50 + GetItem p50)', String(latency.ratio), '', ''],
        ["diagnostic: authorize's 2 writes raw, in parallel", String(latency.dynamoPattern.oneStep.p50Ms), String(latency.dynamoPattern.oneStep.p99Ms), String(latency.dynamoPattern.oneStep.meanMs)],
      ]),
      '',
      'DynamoDB requests per request, by scenario (counted at the SDK in the stack process; a step = requests in flight together; medians, worst in brackets)',
      table([
        ['scenario', 'request', 'requests', 'sequential steps', 'steps', 'target'],
        ...stack.requestsPerAuthorize.map((scenario) => [
          scenario.scenario,
          scenario.request,
          String(scenario.requests),
          scenario.maxSequentialSteps === scenario.sequentialSteps ? String(scenario.sequentialSteps) : `${scenario.sequentialSteps} (${scenario.maxSequentialSteps})`,
          scenario.typicalSteps.replace(/Command/g, ''),
          scenario.common ? (scenario.maxSequentialSteps <= 1 ? '1 step: met' : '1 step: NOT met') : `none: ${scenario.note ?? ''}`,
        ]),
      ]),
      '',
      `Sustained load: ${load.connections} connections for ${load.seconds} s (${load.tool}), beside raw DynamoDB writes measured just before with as many in flight for as long`,
      table([
        ['', 'per second', 'requests', 'p50 ms', 'p99 ms', 'errors', 'non-2xx'],
        ['POST /v1/authorize', String(load.throughputPerSecond), formatNumber(load.requests), String(load.latency.p50Ms), String(load.latency.p99Ms), String(load.errors), String(load.non2xx)],
        [
          `raw single-item writes (${formatNumber(rawWrites.puts)} PutItem + ${formatNumber(rawWrites.updates)} UpdateItem)`,
          String(rawWrites.writesPerSecond),
          formatNumber(rawWrites.writes),
          String(rawWrites.latency.p50Ms),
          String(rawWrites.latency.p99Ms),
          String(rawWrites.errors),
          '',
        ],
        ['ratio authorizations/s ÷ raw writes/s', String(stack.throughputRatio), '', '', '', '', ''],
      ]),
      '',
      table([
        ['server RSS before MiB', 'server peak RSS MiB', 'server CPU ms/request', 'load generator CPU ms/request', 'live calls held per load account at the end (median / max)', 'least available balance', 'decisions'],
        [
          String(load.server.rssBeforeMiB),
          String(load.server.peakRssMiB),
          String(load.server.cpuMsPerRequest),
          String(load.loadGeneratorCpuMsPerRequest),
          `${load.heldAtEnd.liveCallsMedian} / ${load.heldAtEnd.liveCallsMax}`,
          formatNumber(load.heldAtEnd.minAvailable, 2),
          Object.entries(load.outcomes)
            .map(([reason, count]) => `${reason} ${count}`)
            .join(', '),
        ],
      ]),
    );
  }
  if (bundles) {
    out.push(
      '',
      `Lambda bundles (${bundles.configuration})`,
      table([
        ['function', 'KiB', 'cold import ms (median)', '÷ DynamoDB client alone', 'cold import CPU ms (median)', 'largest parts (KiB)', 'loads from node_modules'],
        ['(@aws-sdk/client-dynamodb alone)', '', String(bundles.dynamoDbClientImport.median), '1', String(bundles.dynamoDbClientImport.cpuMedian), '', ''],
        ...bundles.bundles.map((bundle) => [
          bundle.function,
          String(bundle.kib),
          String(bundle.coldImportMs.median),
          bundle.coldImportRatio === undefined ? '' : `${bundle.coldImportRatio}×`,
          String(bundle.coldImportMs.cpuMedian),
          bundle.largestPackages
            .slice(0, 3)
            .map((entry) => `${entry.name} ${entry.kib}`)
            .join(', '),
          bundle.externals.join(', '),
        ]),
      ]),
    );
    const diagnostics = bundles.diagnostics;
    if (diagnostics) {
      out.push(
        '',
        'Bundle diagnostics (authorize)',
        table([
          ['variant', 'KiB', 'cold import ms (median)'],
          ['as the CDK stack deploys it (SDK bundled)', String(diagnostics.authorizeAsDeployed.kib), String(diagnostics.authorizeAsDeployed.coldImportMs.median)],
          ['imported with POWERTOOLS_TRACE_ENABLED=false (SDK external)', String(diagnostics.authorizeTracingOff.kib), String(diagnostics.authorizeTracingOff.coldImportMs.median)],
          ["what-if: import * as z from 'zod' (SDK external)", String(diagnostics.authorizeZodNamespaceImport.kib), String(diagnostics.authorizeZodNamespaceImport.coldImportMs.median)],
          ['empty module (node floor)', '', String(diagnostics.baselineMs.emptyModule)],
          ['@aws-sdk/client-dynamodb alone', '', String(diagnostics.baselineMs.sdkClientDynamoDb)],
          ['@aws-sdk/client-sesv2 alone', '', String(diagnostics.baselineMs.sdkClientSesV2)],
        ]),
      );
    }
  }
  out.push('', 'Targets', table([['target', 'figure', 'met'], ...results.targets.map((target) => [target.target, target.figure, target.met ? 'met' : 'NOT met'])]));
  return out.join('\n');
}
