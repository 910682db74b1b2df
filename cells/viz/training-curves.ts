/**
 * Training curves: per-epoch numbers of one or more runs, training against validation, one
 * panel per quantity (loss, Dice, …), as an Observable Plot SVG. Unlike `trainingView` (one
 * run of `train`, live, with its progress bar) this takes any per-epoch history: `train`'s
 * `epochs`, a checkpoint's, or rows from elsewhere (`{ epoch, trainLoss, valLoss, valDice }`).
 */
import * as Plot from '@observablehq/plot';
import { ParameterError } from '../core/errors.ts';
import { view, type View } from './bundle.ts';
import { LABEL_PALETTE } from './colormaps.ts';
import { plotDocument } from './plot-document.ts';

/** One epoch: `epoch` and numbers. Keys `train<Q>` / `val<Q>` pair as training and validation of quantity Q. */
export type EpochRow = { readonly epoch: number } & object;

/** A history: rows, a `{ epochs }` holder (a `TrainingProgress`), or several runs by name. */
export type TrainingHistory = readonly EpochRow[] | { readonly epochs: readonly EpochRow[] } | Readonly<Record<string, readonly EpochRow[] | { readonly epochs: readonly EpochRow[] }>>;

export interface TrainingCurvesOptions {
  /** Keys to plot, e.g. ['trainLoss', 'valLoss', 'valDice']. Default: every numeric key but epoch, seconds and learningRate. */
  readonly keys?: readonly string[];
  readonly title?: string;
  /** Width of the whole figure, px (panels share it). Default 720. */
  readonly width?: number;
}

/** One point of a curve. */
export interface CurvePoint {
  readonly run: string;
  /** The quantity (panel): 'loss', 'dice', … */
  readonly quantity: string;
  /** 'train', 'validation', or the key when it has no train/val prefix. */
  readonly split: string;
  readonly epoch: number;
  readonly value: number;
}

/** What the figure draws. */
export interface TrainingCurves {
  readonly quantities: readonly string[];
  readonly points: readonly CurvePoint[];
  /** Per run and quantity, the epoch with the best validation value (lowest loss, else highest). */
  readonly best: ReadonlyArray<{ readonly run: string; readonly quantity: string; readonly epoch: number; readonly value: number }>;
}

/** Axis labels of the usual quantities. */
const QUANTITY_LABEL: Readonly<Record<string, string>> = { loss: 'loss', dice: 'Dice', iou: 'IoU', hd95Mm: 'HD95 (mm)', accuracy: 'accuracy' };

const SKIP = new Set(['epoch', 'seconds', 'learningRate', 'step']);

function runsOf(history: TrainingHistory): Array<[string, readonly EpochRow[]]> {
  const rowsOf = (h: unknown): readonly EpochRow[] | undefined =>
    Array.isArray(h) ? h as readonly EpochRow[] : h && typeof h === 'object' && Array.isArray((h as { epochs?: unknown }).epochs) ? (h as { epochs: readonly EpochRow[] }).epochs : undefined;
  const single = rowsOf(history);
  if (single) return [['', single]];
  return Object.entries(history as Readonly<Record<string, unknown>>).map(([name, h]) => {
    const rows = rowsOf(h);
    if (!rows) throw new ParameterError(`trainingCurves: run ${JSON.stringify(name)} is neither rows nor { epochs }`);
    return [name, rows];
  });
}

/** 'trainLoss' → ['loss', 'train']; 'valDice' → ['dice', 'validation']; 'iou' → ['iou', 'iou']. */
function split(key: string): [string, string] {
  const m = /^(train|val|validation)_?(.+)$/.exec(key);
  if (!m) return [key, key];
  const q = m[2]!;
  return [q.charAt(0).toLowerCase() + q.slice(1), m[1] === 'train' ? 'train' : 'validation'];
}

/**
 * The points of a history (see `trainingCurves`).
 * @throws ParameterError if there is no row with a finite `epoch` and a numeric key.
 */
export function trainingCurvePoints(history: TrainingHistory, options: Pick<TrainingCurvesOptions, 'keys'> = {}): TrainingCurves {
  const points: CurvePoint[] = [];
  for (const [run, rows] of runsOf(history)) {
    for (const row of rows) {
      const r = row as Readonly<Record<string, unknown>>;
      if (typeof r['epoch'] !== 'number' || !Number.isFinite(r['epoch'])) continue;
      const keys = options.keys ?? Object.keys(r).filter((k) => !SKIP.has(k) && typeof r[k] === 'number');
      for (const key of keys) {
        const v = r[key];
        if (typeof v !== 'number' || !Number.isFinite(v)) continue; // null: not measured that epoch
        const [quantity, s] = split(key);
        points.push({ run, quantity, split: s, epoch: r['epoch'], value: v });
      }
    }
  }
  if (points.length === 0) throw new ParameterError('trainingCurves: no epoch row with a number to plot (rows need `epoch` and numeric keys such as trainLoss, valLoss)');
  const quantities = [...new Set(points.map((p) => p.quantity))];
  const best: Array<{ run: string; quantity: string; epoch: number; value: number }> = [];
  for (const run of new Set(points.map((p) => p.run))) {
    for (const quantity of quantities) {
      const val = points.filter((p) => p.run === run && p.quantity === quantity && p.split === 'validation');
      if (val.length === 0) continue;
      const lower = /loss|error|hd|mse|mae|assd/i.test(quantity);
      const b = val.reduce((a, p) => ((lower ? p.value < a.value : p.value > a.value) ? p : a));
      best.push({ run, quantity, epoch: b.epoch, value: b.value });
    }
  }
  return { quantities, points, best };
}

/**
 * Training curves of one or several runs: one panel per quantity (loss, Dice, …), a line per
 * run and split — training solid, validation dashed, colours per run from the Okabe–Ito palette
 * (per split when there is one run) — and a ring on each run's best validation epoch
 * (lowest loss or distance, highest otherwise).
 * Keys `train<Q>` and `val<Q>` (`trainLoss`, `valLoss`, `valDice`) pair up in panel Q.
 * Bundle: `image/svg+xml` (line marks described, aria-description, as "curves": one path per run and split) and `text/plain` (the last
 * and best values).
 * @throws ParameterError if nothing is plottable, or a named run is not rows.
 */
export function trainingCurves(history: TrainingHistory, options: TrainingCurvesOptions = {}): View<TrainingCurves> {
  const curves = trainingCurvePoints(history, options);
  return view(curves, () => {
    const width = options.width ?? 720;
    const { quantities, points, best } = curves;
    const runs = [...new Set(points.map((p) => p.run))];
    const colourBy = runs.length > 1 ? 'run' : 'split';
    const domain = [...new Set(points.map((p) => (colourBy === 'run' ? p.run : p.split)))];
    const panelWidth = Math.floor(width / quantities.length);
    const height = 240, top = options.title ? 26 : 0;
    const panels = quantities.map((q, i) => {
      const rows = points.filter((p) => p.quantity === q);
      const b = best.filter((p) => p.quantity === q);
      const svg = Plot.plot({
        document: plotDocument(),
        width: panelWidth, height, marginLeft: 52, marginRight: 12,
        style: { background: 'white' },
        ariaLabel: `${q} per epoch`,
        x: { label: 'epoch', grid: true },
        y: { label: QUANTITY_LABEL[q] ?? q, grid: true },
        color: { type: 'categorical', domain, range: LABEL_PALETTE.slice() },
        marks: [
          // Training solid, validation dashed (a dash pattern is one per mark in Plot, so two marks).
          ...(['train', 'validation', 'other'] as const).map((kind) => Plot.line(
            rows.filter((p) => (kind === 'other' ? p.split !== 'train' && p.split !== 'validation' : p.split === kind)),
            { x: 'epoch', y: 'value', z: (p: CurvePoint) => `${p.run}/${p.split}`, stroke: colourBy, strokeWidth: 2, ariaDescription: 'curves', ...(kind === 'validation' ? { strokeDasharray: '5,3' } : {}) },
          )),
          Plot.dot(rows, { x: 'epoch', y: 'value', fill: colourBy, r: 2.5 }),
          Plot.dot(b, { x: 'epoch', y: 'value', stroke: '#000', r: 6, ariaDescription: 'best' }),
        ],
      }) as unknown as Element;
      return { element: svg, x: i * panelWidth };
    });
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const swatches = domain.map((d, i) => `<g transform="translate(${10 + 150 * i},${top + 6})"><rect width="12" height="12" fill="${LABEL_PALETTE[i % LABEL_PALETTE.length]}"/><text x="16" y="10">${esc(d || 'run')}</text></g>`).join('');
    // Several runs are told apart by colour, so the split needs its own key: solid and dashed.
    const dashes = colourBy === 'run'
      ? `<g transform="translate(${10 + 150 * domain.length},${top + 12})" stroke="#333" stroke-width="2"><line x2="24"/><text x="28" y="4" stroke="none">train</text><line x1="80" x2="104" stroke-dasharray="5,3"/><text x="108" y="4" stroke="none">validation</text></g>`
      : '';
    const legend = swatches + dashes;
    const legendHeight = 24;
    const body = panels.map(({ element, x }) => {
      element.setAttribute('x', String(x));
      element.setAttribute('y', String(top + legendHeight));
      return element.outerHTML;
    }).join('');
    const total = top + legendHeight + height;
    const last = runs.map((run) => {
      const r = points.filter((p) => p.run === run);
      const lastEpoch = Math.max(...r.map((p) => p.epoch));
      const at = r.filter((p) => p.epoch === lastEpoch).map((p) => `${p.split === p.quantity ? p.quantity : `${p.split} ${p.quantity}`} ${+p.value.toPrecision(4)}`);
      const bs = best.filter((b) => b.run === run).map((b) => `best validation ${b.quantity} ${+b.value.toPrecision(4)} at epoch ${b.epoch}`);
      return `${run ? `${run}: ` : ''}epoch ${lastEpoch}: ${at.join(', ')}${bs.length ? `; ${bs.join('; ')}` : ''}`;
    });
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" font-family="system-ui, sans-serif" font-size="12">`
      + `<rect width="${width}" height="${total}" fill="white"/>`
      + (options.title ? `<text x="10" y="17" font-weight="bold">${esc(options.title)}</text>` : '')
      + legend + body + '</svg>';
    return { data: { 'image/svg+xml': svg, 'text/plain': `training curves (${quantities.join(', ')})\n${last.join('\n')}` } };
  });
}
