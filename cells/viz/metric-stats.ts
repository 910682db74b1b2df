/**
 * Metrics over many cases, summarised per group (a method, a label, or both): bars of the mean
 * with error bars, and box plots. Rows are those of `metricsTable` (`compareMasks`,
 * `compareLabelMaps` rows, one per case and label, with `method` set by the caller).
 */
import * as Plot from '@observablehq/plot';
import { ParameterError } from '../core/errors.ts';
import { percentileInPlace } from '../metrics/percentile.ts';
import { view, type View } from './bundle.ts';
import { LABEL_PALETTE } from './colormaps.ts';
import { metricLabel, metricsRows, type MetricsInput, type MetricsRow } from './metrics.ts';
import { plotDocument } from './plot-document.ts';

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (standard tables). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom: the table above for df ≤ 30,
 * else the Cornish–Fisher expansion about z = 1.959964 (Abramowitz & Stegun 26.7.5), within
 * 0.001 of the exact value there.
 */
export function studentT975(df: number): number {
  if (!(df >= 1) || !Number.isInteger(df)) throw new ParameterError(`degrees of freedom must be an integer ≥ 1, got ${df}`);
  if (df <= 30) return T975[df - 1]!;
  const z = 1.959963984540054, z3 = z ** 3, z5 = z ** 5, z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/** Summary statistics of one group's finite values. */
export interface GroupStats {
  /** The group's name: its identity fields joined by " · ". */
  readonly key: string;
  /** The value of the colour field (the method), '' when there is none. */
  readonly series: string;
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  readonly sd: number;
  /** The error bar: mean ± SD, or the 95% confidence interval of the mean (Student's t). */
  readonly lo: number;
  readonly hi: number;
  readonly min: number;
  /** Quartiles, numpy's default linear percentiles. */
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
  /** Tukey's whiskers: the furthest values within 1.5 IQR of the box. */
  readonly whiskerLo: number;
  readonly whiskerHi: number;
  /** Values beyond the whiskers. */
  readonly outliers: readonly number[];
  /** Rows of the group whose value was not finite (e.g. HD95 = ∞ of a missed structure). */
  readonly nonFinite: number;
}

export interface MetricStatsOptions {
  /** The metric key, e.g. 'dice', 'hd95Mm'. */
  readonly metric: string;
  /**
   * Fields whose values name a group. Default: those of `method`, `name` (else `label`) that
   * the rows have.
   */
  readonly by?: readonly string[];
  /** Error bars: 'sd' (mean ± standard deviation, the default) or 'ci95' (95% CI of the mean). */
  readonly interval?: 'sd' | 'ci95';
  readonly title?: string;
}

/** What the figures summarise: one entry per group, in order of first appearance. */
export interface MetricStats {
  readonly metric: string;
  readonly interval: 'sd' | 'ci95';
  readonly groups: readonly GroupStats[];
}

function groupFields(rows: readonly MetricsRow[], by: readonly string[] | undefined): string[] {
  if (by) return [...by];
  const has = (k: string) => rows.some((r) => r[k] !== undefined);
  return ['method', has('name') ? 'name' : 'label'].filter(has);
}

/**
 * Groups metric rows and summarises each group's values of `metric`: n, mean, SD, the error
 * bar (mean ± SD or the 95% CI of the mean, mean ± t₀.₉₇₅(n−1)·SD/√n), quartiles (numpy's
 * linear percentiles), Tukey's whiskers and outliers. Non-finite values are counted, not used.
 * @throws ParameterError if there are no rows, no row has the metric as a finite number, or
 *   `interval` is unknown.
 */
export function metricStats(rows: MetricsInput, options: MetricStatsOptions): MetricStats {
  const list = metricsRows(rows);
  const metric = options?.metric;
  const interval = options.interval ?? 'sd';
  if (interval !== 'sd' && interval !== 'ci95') throw new ParameterError(`interval must be 'sd' or 'ci95', got ${JSON.stringify(interval)}`);
  if (list.length === 0) throw new ParameterError('metricStats: no rows');
  if (typeof metric !== 'string' || !list.some((r) => typeof r[metric] === 'number' && Number.isFinite(r[metric]))) {
    throw new ParameterError(`metricStats: no row has a finite number for metric ${JSON.stringify(metric)}`);
  }
  const fields = groupFields(list, options.by);
  const colourField = fields.includes('method') && fields.length > 1 ? 'method' : undefined;
  const groups = new Map<string, { series: string; values: number[]; nonFinite: number }>();
  for (const r of list) {
    const key = fields.map((f) => (f === 'label' && r[f] !== undefined ? `label ${String(r[f])}` : String(r[f] ?? '–'))).join(' · ') || 'all';
    let g = groups.get(key);
    if (!g) groups.set(key, g = { series: colourField ? String(r[colourField] ?? '') : '', values: [], nonFinite: 0 });
    const v = r[metric];
    if (typeof v === 'number' && Number.isFinite(v)) g.values.push(v);
    else g.nonFinite++;
  }
  const out: GroupStats[] = [];
  for (const [key, g] of groups) {
    const n = g.values.length;
    if (n === 0) {
      out.push({ key, series: g.series, n, mean: NaN, sd: NaN, lo: NaN, hi: NaN, min: NaN, q1: NaN, median: NaN, q3: NaN, max: NaN, whiskerLo: NaN, whiskerHi: NaN, outliers: [], nonFinite: g.nonFinite });
      continue;
    }
    const mean = g.values.reduce((s, v) => s + v, 0) / n;
    const sd = n > 1 ? Math.sqrt(g.values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
    const half = interval === 'sd' ? sd : n > 1 ? studentT975(n - 1) * sd / Math.sqrt(n) : 0;
    const q = (p: number) => percentileInPlace(Float64Array.from(g.values), p);
    const q1 = q(25), median = q(50), q3 = q(75);
    const fenceLo = q1 - 1.5 * (q3 - q1), fenceHi = q3 + 1.5 * (q3 - q1);
    const inside = g.values.filter((v) => v >= fenceLo && v <= fenceHi);
    out.push({
      key, series: g.series, n, mean, sd, lo: mean - half, hi: mean + half,
      min: Math.min(...g.values), q1, median, q3, max: Math.max(...g.values),
      whiskerLo: Math.min(...inside), whiskerHi: Math.max(...inside),
      outliers: g.values.filter((v) => v < fenceLo || v > fenceHi), nonFinite: g.nonFinite,
    });
  }
  return { metric, interval, groups: out };
}

const fmt = (x: number) => (Number.isFinite(x) ? String(+x.toPrecision(4)) : '–');

function colour(stats: MetricStats): Plot.ScaleOptions {
  const series = [...new Set(stats.groups.map((g) => g.series))];
  return { type: 'categorical', domain: series, range: LABEL_PALETTE.slice() };
}

function svgOf(plot: Element): string {
  plot.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return plot.outerHTML;
}

/**
 * Bars of each group's mean of `metric`, with error bars (mean ± SD by default, or the 95%
 * confidence interval of the mean with `interval: 'ci95'`), as an Observable Plot SVG; bars
 * coloured by method (Okabe–Ito) when groups combine a method and a label. Groups without a
 * finite value are listed in the text, not drawn.
 * Bundle: `image/svg+xml` (marks described, aria-description, as "mean", "error bar", "error bar cap") and
 * `text/plain` (one line per group: mean ± half-width, n).
 * @throws ParameterError as `metricStats`.
 */
export function metricErrorBars(rows: MetricsInput, options: MetricStatsOptions): View<MetricStats> {
  const stats = metricStats(rows, options);
  return view(stats, () => {
    const drawn = stats.groups.filter((g) => g.n > 0);
    const label = metricLabel(stats.metric);
    const what = stats.interval === 'sd' ? 'mean ± SD' : 'mean, 95% CI';
    const text = [`${label} (${what}):`, ...stats.groups.map((g) => `  ${g.key}: ${fmt(g.mean)} ± ${fmt(g.hi - g.mean)} (n = ${g.n}${g.nonFinite ? `, ${g.nonFinite} not finite` : ''})`)].join('\n');
    const plot = Plot.plot({
      document: plotDocument(),
      width: 680,
      height: 50 + 28 * Math.max(1, drawn.length),
      marginLeft: 170,
      marginRight: 70,
      style: { background: 'white' },
      ariaLabel: `${label}, ${what}, ${drawn.length} groups`,
      ...(options.title ? { title: options.title } : {}),
      x: { label: `${label} (${what})`, grid: true },
      y: { label: null, domain: drawn.map((g) => g.key) },
      color: colour(stats),
      marks: [
        Plot.barX(drawn, { x: 'mean', y: 'key', fill: (g: GroupStats) => g.series, fillOpacity: 0.85, ariaDescription: 'mean' }),
        Plot.ruleY(drawn, { y: 'key', x1: 'lo', x2: 'hi', stroke: '#000', strokeWidth: 1.5, ariaDescription: 'error bar' }),
        Plot.tickX(drawn.flatMap((g) => [{ key: g.key, x: g.lo }, { key: g.key, x: g.hi }]), { x: 'x', y: 'key', stroke: '#000', insetTop: 8, insetBottom: 8, ariaDescription: 'error bar cap' }),
        Plot.text(drawn, { x: 'hi', y: 'key', text: (g: GroupStats) => `${fmt(g.mean)} (n=${g.n})`, dx: 6, textAnchor: 'start' }),
        Plot.ruleX([0]),
      ],
    }) as unknown as Element;
    return { data: { 'image/svg+xml': svgOf(plot), 'text/plain': text } };
  });
}

/**
 * Box plots of `metric` per group (e.g. Dice per label over the cases, per method): box from
 * the first to the third quartile, median line, Tukey whiskers (1.5 IQR) and outlier dots, as
 * an Observable Plot SVG; boxes coloured by method (Okabe–Ito) when groups combine one with a
 * label. Groups without a finite value are listed in the text, not drawn.
 * Bundle: `image/svg+xml` (marks described, aria-description, as "box", "median", "whisker", "outlier") and `text/plain`
 * (median [q1, q3] and n per group).
 * @throws ParameterError as `metricStats`.
 */
export function metricBoxPlot(rows: MetricsInput, options: MetricStatsOptions): View<MetricStats> {
  const stats = metricStats(rows, options);
  return view(stats, () => {
    const drawn = stats.groups.filter((g) => g.n > 0);
    const label = metricLabel(stats.metric);
    const outliers = drawn.flatMap((g) => g.outliers.map((v) => ({ key: g.key, v })));
    const text = [`${label} (median [Q1, Q3]):`, ...stats.groups.map((g) => `  ${g.key}: ${fmt(g.median)} [${fmt(g.q1)}, ${fmt(g.q3)}] (n = ${g.n}${g.outliers.length ? `, ${g.outliers.length} outliers` : ''}${g.nonFinite ? `, ${g.nonFinite} not finite` : ''})`)].join('\n');
    const plot = Plot.plot({
      document: plotDocument(),
      width: 680,
      height: 50 + 30 * Math.max(1, drawn.length),
      marginLeft: 170,
      marginRight: 30,
      style: { background: 'white' },
      ariaLabel: `box plot of ${label}, ${drawn.length} groups`,
      ...(options.title ? { title: options.title } : {}),
      x: { label, grid: true },
      y: { label: null, domain: drawn.map((g) => g.key) },
      color: colour(stats),
      marks: [
        Plot.ruleY(drawn, { y: 'key', x1: 'whiskerLo', x2: 'whiskerHi', stroke: '#333', ariaDescription: 'whisker' }),
        Plot.barX(drawn, { y: 'key', x1: 'q1', x2: 'q3', fill: (g: GroupStats) => g.series, fillOpacity: 0.8, stroke: '#333', insetTop: 4, insetBottom: 4, ariaDescription: 'box' }),
        Plot.tickX(drawn, { y: 'key', x: 'median', stroke: '#000', strokeWidth: 2, insetTop: 4, insetBottom: 4, ariaDescription: 'median' }),
        Plot.dot(outliers, { y: 'key', x: 'v', r: 2.5, stroke: '#333', fill: 'white', ariaDescription: 'outlier' }),
      ],
    }) as unknown as Element;
    return { data: { 'image/svg+xml': svgOf(plot), 'text/plain': text } };
  });
}
