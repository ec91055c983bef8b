/** Small statistics and formatting helpers shared by the benchmark and the simulator. */

/** The q-quantile (0..1) of samples by the nearest-rank method; NaN for no samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
}

export function summarize(samplesMs: readonly number[]): LatencySummary {
  const mean = samplesMs.reduce((sum, value) => sum + value, 0) / Math.max(1, samplesMs.length);
  return {
    samples: samplesMs.length,
    p50Ms: round(quantile(samplesMs, 0.5), 3),
    p99Ms: round(quantile(samplesMs, 0.99), 3),
    meanMs: round(mean, 3),
    maxMs: round(samplesMs.reduce((max, value) => Math.max(max, value), 0), 3),
  };
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A plain-text table: the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  const line = (row: readonly string[]) => row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  const [header, ...body] = rows;
  if (!header) return '';
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatDollars(value: number): string {
  return `$${formatNumber(value, 2)}`;
}
