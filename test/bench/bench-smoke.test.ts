/**
 * A tiny `npm run bench` so the command cannot rot: every section runs on the test run's DynamoDB Local and the
 * results have the shape bench/results.json promises. Figures are not asserted: benchmarks print, they do not judge.
 */
import { describe, expect, inject, it } from 'vitest';
import { renderBenchResults } from '../../bench/bench-report.js';
import { runBench } from '../../bench/run-bench.js';

describe('npm run bench (smoke)', () => {
  it('measures the engine, the stack and a bundle, and sets each figure against its target', async () => {
    const results = await runBench({
      sections: ['engine', 'stack', 'bundles'],
      engineSeconds: 0.2,
      engineLatencySamples: 2_000,
      dynamoEndpoint: inject('dynamoEndpoint'),
      latencyRounds: 5,
      countSamples: 2,
      loadSeconds: 1,
      loadConnections: 2,
      accounts: 3,
      functions: ['authorize'],
      coldRuns: 1,
      bundleDiagnostics: false,
    });

    expect(results.engine?.decisionsPerSecond).toBeGreaterThan(0);
    expect(Object.keys(results.engine?.mix ?? {})).toEqual(expect.arrayContaining(['ALLOWED', 'RATE_ABOVE_MAX', 'HIGH_RISK_DESTINATION']));
    expect(results.stack?.latency.authorize.samples).toBe(5);
    expect(results.stack?.latency.getItem.samples).toBe(5);
    const scenarios = results.stack?.requestsPerAuthorize ?? [];
    expect(scenarios.filter((scenario) => scenario.common).length).toBeGreaterThanOrEqual(5);
    expect(scenarios.map((scenario) => scenario.scenario)).toEqual(expect.arrayContaining([expect.stringMatching(/^cold process/), expect.stringMatching(/limit denial/)]));
    for (const scenario of scenarios) {
      expect(scenario.requests).toBeGreaterThan(0);
      expect(scenario.sequentialSteps).toBeGreaterThanOrEqual(1);
    }
    expect(results.stack?.rawWrites.writes).toBeGreaterThan(0);
    expect(results.stack?.rawWrites.errors).toBe(0);
    expect(results.stack?.throughputRatio).toBeGreaterThan(0);
    expect(results.stack?.load.requests).toBeGreaterThan(0);
    expect(results.stack?.load.errors).toBe(0);
    expect(results.stack?.load.non2xx).toBe(0);
    expect(results.stack?.load.server.peakRssMiB).toBeGreaterThan(0);
    expect(results.bundles?.bundles.map((bundle) => bundle.function)).toEqual(['authorize']);
    expect(results.bundles?.bundles[0]?.bytes).toBeGreaterThan(0);
    expect(results.bundles?.bundles[0]?.coldImportMs.runs).toHaveLength(1);
    expect(results.bundles?.dynamoDbClientImport.runs).toHaveLength(2); // before and after the bundles
    expect(results.bundles?.bundles[0]?.coldImportRatio).toBeGreaterThan(0);
    expect(results.bundles?.bundles[0]?.externals).not.toContain('@aws-sdk/client-sesv2');
    expect(results.targets.map((target) => target.target)).toHaveLength(7);
    expect(renderBenchResults(results)).toContain('Targets');
  }, 120_000);
});
