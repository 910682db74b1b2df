import { encode } from 'fast-png';
import { ParameterError } from '../core/errors.ts';
import { valueRange, type Mat3, type Vec3, type Volume, type VoxelArray } from '../core/volume.ts';
import { view, type View } from './bundle.ts';
import { volumeOverlaySurfaces, type VolumeOverlayOptions, type VolumeSurface } from './volume-overlay.ts';
import { isVolumePresetName, resolvePreset, VOLUME_PRESET_NAMES, type TransferFunction, type VolumePresetName } from './volume-presets.ts';

/** The MIME type of a volume rendering's bundle (its value: `VolumeViewData`). */
export const VOLUME_MIME = 'application/vnd.voxbook.volume+json';

/** Inclusive voxel index ranges kept by the crop box: `[i0, i1, j0, j1, k0, k1]`. */
export type CropIjk = readonly [number, number, number, number, number, number];

/** A clipping plane in patient LPS mm: what lies on the side `normal` points to is kept. */
export interface ClipPlane {
  readonly originMm: Vec3;
  readonly normal: Vec3;
}

export interface VolumeViewOptions extends VolumeOverlayOptions {
  /** Transfer-function preset (cells/viz/volume-presets.ts); default 'ct-bone'. */
  readonly preset?: VolumePresetName;
  readonly name?: string;
  /** Gradient shading (Phong lighting of the ray-cast samples); default on. */
  readonly shade?: boolean;
  /** Keep only this box of voxels. */
  readonly cropIjk?: CropIjk;
  /** Cut the volume by this plane. */
  readonly clipPlane?: ClipPlane;
  /** Add a maximum-intensity projection PNG (`image/png`, seen from anterior) for the .ipynb; default on. */
  readonly png?: boolean;
}

/**
 * What `application/vnd.voxbook.volume+json` carries: the voxels as they are (`data` is the
 * volume's own typed array, x fastest), its grid in patient LPS
 * (world = originMm + direction · (index ∘ spacingMm), `direction` row-major with the i, j, k
 * axes as columns), the preset's name and its transfer function resolved in the volume's
 * values, and the view's options.
 */
export interface VolumeViewData {
  readonly data: VoxelArray;
  readonly dims: Vec3;
  readonly spacingMm: Vec3;
  readonly originMm: Vec3;
  readonly direction: Mat3;
  readonly preset: VolumePresetName;
  readonly transfer: TransferFunction;
  /** Smallest and largest voxel value. */
  readonly rangeValue: readonly [number, number];
  /** 'HU' for CT, else absent (cells/core/volume.ts `VolumeSource.valueUnit`). */
  readonly valueUnit?: string;
  readonly name: string;
  readonly shade: boolean;
  readonly cropIjk?: CropIjk;
  readonly clipPlane?: ClipPlane;
  /** Label-map and probability overlays as surfaces (cells/viz/volume-overlay.ts), drawn with the volume. */
  readonly surfaces?: readonly VolumeSurface[];
}

/**
 * A GPU ray-cast volume rendering (vtk.js in the app and the exported page) with a
 * transfer-function preset, shading, an optional crop box and clipping plane, and optional
 * overlays: a label map (`labels`, one surface per label in its table's colours) or a
 * probability map (`probability`, isosurfaces at `probabilityLevels`, viridis) drawn inside the
 * volume at `overlayOpacity`.
 *
 * Copies: none here — the bundle's `data` is `volume.data` itself (the kernel then
 * structured-clones it once to the page; vtk.js wraps that array without copying before the
 * GPU upload). The optional PNG is a maximum-intensity projection along the anterior–posterior
 * index axis j (nx × nz pixels, rows stretched to square pixels, superior at the top), windowed
 * over the preset's visible values; it ignores the direction matrix (index space).
 *
 * @throws ParameterError for an unknown preset, a crop box outside the grid or empty, a clipping
 *   plane with a zero normal, a volume whose data does not match its dims, or a bad overlay level
 *   or opacity; GeometryError for an overlay map not on the volume's grid (`volumeOverlaySurfaces`).
 */
export function volumeView(volume: Volume, options: VolumeViewOptions = {}): View<VolumeViewData> {
  const preset = options.preset ?? 'ct-bone';
  if (!isVolumePresetName(preset)) throw new ParameterError(`volumeView: preset "${String(preset)}" is unknown; use one of ${VOLUME_PRESET_NAMES.join(', ')}`);
  const [nx, ny, nz] = volume.dims;
  if (volume.data.length !== nx * ny * nz) throw new ParameterError(`volumeView: data has ${volume.data.length} voxels but dims ${nx}×${ny}×${nz} need ${nx * ny * nz}`);
  const crop = options.cropIjk;
  if (crop) checkCrop(crop, volume.dims);
  const clip = options.clipPlane;
  if (clip && !(Math.hypot(...clip.normal) > 0)) throw new ParameterError('volumeView: clipPlane.normal is zero; give the direction of the kept side, e.g. [0, 1, 0]');
  const planes = (crop ? cropPlaneCount(crop, volume.dims) : 0) + (clip ? 1 : 0);
  if (planes > MAX_CLIP_PLANES) throw new ParameterError(`volumeView: the crop box cuts ${planes - (clip ? 1 : 0)} sides and with the clipping plane that makes ${planes} planes; vtk.js ray casting takes at most ${MAX_CLIP_PLANES}: leave one side of the box uncut`);
  const { min, max } = valueRange(volume);
  const rangeValue: [number, number] = min <= max ? [min, max] : [0, 0];
  const transfer = resolvePreset(preset, rangeValue);
  const name = options.name ?? 'volume';
  const surfaces = volumeOverlaySurfaces(volume, options);
  const data: VolumeViewData = {
    data: volume.data,
    dims: volume.dims,
    spacingMm: volume.spacingMm,
    originMm: volume.originMm,
    direction: volume.direction,
    preset,
    transfer,
    rangeValue,
    ...(volume.source?.valueUnit !== undefined ? { valueUnit: volume.source.valueUnit } : {}),
    name,
    shade: options.shade ?? true,
    ...(crop ? { cropIjk: crop } : {}),
    ...(clip ? { clipPlane: clip } : {}),
    ...(surfaces.length > 0 ? { surfaces } : {}),
  };
  return view(data, () => {
    const overlay = surfaces.length > 0 ? `; overlay: ${surfaces.map((s) => `${s.name} (${(s.indices.length / 3).toLocaleString('en-US')} triangles)`).join(', ')}` : '';
    const text = `${name}: volume rendering (${preset}) of ${nx}×${ny}×${nz} voxels, ${volume.spacingMm.map((s) => +s.toFixed(3)).join('×')} mm, values ${rangeValue[0]}..${rangeValue[1]}${data.valueUnit ? ` ${data.valueUnit}` : ''}${overlay}`;
    if (options.png === false) return { data: { [VOLUME_MIME]: data, 'text/plain': text } };
    const mip = projectMip(volume, visibleWindow(transfer));
    const png = encode({ width: mip.width, height: mip.height, data: mip.rgba, channels: 4, depth: 8 });
    return {
      data: { [VOLUME_MIME]: data, 'image/png': toBase64(png), 'text/plain': text },
      metadata: { 'image/png': { width: mip.width, height: mip.height } },
    };
  });
}

/** Clipping planes vtk.js's ray caster applies at most (its fragment shader's fixed array). */
export const MAX_CLIP_PLANES = 6;

/** Sides of the grid the crop box moves in from (each becomes one clipping plane). */
export function cropPlaneCount(c: CropIjk, dims: Vec3): number {
  let n = 0;
  for (let a = 0; a < 3; a++) n += (c[2 * a]! > 0 ? 1 : 0) + (c[2 * a + 1]! < dims[a]! - 1 ? 1 : 0);
  return n;
}

function checkCrop(c: CropIjk, dims: Vec3): void {
  for (let a = 0; a < 3; a++) {
    const lo = c[2 * a]!, hi = c[2 * a + 1]!;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi >= dims[a]! || lo > hi) {
      throw new ParameterError(`volumeView: cropIjk axis ${'ijk'[a]} is [${lo}, ${hi}]; give whole indices with 0 ≤ lo ≤ hi ≤ ${dims[a]! - 1}`);
    }
  }
}

/** The values a transfer function shows: from the last zero-opacity point before the first visible one to the last point. */
function visibleWindow(tf: TransferFunction): [number, number] {
  const o = tf.opacity;
  let first = o.findIndex(([, a]) => a > 0);
  if (first < 0) first = 0;
  const lo = o[Math.max(0, first - 1)]![0];
  const hi = o[o.length - 1]![0];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

export interface MipImage {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major, top row first (superior at the top). */
  readonly rgba: Uint8Array;
}

/**
 * Maximum-intensity projection along the index axis j (for an LPS volume: seen from anterior,
 * patient left on the right of the image), grey = (max − lo)/(hi − lo) clamped; rows
 * (k, top = highest k) repeated to square pixels (height = round(nz·sz/sx)).
 */
export function projectMip(volume: Volume, [lo, hi]: readonly [number, number]): MipImage {
  const [nx, ny, nz] = volume.dims;
  const d = volume.data;
  const max = new Float32Array(nx * nz).fill(-Infinity);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const base = nx * (j + ny * k);
      const row = nx * k;
      for (let i = 0; i < nx; i++) {
        const v = d[base + i]!;
        if (v > max[row + i]!) max[row + i] = v;
      }
    }
  }
  const height = Math.max(1, Math.round((nz * volume.spacingMm[2]) / volume.spacingMm[0]));
  const rgba = new Uint8Array(nx * height * 4);
  const scale = 255 / (hi - lo);
  for (let y = 0; y < height; y++) {
    const k = nz - 1 - Math.min(nz - 1, Math.floor((y * nz) / height));
    for (let i = 0; i < nx; i++) {
      const g = Math.max(0, Math.min(255, Math.round((max[nx * k + i]! - lo) * scale)));
      const p = 4 * (y * nx + i);
      rgba[p] = rgba[p + 1] = rgba[p + 2] = g;
      rgba[p + 3] = 255;
    }
  }
  return { width: nx, height, rgba };
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
