/**
 * The cumulative fraud spend chart, as hand-written SVG: the top panel compares spend without and with Tollgate on
 * one scale, the bottom panel shows the spend with Tollgate on its own scale (it is flat on the top one). Given the
 * baseline run's series (`before`), both panels add the spend with Tollgate before issue 16.
 */
import { DAY_MS } from './carrier.js';
import type { AttackInfo } from './model.js';
import type { SpendPoint } from './analysis.js';

const WIDTH = 900;
const PANEL_HEIGHT = 230;
const MARGIN = { left: 80, right: 24, top: 64, gap: 64, bottom: 150 };
const COLORS = { without: '#c0392b', with: '#1e8449', before: '#d68910', grid: '#e5e5e5', axis: '#555', marker: '#7f8c8d' };
type Line = 'with' | 'without' | 'before';

export interface ChartOptions {
  readonly startMs: number;
  readonly days: number;
  readonly learningDays: number;
  readonly attacks: readonly AttackInfo[];
  readonly title: string;
  /** The baseline run's spend with Tollgate (issue-16 detections off), drawn beside this run's. */
  readonly before?: readonly SpendPoint[];
}

export function spendChart(series: readonly SpendPoint[], options: ChartOptions): string {
  const endMs = options.startMs + options.days * DAY_MS;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const height = MARGIN.top + 2 * PANEL_HEIGHT + MARGIN.gap + MARGIN.bottom;
  const x = (ms: number) => MARGIN.left + ((Math.min(Math.max(ms, options.startMs), endMs) - options.startMs) / (endMs - options.startMs)) * plotWidth;
  const last = series[series.length - 1];
  const lastBefore = options.before?.[options.before.length - 1];
  const maxWithout = niceMax(Math.max(last?.withoutTollgate ?? 1, lastBefore?.withoutTollgate ?? 0));
  const maxWith = niceMax(Math.max(last?.withTollgate ?? 1, lastBefore?.withTollgate ?? 0));
  const withLines: Line[] = options.before ? ['before', 'with'] : ['with'];
  const topPanel = MARGIN.top;
  const bottomPanel = MARGIN.top + PANEL_HEIGHT + MARGIN.gap;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="16" font-weight="bold">${escape(options.title)}</text>`,
    panel(series, { top: topPanel, max: maxWithout, x, options, title: 'Cumulative fraud spend, without and with Tollgate', lines: ['without', ...withLines] }),
    panel(series, { top: bottomPanel, max: maxWith, x, options, title: options.before ? 'With Tollgate, before and after issue 16 (own scale)' : 'With Tollgate only (own scale)', lines: withLines }),
  ];
  // Legend and attack markers.
  const legendY = bottomPanel + PANEL_HEIGHT + 40;
  parts.push(
    `<line x1="${MARGIN.left}" y1="${legendY}" x2="${MARGIN.left + 24}" y2="${legendY}" stroke="${COLORS.without}" stroke-width="2.5"/>`,
    `<text x="${MARGIN.left + 30}" y="${legendY + 4}">without Tollgate (every attempt put through, priced at the deck rate)</text>`,
    `<line x1="${MARGIN.left}" y1="${legendY + 20}" x2="${MARGIN.left + 24}" y2="${legendY + 20}" stroke="${COLORS.with}" stroke-width="2.5"/>`,
    `<text x="${MARGIN.left + 30}" y="${legendY + 24}">with Tollgate (charged spend of the fraud calls it allowed)</text>`,
  );
  if (options.before) {
    parts.push(
      `<line x1="${MARGIN.left + 420}" y1="${legendY + 20}" x2="${MARGIN.left + 444}" y2="${legendY + 20}" stroke="${COLORS.before}" stroke-width="2.5" stroke-dasharray="6,3"/>`,
      `<text x="${MARGIN.left + 450}" y="${legendY + 24}">with Tollgate before issue 16 (baseline run)</text>`,
    );
  }
  options.attacks.forEach((attack, index) => {
    const column = index % 2;
    const row = Math.floor(index / 2);
    parts.push(
      `<text x="${MARGIN.left + column * 400}" y="${legendY + 50 + row * 16}" fill="${COLORS.marker}" font-size="11">${letter(index)}  ${escape(attack.title)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function panel(
  series: readonly SpendPoint[],
  settings: { top: number; max: number; x: (ms: number) => number; options: ChartOptions; title: string; lines: readonly Line[] },
): string {
  const { top, max, x, options } = settings;
  const bottom = top + PANEL_HEIGHT;
  const y = (value: number) => bottom - (value / max) * PANEL_HEIGHT;
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const out: string[] = [`<text x="${left}" y="${top - 10}" font-weight="bold">${escape(settings.title)}</text>`];
  if (options.learningDays > 0) {
    const learningEnd = x(options.startMs + options.learningDays * DAY_MS);
    out.push(`<rect x="${left}" y="${top}" width="${learningEnd - left}" height="${PANEL_HEIGHT}" fill="#f4f6f7"/>`);
    out.push(`<text x="${left + 6}" y="${top + 16}" fill="${COLORS.marker}" font-size="11">learning (ordinary traffic only)</text>`);
  }
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (max * tick) / 4;
    out.push(`<line x1="${left}" y1="${y(value)}" x2="${right}" y2="${y(value)}" stroke="${COLORS.grid}"/>`);
    out.push(`<text x="${left - 8}" y="${y(value) + 4}" text-anchor="end">${escape(formatDollars(value))}</text>`);
  }
  for (let day = 0; day <= options.days; day += 1) {
    const dayX = x(options.startMs + day * DAY_MS);
    out.push(`<line x1="${dayX}" y1="${top}" x2="${dayX}" y2="${bottom}" stroke="${COLORS.grid}"/>`);
    if (day < options.days) out.push(`<text x="${dayX + 4}" y="${bottom + 16}" fill="${COLORS.axis}">day ${day + 1}</text>`);
  }
  options.attacks.forEach((attack, index) => {
    const markerX = x(attack.startsAt);
    out.push(`<line x1="${markerX}" y1="${top}" x2="${markerX}" y2="${bottom}" stroke="${COLORS.marker}" stroke-dasharray="3,3"/>`);
    out.push(`<text x="${markerX + 3}" y="${top + 30 + (index % 3) * 13}" fill="${COLORS.marker}" font-size="11">${letter(index)}</text>`);
  });
  out.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="${COLORS.axis}"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="${COLORS.axis}"/>`);
  for (const line of settings.lines) {
    const value = (point: SpendPoint) => (line === 'without' ? point.withoutTollgate : point.withTollgate);
    const points = line === 'before' ? (options.before ?? []) : series;
    let path = `M${x(options.startMs).toFixed(1)},${y(0).toFixed(1)}`;
    let previous = 0;
    for (const point of points) {
      const current = value(point);
      if (current === previous) continue;
      path += ` H${x(point.at).toFixed(1)} V${y(current).toFixed(1)}`;
      previous = current;
    }
    path += ` H${x(options.startMs + options.days * DAY_MS).toFixed(1)}`;
    const color = COLORS[line];
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2.5"${line === 'before' ? ' stroke-dasharray="6,3"' : ''}/>`);
    // The baseline's end figure sits below its line, this run's above: they stay apart when the two end close together.
    out.push(`<text x="${right - 4}" y="${y(previous) + (line === 'before' ? 16 : -6)}" text-anchor="end" fill="${color}" font-weight="bold">${escape(formatDollars(previous))}</text>`);
  }
  return out.join('\n');
}

/** A round axis maximum at or above value: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function letter(index: number): string {
  return String.fromCharCode(65 + index);
}

function formatDollars(value: number): string {
  return `$${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 0 })}`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
