/**
 * Views of metric rows (from `compareMasks`, `compareLabelMaps`, `compareImages`) to put
 * methods side by side: a table and an Observable Plot bar chart.
 */
import * as Plot from '@observablehq/plot';
import { plotDocument } from './plot-document.ts';
import { ParameterError } from '../core/errors.ts';
import { view, type View } from './bundle.ts';
import { table, type Table, type TableCell } from './table.ts';

/** One row: identity fields (strings: method, name; label) and metric numbers. */
export type MetricsRow = Readonly<Record<string, unknown>>;

/**
 * Rows, or a record of rows keyed by method (`{ unet: {...}, baseline: {...} }`). Any object
 * is accepted (interfaces such as `MaskComparison` have no index signature); its own
 * enumerable fields are read.
 */
export type MetricsInput = readonly object[] | Readonly<Record<string, object>>;

/** Metric columns in display order, with their headings. */
const METRICS: ReadonlyArray<readonly [string, string]> = [
  ['dice', 'Dice'], ['iou', 'IoU'], ['sensitivity', 'sensitivity'], ['precision', 'precision'],
  ['volumeDiffPercent', 'volume Δ %'], ['hdMm', 'HD mm'], ['hd95Mm', 'HD95 mm'], ['assdMm', 'ASSD mm'],
  ['surfaceDice', 'surface Dice'], ['mse', 'MSE'], ['mae', 'MAE'], ['psnrDb', 'PSNR dB'], ['ssim', 'SSIM'],
];
/** Identity columns, in display order. */
const IDENTITY = ['method', 'label', 'name'] as const;

/** The rows of a `MetricsInput` as plain records (a record keyed by method gets a `method` field). */
export function metricsRows(input: MetricsInput): MetricsRow[] {
  if (Array.isArray(input)) return (input as readonly object[]).map((row) => ({ ...row }) as MetricsRow);
  return Object.entries(input as Readonly<Record<string, object>>).map(([method, row]) => ({ method, ...row }) as MetricsRow);
}

/** The heading of a metric key ('hd95Mm' → 'HD95 mm'); the key itself when unknown. */
export function metricLabel(key: string): string {
  return new Map(METRICS).get(key) ?? key;
}

function cell(x: unknown): TableCell {
  if (typeof x === 'number') {
    if (x === Infinity) return '∞';
    if (x === -Infinity) return '−∞';
    return Number.isInteger(x) ? x : +x.toPrecision(4);
  }
  return typeof x === 'string' || typeof x === 'boolean' ? x : x === null || x === undefined ? null : String(x);
}

export interface MetricsTableOptions {
  /** Metric keys to show, in order. Default: the known metrics present in any row. */
  readonly metrics?: readonly string[];
  readonly caption?: string;
}

/**
 * A table of metric rows (rows, or a record keyed by method): identity columns (method,
 * label, name — those present) then the metric columns, numbers to 4 significant digits,
 * Infinity as ∞. Bundle as `table` (vnd.voxbook.table+json, Markdown, text).
 * @throws ParameterError if there are no rows.
 */
export function metricsTable(rows: MetricsInput, options: MetricsTableOptions = {}): View<Table> {
  const list = metricsRows(rows);
  if (list.length === 0) throw new ParameterError('metricsTable: no rows to show');
  const ids = IDENTITY.filter((k) => list.some((r) => r[k] !== undefined));
  const keys = options.metrics ?? METRICS.map(([k]) => k).filter((k) => list.some((r) => typeof r[k] === 'number'));
  const heading = new Map(METRICS);
  return table({
    columns: [...ids, ...keys.map((k) => heading.get(k) ?? k)],
    rows: list.map((r) => [...ids, ...keys].map((k) => cell(r[k]))),
  }, options.caption);
}


export interface MetricsChartOptions {
  /** The metric key to plot, e.g. 'dice', 'hd95Mm'. */
  readonly metric: string;
  readonly title?: string;
}

/** The chart's data: one bar per row. */
export interface MetricsChartData {
  readonly metric: string;
  readonly bars: ReadonlyArray<{ readonly key: string; readonly method: string; readonly value: number }>;
  /** Rows whose value is not a finite number (e.g. HD of an empty mask), left out of the bars. */
  readonly omitted: readonly string[];
}

/**
 * A horizontal bar chart of one metric across rows (methods, labels, or both), as an
 * Observable Plot SVG; bars coloured by method. Rows whose value is not finite (Infinity
 * for a missing structure) are listed under the chart instead of drawn.
 * Bundle: `image/svg+xml` plus a `text/plain` summary.
 * @throws ParameterError if there are no rows or no row has the metric as a number.
 */
export function metricsChart(rows: MetricsInput, options: MetricsChartOptions): View<MetricsChartData> {
  const list = metricsRows(rows);
  const metric = options?.metric;
  if (list.length === 0) throw new ParameterError('metricsChart: no rows to plot');
  if (typeof metric !== 'string' || !list.some((r) => typeof r[metric] === 'number')) {
    throw new ParameterError(`metricsChart: no row has a number for metric ${JSON.stringify(metric)}; known metrics: ${METRICS.map(([k]) => k).join(', ')}`);
  }
  const bars: Array<{ key: string; method: string; value: number }> = [];
  const omitted: string[] = [];
  list.forEach((r, i) => {
    const key = [r.method, r.name ?? (r.label !== undefined ? `label ${r.label}` : undefined)].filter((x) => x !== undefined).join(' · ') || `row ${i + 1}`;
    const v = r[metric];
    if (typeof v === 'number' && Number.isFinite(v)) bars.push({ key, method: String(r.method ?? ''), value: v });
    else omitted.push(`${key}: ${typeof v === 'number' ? cell(v) : 'missing'}`);
  });
  const data: MetricsChartData = { metric, bars, omitted };
  const label = new Map(METRICS).get(metric) ?? metric;
  return view(data, () => {
    const svg = Plot.plot({
      document: plotDocument(),
      width: 680,
      height: 40 + 28 * Math.max(1, bars.length),
      marginLeft: 160,
      marginRight: 60,
      style: { background: 'white' },
      ...(options.title ? { title: options.title } : {}),
      x: { label, grid: true },
      y: { label: null, domain: bars.map((b) => b.key) },
      color: { type: 'categorical' },
      marks: [
        Plot.barX(bars, { x: 'value', y: 'key', fill: (d: { method: string }) => d.method || 'value' }),
        Plot.text(bars, { x: 'value', y: 'key', text: (d: { value: number }) => String(+d.value.toPrecision(4)), dx: 4, textAnchor: 'start' }),
        Plot.ruleX([0]),
      ],
    }) as unknown as Element;
    svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    const text = [`${label}:`, ...bars.map((b) => `  ${b.key}: ${+b.value.toPrecision(4)}`), ...omitted.map((o) => `  ${o} (not drawn)`)].join('\n');
    return { data: { 'image/svg+xml': svg.outerHTML, 'text/plain': text } };
  });
}
