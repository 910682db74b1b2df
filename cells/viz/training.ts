/**
 * The training view: loss per step and validation Dice per epoch (Observable Plot, SVG) under
 * a progress bar, for a run in progress or finished (`TrainingProgress` from cells/learn/train.ts).
 *
 * Live display. A cell shows the monitor once and passes `monitor.update` to `train`:
 *
 * ```ts
 * const monitor = trainingMonitor();
 * display(monitor);
 * const result = await train(model, data, { epochs, onUpdate: monitor.update });
 * ```
 *
 * Every time the monitor is rendered it draws the run as it is then. For the picture to move
 * while the cell runs, the kernel has to re-render it: the monitor implements the (proposed)
 * live-view protocol — a method under `Symbol.for('voxbook.subscribe')` taking a listener and
 * returning an unsubscribe function; the listener is called (at most every `minIntervalMs`,
 * and at every epoch end and at the end) when the view has changed. A kernel that knows the
 * protocol subscribes when `display` receives such a view, re-calls its MIME method on each
 * notification and sends the new bundle in place of the old output; one that does not shows
 * the state at display time (and, as the trailing value of the cell, the final state).
 */
import * as Plot from '@observablehq/plot';
import { plotDocument } from './plot-document.ts';
import type { TrainingProgress } from '../learn/train.ts';
import { MIME_METHOD, type MimeBundle, type View } from './bundle.ts';

/** The key of the live-view protocol's subscribe method (see the module comment). */
export const SUBSCRIBE_METHOD: unique symbol = Symbol.for('voxbook.subscribe') as never;

/** A view whose bundle changes over time and says so. */
export interface LiveView<T = unknown> extends View<T> {
  /** Calls `listener` whenever a new render would differ; returns the unsubscribe function. */
  [SUBSCRIBE_METHOD](listener: () => void): () => void;
}


/** Options of {@link trainingView} and {@link trainingMonitor}. */
export interface TrainingViewOptions {
  /** Heading of the picture. Default 'training'. */
  readonly title?: string;
  /** Width of the whole picture, px. Default 720. */
  readonly width?: number;
}

const PANEL_HEIGHT = 220;
const HEADER = 46;

function fmt(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/** One line of text describing the run (also the text/plain of the view). */
export function trainingSummary(p: TrainingProgress | null): string {
  if (!p) return 'training: waiting for the first step';
  const pct = p.stepsPlanned > 0 ? Math.round((100 * p.stepsDone) / p.stepsPlanned) : 0;
  const last = p.epochs.at(-1);
  const status = p.status === 'running' ? 'running' : p.status === 'early-stopping' ? 'stopped early' : p.status === 'aborted' ? 'stopped' : 'done';
  const parts = [
    `epoch ${p.epochsDone}/${p.epochsPlanned}`,
    `step ${p.stepsDone}/${p.stepsPlanned} (${pct}%)`,
    `${p.seconds.toFixed(1)} s`,
    last ? `loss ${fmt(last.trainLoss)}` : p.batches.length ? `loss ${fmt(p.batches.at(-1)!.loss)}` : '',
    last?.valDice != null ? `val Dice ${fmt(last.valDice)}` : '',
    p.bestEpoch !== null ? `best epoch ${p.bestEpoch}${p.bestValDice !== null ? ` (Dice ${fmt(p.bestValDice)})` : ''}` : '',
    `${status} on ${p.backend}`,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** The SVG text of the run (see the module comment). */
export function trainingSvg(p: TrainingProgress | null, options: TrainingViewOptions = {}): string {
  const width = options.width ?? 720;
  const half = Math.floor(width / 2);
  const doc = plotDocument();
  const stepsPerEpoch = p && p.epochsPlanned > 0 ? p.stepsPlanned / p.epochsPlanned : 1;
  const batches = p?.batches ?? [];
  const epochs = p?.epochs ?? [];
  const lossRows = [
    ...epochs.map((e) => ({ step: e.epoch * stepsPerEpoch, loss: e.trainLoss, series: 'train (epoch mean)' })),
    ...epochs.filter((e) => e.valLoss !== null).map((e) => ({ step: e.epoch * stepsPerEpoch, loss: e.valLoss!, series: 'validation' })),
  ];
  const maxStep = Math.max(1, p?.stepsPlanned ?? 1);
  const lossPlot = Plot.plot({
    document: doc, width: half, height: PANEL_HEIGHT, marginLeft: 48, style: { background: 'white' },
    x: { label: 'step', domain: [0, maxStep] },
    y: { label: 'loss', grid: true, zero: true },
    color: { domain: ['train (epoch mean)', 'validation'], range: ['#4f7cac', '#c0392b'] },
    marks: [
      Plot.line(batches, { x: 'step', y: 'loss', stroke: '#9bb5d0', strokeWidth: 1, z: null }),
      Plot.line(lossRows, { x: 'step', y: 'loss', stroke: 'series', z: 'series', strokeWidth: 2 }),
      Plot.dot(lossRows, { x: 'step', y: 'loss', fill: 'series', r: 3 }),
    ],
  }) as unknown as Element;
  const diceRows = epochs.filter((e) => e.valDice !== null).map((e) => ({ epoch: e.epoch, dice: e.valDice! }));
  const best = p?.bestEpoch != null ? diceRows.filter((r) => r.epoch === p.bestEpoch) : [];
  const dicePlot = Plot.plot({
    document: doc, width: width - half, height: PANEL_HEIGHT, marginLeft: 48, style: { background: 'white' },
    x: { label: 'epoch', domain: [0, Math.max(1, p?.epochsPlanned ?? 1)] },
    y: { label: 'validation Dice', domain: [0, 1], grid: true },
    marks: [
      Plot.line(diceRows, { x: 'epoch', y: 'dice', stroke: '#2e8b57', strokeWidth: 2, z: null }),
      Plot.dot(diceRows, { x: 'epoch', y: 'dice', fill: '#2e8b57', r: 3 }),
      Plot.dot(best, { x: 'epoch', y: 'dice', stroke: '#000', r: 6 }),
      ...(diceRows.length === 0 ? [Plot.text(['no validation Dice yet'], { frameAnchor: 'middle', fill: '#888' })] : []),
    ],
  }) as unknown as Element;
  lossPlot.setAttribute('x', '0');
  lossPlot.setAttribute('y', String(HEADER));
  dicePlot.setAttribute('x', String(half));
  dicePlot.setAttribute('y', String(HEADER));
  const fraction = p && p.stepsPlanned > 0 ? Math.min(1, p.stepsDone / p.stepsPlanned) : 0;
  const barWidth = width - 20;
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const colour = p?.status === 'aborted' ? '#c0392b' : p?.status === 'running' || !p ? '#4f7cac' : '#2e8b57';
  const height = HEADER + PANEL_HEIGHT;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`
    + `<rect width="${width}" height="${height}" fill="white"/>`
    + `<text x="10" y="16" font-weight="bold">${esc(options.title ?? 'training')}</text>`
    + `<text x="10" y="${HEADER - 20}" fill="#333">${esc(trainingSummary(p))}</text>`
    + `<rect x="10" y="${HEADER - 12}" width="${barWidth}" height="6" fill="#e5e5e5" rx="3"/>`
    + `<rect x="10" y="${HEADER - 12}" width="${(barWidth * fraction).toFixed(1)}" height="6" fill="${colour}" rx="3" data-fraction="${fraction.toFixed(4)}"/>`
    + lossPlot.outerHTML + dicePlot.outerHTML
    + '</svg>';
}

function bundleOf(p: TrainingProgress | null, options: TrainingViewOptions): MimeBundle {
  return { data: { 'image/svg+xml': trainingSvg(p, options), 'text/plain': trainingSummary(p) } };
}

/** A static view of a run (a finished `train` result, or a checkpoint's `run.progress`). */
export function trainingView(progress: TrainingProgress, options: TrainingViewOptions = {}): View<TrainingProgress> {
  return { value: progress, [MIME_METHOD]: () => bundleOf(progress, options) };
}

/** A live training view: display it, pass `update` to train's `onUpdate`. */
export interface TrainingMonitor extends LiveView<TrainingProgress | null> {
  /** Give this to `train({ onUpdate })`. */
  readonly update: (progress: TrainingProgress) => void;
  /** How many times listeners were notified (for tests and diagnostics). */
  readonly notifications: number;
}

/**
 * A live view of a training run (see the module comment). It renders the latest progress it
 * was given each time it is displayed; it notifies subscribers at most every `minIntervalMs`
 * (default 250 ms), and always when an epoch ends or the run ends.
 */
export function trainingMonitor(options: TrainingViewOptions & { readonly minIntervalMs?: number } = {}): TrainingMonitor {
  let current: TrainingProgress | null = null;
  let lastNotify = -Infinity;
  let lastEpochs = -1;
  let notifications = 0;
  const listeners = new Set<() => void>();
  const minInterval = options.minIntervalMs ?? 250;
  const monitor: TrainingMonitor = {
    get value() {
      return current;
    },
    get notifications() {
      return notifications;
    },
    update(p: TrainingProgress) {
      current = p;
      const now = performance.now();
      const important = p.status !== 'running' || p.epochs.length !== lastEpochs;
      if (!important && now - lastNotify < minInterval) return;
      lastNotify = now;
      lastEpochs = p.epochs.length;
      notifications++;
      for (const l of listeners) l();
    },
    [MIME_METHOD]: () => bundleOf(current, options),
    [SUBSCRIBE_METHOD](listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return monitor;
}
