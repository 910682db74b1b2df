/**
 * Line profiles: the values of a volume along a straight segment in patient coordinates,
 * sampled with trilinear interpolation, as numbers and as an Observable Plot figure. The
 * sampling itself lives in line-sample.ts, shared with the planes view's picked line.
 */
import * as Plot from '@observablehq/plot';
import type { Vec3, Volume } from '../core/volume.ts';
import { view, type View } from './bundle.ts';
import { labelColor } from './colormaps.ts';
import { sampleLine, type LineProfile } from './line-sample.ts';
import { plotDocument } from './plot-document.ts';

export { sampleLine, sampleTrilinear, worldToIndex, type LineProfile } from './line-sample.ts';

export interface LineProfileOptions {
  /**
   * Number of samples (≥ 2), both ends included. Default: spaced at most half the smallest
   * voxel spacing, so no voxel is skipped: ⌈length / (min spacing / 2)⌉ + 1.
   */
  readonly samples?: number;
  /** Axis label of the values. Default 'value'. */
  readonly label?: string;
  /** Heading of the figure. */
  readonly title?: string;
}

const mm = (p: Vec3) => `(${p.map((c) => +c.toFixed(1)).join(', ')})`;

/**
 * The values of `volume` along the segment from `fromMm` to `toMm` (patient LPS, mm), by
 * trilinear interpolation between voxel centres — a line profile, as a radiologist draws
 * across a lesion or a bone edge. Samples outside the grid are NaN and leave a gap in the line.
 *
 * Returns a view of the numbers (`.value`: distances and values) whose bundle is an Observable
 * Plot line (`image/svg+xml`, value against distance in mm) and a `text/plain` summary
 * (length, samples, min, max).
 * Cost: 8 voxel reads per sample.
 * @throws GeometryError if a point is not three finite numbers; ParameterError if `samples`
 *   is not an integer ≥ 2.
 */
export function lineProfile(volume: Volume, fromMm: Vec3, toMm: Vec3, options: LineProfileOptions = {}): View<LineProfile> {
  const profile = sampleLine(volume, fromMm, toMm, options);
  return view(profile, () => {
    const rows = Array.from(profile.values, (v, s) => ({ d: profile.distancesMm[s]!, v: Number.isNaN(v) ? undefined : v }));
    const defined = rows.filter((r) => r.v !== undefined).map((r) => r.v!);
    const min = defined.length ? Math.min(...defined) : NaN, max = defined.length ? Math.max(...defined) : NaN;
    const label = options.label ?? 'value';
    const summary = `line profile ${mm(fromMm)} → ${mm(toMm)} mm (LPS): ${profile.lengthMm.toFixed(1)} mm, ${rows.length} samples`
      + (defined.length ? `, ${label} ${+min.toPrecision(4)} … ${+max.toPrecision(4)}` : '')
      + (profile.outside ? `, ${profile.outside} outside the volume` : '');
    const svg = Plot.plot({
      document: plotDocument(),
      width: 680,
      height: 240,
      marginLeft: 56,
      style: { background: 'white' },
      ariaLabel: summary,
      ...(options.title ? { title: options.title } : {}),
      x: { label: 'distance along the line (mm)', domain: [0, profile.lengthMm] },
      y: { label, grid: true },
      marks: [
        Plot.line(rows, { x: 'd', y: 'v', stroke: labelColor(4), strokeWidth: 1.5 }),
        Plot.ruleY(min <= 0 && max >= 0 ? [0] : []),
      ],
    }) as unknown as Element;
    svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    return { data: { 'image/svg+xml': svg.outerHTML, 'text/plain': summary } };
  });
}
