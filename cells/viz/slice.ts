import { encode } from 'fast-png';
import { GeometryError, ParameterError } from '../core/errors.ts';
import type { Volume } from '../core/volume.ts';
import { view, type View } from './bundle.ts';
import { COLOR_MAPS, mapColor, type Rgb } from './colormaps.ts';

export interface SliceOptions {
  /** Axial slice index k (default: the middle slice). */
  readonly index?: number;
  /** Display window centre and width (default: a bone window, 400 / 1800 HU). */
  readonly windowCenterHu?: number;
  readonly windowWidthHu?: number;
  /** A mask on the same grid drawn over the slice in translucent colour. */
  readonly overlay?: Volume<Uint8Array>;
  /** sRGB 0..255 */
  readonly overlayColor?: readonly [number, number, number];
  /**
   * Values on the same grid drawn over the slice through the viridis colour map — a
   * probability map, or an uncertainty (1 − confidence). A value v is mapped to
   * t = (v − lo) / (hi − lo) clamped to 0..1 and blended with opacity `heatmapOpacity`·t, so
   * t = 0 leaves the image as it is and high values stand out. Drawn after `overlay`.
   */
  readonly heatmap?: Volume;
  /** [lo, hi] of `heatmap` (default [0, 1]). */
  readonly heatmapRange?: readonly [number, number];
  /** Opacity at t = 1 (default 0.75). */
  readonly heatmapOpacity?: number;
}

/** viridis sRGB stops: the one table, in cells/viz/colormaps.ts (17 stops, t = 0, 1/16, …, 1). */
export const VIRIDIS: readonly Rgb[] = COLOR_MAPS.viridis.stops;

/** The viridis colour of t ∈ [0, 1] (clamped), written into `out` (sRGB 0..255): `mapColor` of colormaps.ts. */
export function viridis(t: number, out: number[]): void {
  mapColor(COLOR_MAPS.viridis, t, out);
}

export interface SliceImage {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major, top row first. */
  readonly rgba: Uint8Array;
  readonly index: number;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/**
 * Renders axial slice k with a linear HU window (and an optional mask overlay) to RGBA.
 * Rows are drawn with j increasing downward and i to the right: for an LPS volume
 * (i → patient left, j → posterior) that is the radiological convention — patient's right
 * on the viewer's left, anterior at the top.
 * Pixels are square only if spacing x = y; the image is not resampled.
 * @throws ParameterError for an index outside the volume; GeometryError if the overlay's grid differs.
 */
export function renderSlice(volume: Volume, options: SliceOptions = {}): SliceImage {
  const [nx, ny, nz] = volume.dims;
  const k = options.index ?? Math.floor(nz / 2);
  if (!Number.isInteger(k) || k < 0 || k >= nz) throw new ParameterError(`slice index ${k} is outside 0..${nz - 1}`);
  const overlay = options.overlay;
  if (overlay && overlay.dims.some((d, i) => d !== volume.dims[i])) {
    throw new GeometryError(`overlay dims [${overlay.dims.join(', ')}] differ from the volume's [${volume.dims.join(', ')}]`);
  }
  const heatmap = options.heatmap;
  if (heatmap && heatmap.dims.some((d, i) => d !== volume.dims[i])) {
    throw new GeometryError(`heatmap dims [${heatmap.dims.join(', ')}] differ from the volume's [${volume.dims.join(', ')}]`);
  }
  const [hLo, hHi] = options.heatmapRange ?? [0, 1];
  if (!(hHi > hLo)) throw new ParameterError(`heatmapRange must be [lo, hi] with hi > lo, got [${hLo}, ${hHi}]`);
  const hOpacity = options.heatmapOpacity ?? 0.75;
  if (!(hOpacity >= 0 && hOpacity <= 1)) throw new ParameterError(`heatmapOpacity must be within 0..1, got ${hOpacity}`);
  const colour = [0, 0, 0];
  const center = options.windowCenterHu ?? 400, width = options.windowWidthHu ?? 1800;
  if (!(width > 0)) throw new ParameterError(`windowWidthHu must be > 0, got ${width}`);
  const lo = center - width / 2;
  const [or, og, ob] = options.overlayColor ?? [230, 126, 34];
  const rgba = new Uint8Array(nx * ny * 4);
  const base = nx * ny * k;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const v = volume.data[base + i + nx * j]!;
      let g = ((v - lo) / width) * 255;
      g = g < 0 ? 0 : g > 255 ? 255 : g;
      const p = 4 * (i + nx * j);
      if (overlay && overlay.data[base + i + nx * j]) {
        rgba[p] = 0.45 * g + 0.55 * or;
        rgba[p + 1] = 0.45 * g + 0.55 * og;
        rgba[p + 2] = 0.45 * g + 0.55 * ob;
      } else {
        rgba[p] = rgba[p + 1] = rgba[p + 2] = g;
      }
      if (heatmap) {
        const t = (heatmap.data[base + i + nx * j]! - hLo) / (hHi - hLo);
        if (t > 0) {
          viridis(t, colour);
          const a = hOpacity * (t >= 1 ? 1 : t);
          for (let c = 0; c < 3; c++) rgba[p + c] = (1 - a) * rgba[p + c]! + a * colour[c]!;
        }
      }
      rgba[p + 3] = 255;
    }
  }
  return { width: nx, height: ny, rgba, index: k };
}

/** An axial slice as a PNG view (`image/png`, base64 as in nbformat). See `renderSlice`. */
export function sliceView(volume: Volume, options: SliceOptions = {}): View<SliceImage> {
  const img = renderSlice(volume, options);
  return view(img, () => {
    const png = encode({ width: img.width, height: img.height, data: img.rgba, channels: 4, depth: 8 });
    return {
      data: { 'image/png': toBase64(png), 'text/plain': `axial slice ${img.index} (${img.width}×${img.height})` },
      metadata: { 'image/png': { width: img.width, height: img.height } },
    };
  });
}
