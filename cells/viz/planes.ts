/**
 * `planesView`: three linked orthogonal planes (axial, coronal, sagittal in LPS) of a volume
 * with a binary mask, a label map and a probability map over it — the data → bundle half; the
 * app draws the bundle with `<vb-planes-view>` (app/renderers/planes-view.ts), which adds the
 * crosshair, window/level, scrolling and the probe readout.
 */
import { encode } from 'fast-png';
import { GeometryError, ParameterError } from '../core/errors.ts';
import type { Label } from '../core/labelmap.ts';
import { valueRange, type Mat3, type Vec3, type Volume, type VoxelArray } from '../core/volume.ts';
import { view, type View } from './bundle.ts';
import { PLANE_NAMES, planeLayout, type PlaneLayout } from './planes-geometry.ts';
import { labelLut, renderPlane, type PlaneLayers } from './planes-render.ts';
import { windowPresets, type DisplayWindow, type WindowPreset } from './window-presets.ts';
import { assertSameGrid } from '../metrics/overlap.ts';

/** The MIME type of a planes view's bundle (its value: `PlanesViewData`). */
export const PLANES_MIME = 'application/vnd.voxbook.planes+json';

export interface PlanesViewOptions {
  readonly name?: string;
  /** A binary mask on the volume's grid (non-zero = in), drawn in `overlayColor`. */
  readonly overlay?: Volume;
  /** sRGB 0..255 (default orange, Okabe–Ito #E69F00). */
  readonly overlayColor?: readonly [number, number, number];
  /**
   * A label map on the volume's grid (integer values; 0 = background unless the table names
   * it). Its table is `labelTable`, else the map's own `labels` (a `LabelMap`).
   */
  readonly labels?: Volume & { readonly labels?: readonly Label[] };
  readonly labelTable?: readonly Label[];
  /** A probability (or uncertainty) map on the volume's grid, shown through viridis over `probabilityRange`. */
  readonly probability?: Volume;
  /** [lo, hi] of the probability map (default [0, 1]). */
  readonly probabilityRange?: readonly [number, number];
  /** A preset id (`windowPresets`: 'ct-bone', 'ct-brain', 'ct-soft-tissue', 'auto') or a window; default 'ct-bone' for HU data, else 'auto'. */
  readonly window?: string | DisplayWindow;
  /** The crosshair's voxel at first (default the centre voxel). */
  readonly cursor?: Vec3;
  /** Opacities 0..1 at first (defaults: mask 0.5, labels 0.5, probability 0.75). */
  readonly opacity?: { readonly overlay?: number; readonly labels?: number; readonly probability?: number };
  /** Add the three planes at the cursor as one PNG (`image/png`) for the .ipynb; default on. */
  readonly png?: boolean;
}

/**
 * What `application/vnd.voxbook.planes+json` carries. `data` and every layer's `data` are the
 * volumes' own typed arrays (x fastest, on the grid given by dims/spacingMm/originMm/direction:
 * world LPS = originMm + direction · (index ∘ spacingMm)).
 */
export interface PlanesViewData {
  readonly name: string;
  readonly data: VoxelArray;
  readonly dims: Vec3;
  readonly spacingMm: Vec3;
  readonly originMm: Vec3;
  readonly direction: Mat3;
  /** 'HU' for CT, else absent. */
  readonly valueUnit?: string;
  readonly modality?: string;
  readonly rangeValue: readonly [number, number];
  /** The presets offered; `window` is the one shown first. */
  readonly windows: readonly WindowPreset[];
  readonly window: DisplayWindow & { readonly id?: string };
  readonly cursor: Vec3;
  readonly overlay?: { readonly name: string; readonly data: VoxelArray; readonly color: readonly [number, number, number]; readonly opacity: number };
  readonly labels?: { readonly name: string; readonly data: VoxelArray; readonly table: readonly Label[]; readonly opacity: number };
  readonly probability?: { readonly name: string; readonly data: VoxelArray; readonly range: readonly [number, number]; readonly opacity: number };
}

/**
 * Three linked orthogonal planes of `volume` with optional overlays.
 *
 * Copies: none — the bundle holds `volume.data` and each overlay's `data` as they are (the
 * kernel then structured-clones each once to the page). The optional PNG shows the axial,
 * coronal and sagittal planes through the cursor side by side, each resampled (nearest
 * voxel) to square pixels of the grid's finest spacing, with the same layers.
 *
 * @throws GeometryError when an overlay's dims differ from the volume's, or its spacing, origin
 *   or direction do (`assertSameGrid`), or the grid is turned 45° or more from LPS (see
 *   planes-geometry.ts).
 * @throws ParameterError for an unknown window preset, a window width ≤ 0, a cursor outside
 *   the grid, an opacity outside 0..1, a probability range with hi ≤ lo, or data that does
 *   not match dims.
 */
export function planesView(volume: Volume, options: PlanesViewOptions = {}): View<PlanesViewData> {
  const [nx, ny, nz] = volume.dims;
  const n = nx * ny * nz;
  if (volume.data.length !== n) throw new ParameterError(`planesView: data has ${volume.data.length} voxels but dims ${nx}×${ny}×${nz} need ${n}`);
  // Same dims is not enough: a layer with another spacing, origin or direction would be drawn
  // in the wrong place without a word.
  const sameGrid = (v: Volume, what: string) => {
    if (v.dims.some((d, a) => d !== volume.dims[a]) || v.data.length !== n) throw new GeometryError(`planesView: the ${what}'s dims [${v.dims.join(', ')}] differ from the volume's [${volume.dims.join(', ')}]`);
    assertSameGrid(volume, v, `planesView: the volume and the ${what}`);
  };
  for (const p of PLANE_NAMES) planeLayout(p, volume);
  const unit = volume.source?.valueUnit;
  const windows = windowPresets(volume.data, unit);
  const window = pickWindow(options.window, windows, unit);
  const cursor = options.cursor ?? ([nx >> 1, ny >> 1, nz >> 1] as const);
  if (cursor.some((c, a) => !Number.isInteger(c) || c < 0 || c >= volume.dims[a]!)) throw new ParameterError(`planesView: cursor [${cursor.join(', ')}] is outside the grid 0..[${volume.dims.map((d) => d - 1).join(', ')}]`);
  const opacity = (x: number | undefined, fallback: number, what: string) => {
    const o = x ?? fallback;
    if (!(o >= 0 && o <= 1)) throw new ParameterError(`planesView: ${what} opacity must be within 0..1, got ${o}`);
    return o;
  };
  const { min, max } = valueRange(volume);
  const name = options.name ?? 'planes';
  let overlay: PlanesViewData['overlay'];
  if (options.overlay) {
    sameGrid(options.overlay, 'overlay');
    overlay = { name: 'mask', data: options.overlay.data, color: options.overlayColor ?? [230, 159, 0], opacity: opacity(options.opacity?.overlay, 0.5, 'overlay') };
  }
  let labels: PlanesViewData['labels'];
  if (options.labels) {
    sameGrid(options.labels, 'label map');
    const table = options.labelTable ?? options.labels.labels;
    if (!table) throw new ParameterError('planesView: the label map has no table; pass labelTable (e.g. loadLabels("mri-colin27/aal.nii.txt")) or a LabelMap');
    labels = { name: 'labels', data: options.labels.data, table, opacity: opacity(options.opacity?.labels, 0.5, 'labels') };
  }
  let probability: PlanesViewData['probability'];
  if (options.probability) {
    sameGrid(options.probability, 'probability map');
    const range = options.probabilityRange ?? [0, 1];
    if (!(range[1] > range[0])) throw new ParameterError(`planesView: probabilityRange must be [lo, hi] with hi > lo, got [${range.join(', ')}]`);
    probability = { name: 'probability', data: options.probability.data, range, opacity: opacity(options.opacity?.probability, 0.75, 'probability') };
  }
  const data: PlanesViewData = {
    name,
    data: volume.data,
    dims: volume.dims,
    spacingMm: volume.spacingMm,
    originMm: volume.originMm,
    direction: volume.direction,
    ...(unit !== undefined ? { valueUnit: unit } : {}),
    ...(volume.source?.modality !== undefined ? { modality: volume.source.modality } : {}),
    rangeValue: min <= max ? [min, max] : [0, 0],
    windows,
    window,
    cursor,
    ...(overlay ? { overlay } : {}),
    ...(labels ? { labels } : {}),
    ...(probability ? { probability } : {}),
  };
  return view(data, () => {
    const layers = [overlay && 'mask', labels && `${labels.table.length} labels`, probability && 'probability'].filter(Boolean).join(', ');
    const text = `${name}: axial, coronal and sagittal planes of ${nx}×${ny}×${nz} voxels, ${volume.spacingMm.map((s) => +s.toFixed(3)).join('×')} mm${layers ? `, with ${layers}` : ''}; crosshair at voxel (${cursor.join(', ')})`;
    if (options.png === false) return { data: { [PLANES_MIME]: data, 'text/plain': text } };
    const strip = renderPlanesStrip(data);
    const png = encode({ width: strip.width, height: strip.height, data: strip.rgba, channels: 4, depth: 8 });
    return {
      data: { [PLANES_MIME]: data, 'image/png': toBase64(png), 'text/plain': text },
      metadata: { 'image/png': { width: strip.width, height: strip.height } },
    };
  });
}

function pickWindow(w: PlanesViewOptions['window'], presets: readonly WindowPreset[], unit: string | undefined): PlanesViewData['window'] {
  if (typeof w === 'object') {
    if (!(w.width > 0) || !Number.isFinite(w.center)) throw new ParameterError(`planesView: window needs a finite center and a width > 0, got center ${w.center}, width ${w.width}`);
    return { center: w.center, width: w.width };
  }
  const id = w ?? (unit === 'HU' ? 'ct-bone' : 'auto');
  const preset = presets.find((p) => p.id === id);
  if (!preset) throw new ParameterError(`planesView: window "${id}" is not offered for ${unit === 'HU' ? 'HU' : 'unitless'} data; use one of ${presets.map((p) => p.id).join(', ')} or { center, width }`);
  return { id: preset.id, center: preset.center, width: preset.width };
}

/** The layers of a bundle for `renderPlane`, at its own window and opacities unless given. */
export function planeLayers(d: PlanesViewData, window: DisplayWindow = d.window, opacity: { overlay?: number; labels?: number; probability?: number } = {}): PlaneLayers {
  return {
    dims: d.dims,
    data: d.data,
    window,
    ...(d.overlay ? { mask: { data: d.overlay.data, color: d.overlay.color, opacity: opacity.overlay ?? d.overlay.opacity } } : {}),
    ...(d.labels ? { labels: { data: d.labels.data, lut: labelLut(d.labels.table), opacity: opacity.labels ?? d.labels.opacity } } : {}),
    ...(d.probability ? { probability: { data: d.probability.data, range: d.probability.range, opacity: opacity.probability ?? d.probability.opacity } } : {}),
  };
}

export interface PlanesStrip {
  readonly width: number;
  readonly height: number;
  /** RGBA, top row first: axial, coronal, sagittal from left to right, black between and below. */
  readonly rgba: Uint8Array;
}

/** The three planes through the bundle's cursor, side by side at square pixels of the finest spacing (nearest voxel). */
export function renderPlanesStrip(d: PlanesViewData): PlanesStrip {
  const layers = planeLayers(d);
  const pixelMm = Math.min(...d.spacingMm);
  const planes = PLANE_NAMES.map((p) => {
    const layout = planeLayout(p, d);
    const rgba = new Uint8Array(4 * layout.width * layout.height);
    renderPlane(layers, layout, d.cursor[layout.sliceAxis], rgba);
    const w = Math.max(1, Math.round((layout.width * layout.colSpacingMm) / pixelMm));
    const h = Math.max(1, Math.round((layout.height * layout.rowSpacingMm) / pixelMm));
    return { layout, rgba, w, h };
  });
  const gap = 4;
  const width = planes.reduce((s, p) => s + p.w, 0) + gap * (planes.length - 1);
  const height = Math.max(...planes.map((p) => p.h));
  const out = new Uint8Array(4 * width * height);
  for (let q = 3; q < out.length; q += 4) out[q] = 255;
  let x0 = 0;
  for (const { layout, rgba, w, h } of planes) {
    for (let y = 0; y < h; y++) {
      const r = Math.min(layout.height - 1, Math.floor((y * layout.height) / h));
      for (let x = 0; x < w; x++) {
        const c = Math.min(layout.width - 1, Math.floor((x * layout.width) / w));
        out.set(rgba.subarray(4 * (r * layout.width + c), 4 * (r * layout.width + c) + 4), 4 * (y * width + x0 + x));
      }
    }
    x0 += w + gap;
  }
  return { width, height, rgba: out };
}

/** Each plane's layout, for code that maps pixels to voxels. */
export function planeLayouts(d: Pick<PlanesViewData, 'dims' | 'spacingMm' | 'direction'>): Record<(typeof PLANE_NAMES)[number], PlaneLayout> {
  return { axial: planeLayout('axial', d), coronal: planeLayout('coronal', d), sagittal: planeLayout('sagittal', d) };
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** What the probe reads at one voxel of a planes bundle. */
export interface ProbeReading {
  readonly index: Vec3;
  /** The voxel centre in patient LPS, mm. */
  readonly positionMm: Vec3;
  readonly value: number;
  /** 'HU' for CT, else absent. */
  readonly unit?: string;
  /** The label map's value and its name (absent without a label map; name '' for a value the table lacks). */
  readonly label?: { readonly value: number; readonly name: string };
  /** The mask's value (absent without one). */
  readonly mask?: number;
  /** The probability map's value (absent without one). */
  readonly probability?: number;
}

/** The probe reading at voxel `index` (whole numbers within the grid). @throws ParameterError outside the grid. */
export function probeAt(d: PlanesViewData, index: Vec3): ProbeReading {
  const [nx, ny, nz] = d.dims;
  const [i, j, k] = index;
  if (![i, j, k].every((c, a) => Number.isInteger(c) && c >= 0 && c < d.dims[a]!)) throw new ParameterError(`probeAt: voxel (${index.join(', ')}) is outside 0..(${nx - 1}, ${ny - 1}, ${nz - 1})`);
  const v = i + nx * (j + ny * k);
  const m = d.direction, s = d.spacingMm, o = d.originMm;
  const x = i * s[0], y = j * s[1], z = k * s[2];
  const positionMm: Vec3 = [o[0] + m[0] * x + m[1] * y + m[2] * z, o[1] + m[3] * x + m[4] * y + m[5] * z, o[2] + m[6] * x + m[7] * y + m[8] * z];
  let label: ProbeReading['label'];
  if (d.labels) {
    const lv = d.labels.data[v]!;
    label = { value: lv, name: d.labels.table.find((l) => l.value === lv)?.name ?? '' };
  }
  return {
    index: [i, j, k],
    positionMm,
    value: d.data[v]!,
    ...(d.valueUnit !== undefined ? { unit: d.valueUnit } : {}),
    ...(label ? { label } : {}),
    ...(d.overlay ? { mask: d.overlay.data[v]! } : {}),
    ...(d.probability ? { probability: d.probability.data[v]! } : {}),
  };
}

/** A reading as one line: "voxel (i, j, k) · x, y, z mm LPS · value unit · label name". */
export function formatProbe(r: ProbeReading): string {
  const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));
  const parts = [
    `voxel (${r.index.join(', ')})`,
    `${r.positionMm.map((c) => c.toFixed(1)).join(', ')} mm LPS`,
    `${num(r.value)}${r.unit ? ` ${r.unit}` : ''}`,
  ];
  if (r.label) parts.push(r.label.value === 0 && r.label.name === '' ? 'no label' : `${r.label.name || '(unnamed)'} [${r.label.value}]`);
  if (r.mask !== undefined) parts.push(r.mask ? 'in mask' : 'outside mask');
  if (r.probability !== undefined) parts.push(`p = ${num(r.probability)}`);
  return parts.join(' · ');
}
