/**
 * Line profiles: the values of a volume along a straight segment in patient coordinates,
 * sampled with trilinear interpolation, as numbers and as an Observable Plot figure.
 */
import * as Plot from '@observablehq/plot';
import { GeometryError, ParameterError } from '../core/errors.ts';
import type { Vec3, Volume } from '../core/volume.ts';
import { view, type View } from './bundle.ts';
import { labelColor } from './colormaps.ts';
import { plotDocument } from './plot-document.ts';

/** What `lineProfile` sampled. */
export interface LineProfile {
  readonly fromMm: Vec3;
  readonly toMm: Vec3;
  /** Length of the segment, mm. */
  readonly lengthMm: number;
  /** Distance of each sample from `fromMm`, mm: 0, …, lengthMm evenly. */
  readonly distancesMm: Float64Array;
  /**
   * The interpolated value at each sample (the volume's unit: HU for CT); NaN where the
   * sample lies outside the grid's voxel centres (there is nothing to interpolate from).
   */
  readonly values: Float64Array;
  /** Samples that fell outside the grid (NaN values). */
  readonly outside: number;
}

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

/**
 * The value of `volume` at the continuous index (x, y, z) by trilinear interpolation of the
 * eight surrounding voxel centres; NaN outside [0, n−1] on any axis. On a face of the grid the
 * weight of the missing neighbour is 0, so voxel centres give their own values exactly.
 */
export function sampleTrilinear(volume: Volume, x: number, y: number, z: number): number {
  const [nx, ny, nz] = volume.dims;
  if (!(x >= 0 && y >= 0 && z >= 0 && x <= nx - 1 && y <= ny - 1 && z <= nz - 1)) return NaN;
  const i0 = Math.min(Math.floor(x), Math.max(0, nx - 2)), j0 = Math.min(Math.floor(y), Math.max(0, ny - 2)), k0 = Math.min(Math.floor(z), Math.max(0, nz - 2));
  const fx = x - i0, fy = y - j0, fz = z - k0;
  const i1 = nx > 1 ? i0 + 1 : i0, j1 = ny > 1 ? j0 + 1 : j0, k1 = nz > 1 ? k0 + 1 : k0;
  const d = volume.data, sy = nx, sz = nx * ny;
  const at = (i: number, j: number, k: number) => d[i + sy * j + sz * k]!;
  const c00 = at(i0, j0, k0) * (1 - fx) + at(i1, j0, k0) * fx;
  const c10 = at(i0, j1, k0) * (1 - fx) + at(i1, j1, k0) * fx;
  const c01 = at(i0, j0, k1) * (1 - fx) + at(i1, j0, k1) * fx;
  const c11 = at(i0, j1, k1) * (1 - fx) + at(i1, j1, k1) * fx;
  return (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
}

/**
 * The continuous voxel index of a patient point (LPS, mm): index = (Dᵀ · (p − origin)) ∘ / spacing.
 * Dᵀ inverts D because grids are orthonormal (`makeVolume` refuses others).
 */
export function worldToIndex(volume: Volume, p: Vec3): Vec3 {
  const d = volume.direction, o = volume.originMm, s = volume.spacingMm;
  const a = p[0] - o[0], b = p[1] - o[1], c = p[2] - o[2];
  return [(d[0] * a + d[3] * b + d[6] * c) / s[0], (d[1] * a + d[4] * b + d[7] * c) / s[1], (d[2] * a + d[5] * b + d[8] * c) / s[2]];
}

function checkPoint(p: Vec3, what: string): void {
  if (!Array.isArray(p) || p.length !== 3 || !p.every((c) => Number.isFinite(c))) {
    throw new GeometryError(`lineProfile: ${what} must be three finite mm coordinates (LPS), got ${JSON.stringify(p)}`);
  }
}

/** The numbers of a line profile (see `lineProfile`), without the figure. */
export function sampleLine(volume: Volume, fromMm: Vec3, toMm: Vec3, options: Pick<LineProfileOptions, 'samples'> = {}): LineProfile {
  checkPoint(fromMm, 'fromMm');
  checkPoint(toMm, 'toMm');
  const lengthMm = Math.hypot(toMm[0] - fromMm[0], toMm[1] - fromMm[1], toMm[2] - fromMm[2]);
  const step = Math.min(...volume.spacingMm) / 2;
  const n = options.samples ?? Math.ceil(lengthMm / step) + 1;
  if (!Number.isInteger(n) || n < 2) throw new ParameterError(`lineProfile: samples must be an integer ≥ 2, got ${n}`);
  const a = worldToIndex(volume, fromMm), b = worldToIndex(volume, toMm);
  const distancesMm = new Float64Array(n), values = new Float64Array(n);
  let outside = 0;
  for (let s = 0; s < n; s++) {
    const t = s / (n - 1);
    distancesMm[s] = t * lengthMm;
    const v = sampleTrilinear(volume, a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t);
    values[s] = v;
    if (Number.isNaN(v)) outside++;
  }
  return { fromMm, toMm, lengthMm, distancesMm, values, outside };
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
