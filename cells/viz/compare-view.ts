/**
 * `compareView`: two segmentations of one image side by side in the same picture — outlines of
 * A and B in two colour-blind-safe colours over the image, their overlap filled — on an axial,
 * a coronal and a sagittal slice, with Dice and HD95 (from `compareMasks` /
 * `compareLabelMaps`, cells/metrics) in the caption. A PNG made headless (`renderSlice` for the
 * grey image, fast-png), so it shows the same in the app, the exported HTML and the `.ipynb`.
 */
import { encode } from 'fast-png';
import { ParameterError } from '../core/errors.ts';
import type { StageOptions } from '../core/stage.ts';
import { makeVolume, IDENTITY3, type Volume } from '../core/volume.ts';
import { compareLabelMaps, type LabelComparison, type LabelVolume } from '../metrics/compare-labels.ts';
import { compareMasks, type MaskComparison } from '../metrics/compare-masks.ts';
import { assertSameGrid } from '../metrics/overlap.ts';
import { percentileInPlace } from '../metrics/percentile.ts';
import { view, type View } from './bundle.ts';
import { hexToRgb, LABEL_PALETTE } from './colormaps.ts';
import { PLANE_NAMES, planeLayout, type PlaneName } from './planes-geometry.ts';
import { renderSlice } from './slice.ts';

/** The three planes (planesView's names and orientation, planes-geometry.ts). */
export type ComparePlaneName = PlaneName;

export interface CompareViewOptions extends StageOptions {
  /**
   * Slice index per plane, in voxel indices of the plane's normal axis. Default: the middle of
   * the bounding box of A ∪ B along that axis (the middle of the volume when both are empty).
   */
  readonly slice?: Partial<Readonly<Record<ComparePlaneName, number>>>;
  /** Planes to show, left to right. Default all three: axial, coronal, sagittal. */
  readonly planes?: readonly ComparePlaneName[];
  /** Names of A and B in the caption. Default ['A', 'B']. */
  readonly names?: readonly [string, string];
  /** Display window of the image; default the 1st to 99th percentile of the pixels shown. */
  readonly windowCenter?: number;
  readonly windowWidth?: number;
  /** Outline colours of A and B, "#rrggbb". Default Okabe–Ito orange and sky blue. */
  readonly colors?: readonly [string, string];
  /** Colour of the overlap fill (A and B agree, non-zero), "#rrggbb". Default Okabe–Ito bluish green. */
  readonly overlapColor?: string;
}

/** One panel of the picture. */
export interface ComparePanel {
  readonly plane: ComparePlaneName;
  /** Voxel axis normal to the plane (0 = i, 1 = j, 2 = k) and the slice index along it. */
  readonly axis: 0 | 1 | 2;
  readonly index: number;
  /** Left edge in the picture, px; panels are top-aligned. */
  readonly x: number;
  readonly width: number;
  readonly height: number;
  /** Pixels drawn as A's outline, B's outline, and as overlap. */
  readonly outlineA: number;
  readonly outlineB: number;
  readonly overlap: number;
}

/** What `compareView` shows. */
export interface CompareViewData {
  /** 'masks' (binary: `compareMasks`) or 'labels' (`compareLabelMaps`, per label). */
  readonly kind: 'masks' | 'labels';
  /** Masks: the comparison of A (reference) and B; labels: one row per label. */
  readonly metrics: MaskComparison | readonly LabelComparison[];
  /** Dice and HD95 (mm) of the masks, or their means over labels with a finite value. */
  readonly dice: number;
  readonly hd95Mm: number;
  readonly caption: string;
  readonly panels: readonly ComparePanel[];
  /** The picture: RGBA, row-major, top row first; square pixels of `pixelMm`. */
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
  readonly pixelMm: number;
}

const GAP = 4;
/** Panels at least this tall/wide, px, for small volumes (nearest-neighbour enlargement). */
const MIN_SIDE = 256;

function isBinary(v: Volume): boolean {
  if (!(v.data instanceof Uint8Array)) return false;
  if ((v as LabelVolume).labels && (v as LabelVolume).labels!.length > 1) return false;
  const d = v.data;
  for (let i = 0; i < d.length; i++) if (d[i]! > 1) return false;
  return true;
}

/** Per voxel axis, [min, max] index holding a non-zero voxel of a or b; null when both are empty. */
function unionBox(a: Volume, b: Volume): Array<[number, number]> | null {
  const [nx, ny, nz] = a.dims;
  const lo = [nx, ny, nz], hi = [-1, -1, -1];
  const da = a.data, db = b.data;
  let p = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, p++) {
    if (da[p] === 0 && db[p] === 0) continue;
    if (i < lo[0]!) lo[0] = i; if (i > hi[0]!) hi[0] = i;
    if (j < lo[1]!) lo[1] = j; if (j > hi[1]!) hi[1] = j;
    if (k < lo[2]!) lo[2] = k; if (k > hi[2]!) hi[2] = k;
  }
  return hi[0]! < 0 ? null : [0, 1, 2].map((x) => [lo[x]!, hi[x]!] as [number, number]);
}

/** A panel's voxel lookup: for display pixel (c, r), the linear voxel index. */
interface PanelGrid {
  readonly plane: ComparePlaneName;
  readonly axis: 0 | 1 | 2;
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly voxel: Int32Array;
}

function panelGrid(volume: Volume, plane: ComparePlaneName, index: number | undefined, box: Array<[number, number]> | null, pixelMm: number): PanelGrid {
  // Orientation: planesView's (planes-geometry.ts), so the two views agree pixel for pixel in direction.
  const layout = planeLayout(plane, volume);
  const { colAxis, rowAxis, sliceAxis: normal } = layout;
  const dims = volume.dims, s = volume.spacingMm;
  const n = dims[normal]!;
  const k = index ?? (box ? Math.round((box[normal]![0] + box[normal]![1]) / 2) : Math.floor(n / 2));
  if (!Number.isInteger(k) || k < 0 || k >= n) throw new ParameterError(`compareView: ${plane} slice ${k} is outside 0..${n - 1}`);
  const nc = dims[colAxis]!, nr = dims[rowAxis]!;
  const width = Math.max(1, Math.round((nc * s[colAxis]!) / pixelMm)), height = Math.max(1, Math.round((nr * s[rowAxis]!) / pixelMm));
  const stride = [1, dims[0], dims[0] * dims[1]];
  const voxel = new Int32Array(width * height);
  for (let r = 0; r < height; r++) {
    let vr = Math.min(nr - 1, Math.floor(((r + 0.5) * pixelMm) / s[rowAxis]!));
    if (layout.rowFlip) vr = nr - 1 - vr;
    for (let c = 0; c < width; c++) {
      let vc = Math.min(nc - 1, Math.floor(((c + 0.5) * pixelMm) / s[colAxis]!));
      if (layout.colFlip) vc = nc - 1 - vc;
      voxel[c + width * r] = k * stride[normal]! + vc * stride[colAxis]! + vr * stride[rowAxis]!;
    }
  }
  return { plane, axis: normal, index: k, width, height, voxel };
}

/** Whether pixel p of a panel lies on the boundary of its segment: non-zero, with a 4-neighbour of another value or the panel's edge. */
function onBoundary(values: ArrayLike<number>, g: PanelGrid, c: number, r: number): boolean {
  const v = values[g.voxel[c + g.width * r]!]!;
  if (v === 0) return false;
  if (c === 0 || r === 0 || c === g.width - 1 || r === g.height - 1) return true;
  const at = (cc: number, rr: number) => values[g.voxel[cc + g.width * rr]!]!;
  return at(c - 1, r) !== v || at(c + 1, r) !== v || at(c, r - 1) !== v || at(c, r + 1) !== v;
}

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : x === Infinity ? '∞' : String(x));

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Two segmentations of `image` compared on one picture: for each plane (axial, coronal,
 * sagittal — one slice each, by default through the middle of A ∪ B), the image in grey with
 * A's outline in orange and B's in sky blue (Okabe–Ito; where the outlines coincide, the two
 * colours alternate pixel by pixel) and their overlap (voxels where A and B hold the same
 * non-zero value) filled translucent bluish green. The caption gives Dice and HD95 from
 * `compareMasks(a, b)` (A as the reference) — or, for label maps, their means over the labels of
 * `compareLabelMaps(a, b)`, each label listed in the text.
 *
 * A and B are masks (Uint8 0/1) or label maps (integer labels; a label table with more than
 * one entry, or a value above 1, makes them label maps). Planes are named for a grid whose
 * axes run along L, P and S (either sign); an oblique grid is shown along its nearest patient
 * axes. Pixels are square (`pixelMm`: the smallest spacing, smaller for volumes under 256
 * voxels across), sampled nearest-neighbour.
 *
 * Bundle: `text/html` (the PNG in a figure with its caption and a colour key), `image/png`
 * (base64, nbformat's form) and `text/plain` (the caption and per-label rows).
 * Cost: the metric (about 0.6 s for the 7M-voxel head CT's bone masks) plus one pass over the masks.
 * @throws GeometryError if the three grids differ; ParameterError for a slice index outside the
 *   grid, a bad window or colour; AbortError through `signal`.
 */
export function compareView(image: Volume, a: Volume, b: Volume, options: CompareViewOptions = {}): View<CompareViewData> {
  assertSameGrid(image, a, 'image and A');
  assertSameGrid(a, b, 'A and B');
  const [nameA, nameB] = options.names ?? ['A', 'B'];
  const colA = hexToRgb(options.colors?.[0] ?? LABEL_PALETTE[0]!), colB = hexToRgb(options.colors?.[1] ?? LABEL_PALETTE[1]!);
  const colO = hexToRgb(options.overlapColor ?? LABEL_PALETTE[2]!);
  const stage = { ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) };

  // Metrics: the project's functions, never recomputed here.
  const binary = isBinary(a) && isBinary(b);
  let metrics: MaskComparison | LabelComparison[];
  let dice: number, hd95Mm: number, caption: string;
  const rows: string[] = [];
  if (binary) {
    const m = compareMasks(a as Volume<Uint8Array>, b as Volume<Uint8Array>, stage);
    metrics = m;
    dice = m.dice;
    hd95Mm = m.hd95Mm;
    caption = `${nameA} vs ${nameB}: Dice ${f4(dice)} · HD95 ${f2(hd95Mm)} mm`;
  } else {
    const m = compareLabelMaps(a as LabelVolume, b as LabelVolume, stage);
    metrics = m;
    const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
    dice = mean(m.map((r) => r.dice));
    const finite = m.map((r) => r.hd95Mm).filter((x) => Number.isFinite(x));
    hd95Mm = mean(finite);
    caption = `${nameA} vs ${nameB}, ${m.length} labels: mean Dice ${f4(dice)} · mean HD95 ${f2(hd95Mm)} mm`
      + (finite.length < m.length ? ` (over ${finite.length} labels with a finite HD95)` : '');
    for (const r of m) rows.push(`  ${r.name}: Dice ${f4(r.dice)} · HD95 ${f2(r.hd95Mm)} mm`);
  }

  // Layout: square pixels shared by all panels.
  const box = unionBox(a, b);
  const planes = options.planes ?? ['axial', 'coronal', 'sagittal'];
  if (planes.length === 0 || planes.some((p) => !PLANE_NAMES.includes(p))) throw new ParameterError(`compareView: planes must be some of axial, coronal, sagittal, got ${JSON.stringify(planes)}`);
  const extentMm = Math.max(...image.dims.map((n, i) => n * image.spacingMm[i]!));
  const pixelMm = Math.min(...image.spacingMm, extentMm / MIN_SIDE);
  const grids = planes.map((p) => panelGrid(image, p, options.slice?.[p], box, pixelMm));
  const width = grids.reduce((s, g) => s + g.width, 0) + GAP * (grids.length - 1);
  const height = Math.max(...grids.map((g) => g.height));

  // The grey image of every panel, windowed alike.
  let center = options.windowCenter, widthW = options.windowWidth;
  if (center === undefined || widthW === undefined) {
    const all = new Float64Array(grids.reduce((s, g) => s + g.voxel.length, 0));
    let o = 0;
    for (const g of grids) for (let p = 0; p < g.voxel.length; p++) all[o++] = image.data[g.voxel[p]!]!;
    const lo = percentileInPlace(all, 1), hi = percentileInPlace(all, 99);
    center ??= (lo + hi) / 2;
    widthW ??= hi > lo ? hi - lo : 1;
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba[4 * p + 3] = 255; // black between and below panels
  const panels: ComparePanel[] = [];
  let x0 = 0;
  for (const g of grids) {
    const values = new Float32Array(g.voxel.length);
    for (let p = 0; p < values.length; p++) values[p] = image.data[g.voxel[p]!]!;
    const grey = renderSlice(makeVolume({ data: values, dims: [g.width, g.height, 1], spacingMm: [pixelMm, pixelMm, pixelMm], originMm: [0, 0, 0], direction: IDENTITY3 }),
      { index: 0, windowCenterHu: center, windowWidthHu: widthW }).rgba;
    let outlineA = 0, outlineB = 0, overlap = 0;
    for (let r = 0; r < g.height; r++) {
      for (let c = 0; c < g.width; c++) {
        const p = c + g.width * r, q = 4 * (x0 + c + width * r);
        const v = g.voxel[p]!;
        let rgb = [grey[4 * p]!, grey[4 * p + 1]!, grey[4 * p + 2]!];
        const va = a.data[v]!, vb = b.data[v]!;
        if (va !== 0 && va === vb) {
          overlap++;
          rgb = rgb.map((x, i) => 0.55 * x + 0.45 * colO[i]!);
        }
        const ea = onBoundary(a.data, g, c, r), eb = onBoundary(b.data, g, c, r);
        if (ea) outlineA++;
        if (eb) outlineB++;
        if (ea && eb) rgb = [...((c + r) % 2 === 0 ? colA : colB)];
        else if (ea) rgb = [...colA];
        else if (eb) rgb = [...colB];
        rgba[q] = Math.round(rgb[0]!); rgba[q + 1] = Math.round(rgb[1]!); rgba[q + 2] = Math.round(rgb[2]!);
      }
    }
    panels.push({ plane: g.plane, axis: g.axis, index: g.index, x: x0, width: g.width, height: g.height, outlineA, outlineB, overlap });
    x0 += g.width + GAP;
  }
  const where = panels.map((p) => `${p.plane} ${'ijk'[p.axis]}=${p.index}`).join(' | ');
  const data: CompareViewData = { kind: binary ? 'masks' : 'labels', metrics, dice, hd95Mm, caption, panels, width, height, rgba, pixelMm };
  return view(data, () => {
    const png = toBase64(encode({ width, height, data: rgba, channels: 4, depth: 8 }));
    const key = `outline: ${nameA} orange, ${nameB} sky blue; overlap filled green`;
    const text = [caption, `${where} (${key})`, ...rows].join('\n');
    const swatch = (c: readonly number[], label: string) => `<span style="display:inline-block;width:0.8em;height:0.8em;background:rgb(${c.join(',')});margin:0 0.25em 0 0.6em;vertical-align:-0.05em"></span>${esc(label)}`;
    const html = `<figure style="margin:0"><img src="data:image/png;base64,${png}" width="${width}" height="${height}" alt="${esc(`${caption}; ${where}`)}" style="max-width:100%;height:auto;image-rendering:pixelated">`
      + `<figcaption style="font:13px system-ui,sans-serif;margin-top:4px"><strong>${esc(caption)}</strong><br>${esc(where)} ·${swatch(colA, nameA)}${swatch(colB, nameB)}${swatch(colO, 'overlap')}`
      // An atlas has a hundred labels: their rows fold away under the caption.
      + (rows.length ? `<details><summary>per label (${rows.length})</summary><pre style="margin:0">${esc(rows.map((r) => r.trim()).join('\n'))}</pre></details>` : '') + '</figcaption></figure>';
    return {
      data: { 'text/html': html, 'image/png': png, 'text/plain': text },
      metadata: { 'image/png': { width, height } },
    };
  });
}
