import * as Plot from '@observablehq/plot';
import { plotDocument } from './plot-document.ts';
import { ParameterError } from '../core/errors.ts';
import { valueRange, type Volume } from '../core/volume.ts';
import { view, type View } from './bundle.ts';

export interface HistogramBins {
  /** Left edge of bin b is `min + b * width`. */
  readonly min: number;
  readonly width: number;
  readonly counts: Float64Array;
}

/** Counts values into bins of `binWidth` (inclusive of the minimum, exclusive of each right edge). */
export function histogramBins(volume: Volume, binWidth = 10): HistogramBins {
  if (!(binWidth > 0)) throw new ParameterError(`binWidth must be > 0, got ${binWidth}`);
  const { min, max } = valueRange(volume);
  const n = Math.max(1, Math.floor((max - min) / binWidth) + 1);
  const counts = new Float64Array(n);
  const a = volume.data;
  for (let i = 0; i < a.length; i++) counts[Math.floor((a[i]! - min) / binWidth)]!++;
  return { min, width: binWidth, counts };
}


export interface HistogramOptions {
  readonly binWidth?: number;
  /** Vertical rules, e.g. the threshold bounds: `{ minHu: 226 }`. */
  readonly markers?: Readonly<Record<string, number>>;
  readonly label?: string;
}

/**
 * A value histogram as an Observable Plot SVG, of a volume or of bins counted before
 * (`histogramBins`: then `binWidth` is theirs) (log count axis: air and soft tissue dwarf bone).
 * Bundle: `image/svg+xml` plus a `text/plain` summary.
 */
export function histogram(volume: Volume | HistogramBins, options: HistogramOptions = {}): View<HistogramBins> {
  // Bins counted once (`histogramBins`) can be drawn again with new markers at the cost of the plot alone.
  const bins = 'counts' in volume ? volume : histogramBins(volume, options.binWidth ?? 10);
  return view(bins, () => {
    // One step-shaped area (a single <path>) rather than a rect per bin: the figure is
    // redrawn on every move of a threshold slider, and 400 rects cost the page far more to
    // sanitise and lay out. Empty bins sit on the baseline (0.8: the log axis has no 0).
    const BASE = 0.8;
    const steps: Array<{ x: number; count: number }> = [];
    bins.counts.forEach((count, b) => steps.push({ x: bins.min + b * bins.width, count: count > 0 ? count : BASE }));
    steps.push({ x: bins.min + bins.counts.length * bins.width, count: steps[steps.length - 1]?.count ?? BASE });
    const markers = Object.entries(options.markers ?? {});
    const right = Math.max(bins.min + bins.counts.length * bins.width, ...markers.map(([, v]) => v));
    const left = Math.min(bins.min, ...markers.map(([, v]) => v));
    const middle = (left + right) / 2;
    const svg = Plot.plot({
      document: plotDocument(),
      width: 680,
      height: 240,
      marginLeft: 56,
      style: { background: 'white' },
      x: { label: options.label ?? 'value (HU)' },
      y: { type: 'log', label: 'voxels', grid: true },
      marks: [
        Plot.areaY(steps, { x: 'x', y1: BASE, y2: 'count', curve: 'step-after', fill: '#4f7cac' }),
        Plot.ruleX(markers.map(([, v]) => v), { stroke: '#c0392b', strokeDasharray: '4,3' }),
        // Labels sit right of their rule in the left half and left of it in the right half, so
        // a marker at the edge (maxHu beyond the data) is not clipped.
        ...(['start', 'end'] as const).map((anchor) => Plot.text(
          markers.filter(([, v]) => (v > middle) === (anchor === 'end')).map(([k, v]) => ({ k, v })),
          { x: 'v', text: (d: { k: string; v: number }) => `${d.k} ${d.v}`, frameAnchor: 'top', dy: 6, dx: anchor === 'start' ? 4 : -4, textAnchor: anchor, fill: '#c0392b' },
        )),
      ],
    }) as unknown as Element;
    svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    const total = bins.counts.reduce((s, c) => s + c, 0);
    return { data: { 'image/svg+xml': svg.outerHTML, 'text/plain': `histogram of ${total} voxels, ${bins.counts.length} bins of ${bins.width}` } };
  });
}
