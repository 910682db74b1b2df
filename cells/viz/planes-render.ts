/**
 * One plane of a volume and its overlays to RGBA pixels, on the CPU: a grey window over the
 * image, then a binary mask, a label map and a probability map blended over it. The same code
 * draws the headless PNG (cells/viz/planes.ts) and the app's three canvases
 * (app/renderers/planes-view.ts), so both show the same pixels. One pass over the plane's
 * voxels, no allocation per voxel (a 256×256 plane: well under a millisecond).
 */
import type { Vec3, VoxelArray } from '../core/volume.ts';
import type { PlaneLayout } from './planes-geometry.ts';
import { viridis } from './slice.ts';
import type { DisplayWindow } from './window-presets.ts';

/** Label colours by value: `rgb[3v..3v+2]` sRGB, `known[v]` 1 for a value in the table. Values past the end or negative: not drawn. */
export interface LabelLut {
  readonly rgb: Uint8Array;
  readonly known: Uint8Array;
}

/** A lookup table from a label table (values ≥ 0 only; 0 is drawn only if the table names it). */
export function labelLut(table: ReadonlyArray<{ readonly value: number; readonly color: readonly [number, number, number] }>): LabelLut {
  let max = 0;
  for (const l of table) if (Number.isInteger(l.value) && l.value > max) max = l.value;
  const rgb = new Uint8Array(3 * (max + 1)), known = new Uint8Array(max + 1);
  for (const l of table) {
    if (!Number.isInteger(l.value) || l.value < 0) continue;
    rgb.set(l.color, 3 * l.value);
    known[l.value] = 1;
  }
  return { rgb, known };
}

export interface PlaneLayers {
  readonly dims: Vec3;
  readonly data: VoxelArray;
  readonly window: DisplayWindow;
  /** Non-zero voxels drawn in `color` (sRGB 0..255) at `opacity` (0..1). */
  readonly mask?: { readonly data: VoxelArray; readonly color: readonly [number, number, number]; readonly opacity: number };
  /** Voxels whose value the table knows drawn in its colour at `opacity`. */
  readonly labels?: { readonly data: VoxelArray; readonly lut: LabelLut; readonly opacity: number };
  /** t = (v − lo)/(hi − lo) clamped to 0..1 through viridis, blended at `opacity`·t (t = 0 leaves the image). */
  readonly probability?: { readonly data: VoxelArray; readonly range: readonly [number, number]; readonly opacity: number };
}

/**
 * Writes plane `layout` at index `slice` along its slice axis into `out` (RGBA, row-major, top
 * row first, `layout.width × layout.height` pixels, alpha 255).
 * @throws RangeError when `out` is too small or `slice` is outside the grid.
 */
export function renderPlane(layers: PlaneLayers, layout: PlaneLayout, slice: number, out: Uint8Array | Uint8ClampedArray): void {
  const { width, height } = layout;
  if (out.length < 4 * width * height) throw new RangeError(`renderPlane: out holds ${out.length} bytes, the plane needs ${4 * width * height}`);
  const dims = layers.dims;
  if (!(Number.isInteger(slice) && slice >= 0 && slice < dims[layout.sliceAxis])) throw new RangeError(`renderPlane: slice ${slice} is outside 0..${dims[layout.sliceAxis] - 1}`);
  const stride = [1, dims[0], dims[0] * dims[1]];
  const colStep = (layout.colFlip ? -1 : 1) * stride[layout.colAxis]!;
  const rowStep = (layout.rowFlip ? -1 : 1) * stride[layout.rowAxis]!;
  const origin = slice * stride[layout.sliceAxis]! + (layout.colFlip ? (width - 1) * stride[layout.colAxis]! : 0) + (layout.rowFlip ? (height - 1) * stride[layout.rowAxis]! : 0);
  const img = layers.data;
  const lo = layers.window.center - layers.window.width / 2, scale = 255 / Math.max(1e-12, layers.window.width);
  const mask = layers.mask, labels = layers.labels, prob = layers.probability;
  const mA = mask ? clamp01(mask.opacity) : 0, lA = labels ? clamp01(labels.opacity) : 0, pA = prob ? clamp01(prob.opacity) : 0;
  const lut = labels?.lut, lutN = lut ? lut.known.length : 0;
  const pLo = prob ? prob.range[0] : 0, pSpan = prob ? prob.range[1] - prob.range[0] : 1;
  const colour = [0, 0, 0];
  let p = 0;
  for (let r = 0; r < height; r++) {
    let v = origin + r * rowStep;
    for (let c = 0; c < width; c++, v += colStep, p += 4) {
      let g = (img[v]! - lo) * scale;
      g = g < 0 ? 0 : g > 255 ? 255 : g;
      let R = g, G = g, B = g;
      if (mask && mask.data[v]) {
        R += mA * (mask.color[0] - R);
        G += mA * (mask.color[1] - G);
        B += mA * (mask.color[2] - B);
      }
      if (lut) {
        const l = labels!.data[v]!;
        if (l >= 0 && l < lutN && lut.known[l]) {
          R += lA * (lut.rgb[3 * l]! - R);
          G += lA * (lut.rgb[3 * l + 1]! - G);
          B += lA * (lut.rgb[3 * l + 2]! - B);
        }
      }
      if (prob) {
        let t = (prob.data[v]! - pLo) / pSpan;
        if (t > 0) {
          if (t > 1) t = 1;
          viridis(t, colour);
          const a = pA * t;
          R += a * (colour[0]! - R);
          G += a * (colour[1]! - G);
          B += a * (colour[2]! - B);
        }
      }
      out[p] = R;
      out[p + 1] = G;
      out[p + 2] = B;
      out[p + 3] = 255;
    }
  }
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
