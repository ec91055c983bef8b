/**
 * A tiny `npm run simulate`: a few accounts, one day, the IRSF burst, replayed through the local stack on the test
 * run's DynamoDB Local. It checks the obvious facts (the burst is stopped by automatic restriction, with far less
 * spend than without Tollgate) and that the report and the chart come out.
 */
import { describe, expect, inject, it } from 'vitest';
import { spendChart } from '../../bench/simulation/chart.js';
import { simulationReport } from '../../bench/simulation/report.js';
import { runSimulation } from '../../bench/simulation/run-simulation.js';
import { machineInfo } from '../../bench/machine.js';

describe('npm run simulate (smoke)', () => {
  it('stops an IRSF burst and writes the report and the chart', async () => {
    const result = await runSimulation({
      seed: 7,
      accounts: 4,
      days: 1,
      learningDays: 0,
      attacks: ['irsf-burst'],
      concurrency: 4,
      startDate: '2026-03-02',
      dynamoEndpoint: inject('dynamoEndpoint'),
    });

    const [burst] = result.outcomes;
    expect(burst).toMatchObject({ id: 'irsf-burst', attempts: 100, stopped: true, stoppedBy: 'DESTINATION_RESTRICTED' });
    expect(burst?.lost).toBeLessThan(burst?.withoutTollgate ?? 0);
    expect(result.flaggedAccounts).toContain('victim-irsf-burst');
    expect(result.falsePositives.ordinaryAccounts).toBe(4);
    expect(result.series.length).toBeGreaterThan(0);
    const report = simulationReport(result, { command: 'test', machine: machineInfo(), loadAverageAtEnd: [0, 0, 0], chartFile: 'simulation.svg' });
    expect(report).toContain('## Targets');
    expect(report).toContain('IRSF burst after a PBX compromise');
    const chart = spendChart(result.series, { startMs: result.startMs, days: 1, learningDays: 0, attacks: result.attacks, title: 'test' });
    expect(chart).toMatch(/^<svg[\s\S]*<\/svg>$/);
  }, 120_000);
});
