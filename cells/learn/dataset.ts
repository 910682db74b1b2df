/**
 * 2-D training data from a volume and its mask: slices along one axis, brought to the
 * model's square input by one documented, invertible rule, normalised per volume, sampled
 * with foreground balance and augmented — all seeded.
 *
 * ## Slice geometry (shared with `predictVolume`, which inverts it)
 * A slice along `axis` is the 2-D image of the other two axes, the lower-numbered one
 * fastest: axis 2 (k fixed) → x = i, y = j; axis 1 (j fixed) → x = i, y = k; axis 0 (i fixed)
 * → x = j, y = k. It has w × h pixels. To reach size × size:
 * 1. pad to a square of side m = max(w, h), the slice centred: offsets ⌊(m − w)/2⌋ and
 *    ⌊(m − h)/2⌋ before, the rest after, filled with the padding value (the normalised lower
 *    clip bound, i.e. the darkest value, for images; 0 for masks);
 * 2. resize the m × m square to size × size bilinearly with pixel centres aligned (the
 *    "half-pixel" convention of tf.image.resizeBilinear(halfPixelCenters) and PyTorch's
 *    interpolate(align_corners=False)): output pixel d samples input position
 *    (d + ½)·m/size − ½, clamped to [0, m − 1].
 * The inverse ({@link fromModelSquare}) resizes size × size back to m × m by the same rule
 * and crops the padding. When m = size it is exact (bit for bit); otherwise it reproduces any
 * linear function of position exactly away from the outer pixel, and a map is put back where
 * it came from (no shift of half a pixel or a padding offset).
 *
 * Masks are resampled by the same rule and thresholded at 0.5 (non-zero voxel = foreground).
 */
import { GeometryError, ParameterError } from '../core/errors.ts';
import type { Volume } from '../core/volume.ts';
import { assertSameGrid } from '../metrics/overlap.ts';
import { augmentSlice, createRng, deriveSeed, resolveAugment, type AugmentOptions, type Rng } from './augment.ts';
import { intensityNormalization, normalizedFloor, normalizeValue, type IntensityNormalization, type NormalizeOptions } from './normalize.ts';

/** A volume axis: 0 = i (x), 1 = j (y), 2 = k (z). */
export type SliceAxis = 0 | 1 | 2;

/** Inclusive range of slice indices along the slicing axis: `[first, last]`. */
export type SlabRange = readonly [number, number];

/**
 * Which slices train and which validate. Ranges are inclusive slice indices along `axis`.
 * - `train`: the training slabs; when omitted, every slice not in `validation` or `exclude`.
 * - `validation`: the validation slabs (may be empty: no validation).
 * - `exclude`: slices used for nothing (a held-out test slab and its margin).
 */
export interface SlabSpec {
  readonly train?: readonly SlabRange[];
  readonly validation?: readonly SlabRange[];
  readonly exclude?: readonly SlabRange[];
}

/** Options of {@link sliceDataset}. */
export interface SliceDatasetOptions {
  /** Slicing axis. Default 2 (axial for LPS/RAS volumes: k fixed). */
  readonly axis?: SliceAxis;
  /** Train/validation split by slabs. Default: every slice trains, no validation. */
  readonly slabs?: SlabSpec;
  /** Side of the model's square input, pixels. Default 128. */
  readonly size?: number;
  /** Augmentation of training samples (validation samples are never augmented). Default true. */
  readonly augment?: boolean | AugmentOptions;
  /** Seed of sampling and augmentation. Default 1. */
  readonly seed?: number;
  /**
   * Foreground balance: each training sample comes, with this probability, from the slices
   * that contain foreground, otherwise from all training slices (uniformly, with
   * replacement). Default 0.5.
   */
  readonly foregroundFraction?: number;
  /** Training samples per epoch. Default: the number of training slices. */
  readonly samplesPerEpoch?: number;
  /** Intensity normalisation percentiles (see normalize.ts). */
  readonly normalize?: NormalizeOptions;
}

/** How one slice of a volume maps to the model's square (see the module comment). */
export interface SliceGeometry {
  readonly axis: SliceAxis;
  /** Slice width (pixels along its fast axis) and height. */
  readonly width: number;
  readonly height: number;
  /** Side of the padded square, max(width, height). */
  readonly square: number;
  /** Padding before the slice in the square, pixels. */
  readonly offsetX: number;
  readonly offsetY: number;
  /** Side of the model's input. */
  readonly size: number;
  /** Number of slices along `axis`. */
  readonly count: number;
}

/** A set of prepared slices (model-square, normalised; masks 0/1). */
export interface SliceSet {
  /** Slice index along the axis of each entry. */
  readonly indices: readonly number[];
  /** size·size normalised intensities per slice. */
  readonly images: readonly Float32Array[];
  /** size·size 0/1 per slice. */
  readonly masks: readonly Float32Array[];
  /** Foreground pixels (in the model square) per slice. */
  readonly foreground: readonly number[];
}

/** One batch: `n` slices, NHWC with one channel (= row-major slices one after another). */
export interface SliceBatch {
  /** n·size² normalised intensities. */
  readonly x: Float32Array;
  /** n·size² targets, 0 or 1. */
  readonly y: Float32Array;
  readonly n: number;
  /** Slice index along the axis of each sample. */
  readonly slices: readonly number[];
}

/** Training and validation data from one volume (see {@link sliceDataset}). */
export interface SliceDataset {
  readonly size: number;
  readonly axis: SliceAxis;
  readonly seed: number;
  readonly geometry: SliceGeometry;
  readonly normalization: IntensityNormalization;
  /** The padding value of images (normalised lower clip bound). */
  readonly background: number;
  readonly train: SliceSet;
  readonly validation: SliceSet;
  /** Training samples per epoch. */
  readonly samplesPerEpoch: number;
  /** Batches per epoch for `batchSize` (the last batch is filled up by sampling too). */
  stepsPerEpoch(batchSize: number): number;
  /**
   * The training batches of epoch `epoch` (0-based): a function of (seed, epoch, batchSize)
   * alone, so the same arguments give the same batches bit for bit, in any order of calls.
   */
  batches(epoch: number, batchSize: number): Generator<SliceBatch>;
  /** The validation slices in order, unaugmented, in batches of `batchSize`. */
  validationBatches(batchSize: number): Generator<SliceBatch>;
}

/** The geometry of slices of a volume with `dims` along `axis`, brought to `size`. */
export function sliceGeometry(dims: readonly [number, number, number], axis: SliceAxis, size: number): SliceGeometry {
  if (axis !== 0 && axis !== 1 && axis !== 2) throw new ParameterError(`axis must be 0, 1 or 2, got ${String(axis)}`);
  if (!Number.isInteger(size) || size < 1) throw new ParameterError(`size must be a positive integer, got ${size}`);
  const [u, v] = inPlaneAxes(axis);
  const width = dims[u]!, height = dims[v]!;
  const square = Math.max(width, height);
  return { axis, width, height, square, offsetX: Math.floor((square - width) / 2), offsetY: Math.floor((square - height) / 2), size, count: dims[axis]! };
}

function inPlaneAxes(axis: SliceAxis): [number, number] {
  return axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
}

/** Strides in the volume's data of the slice's x, y and of the slice index. */
function strides(dims: readonly [number, number, number], axis: SliceAxis): [number, number, number] {
  const s = [1, dims[0], dims[0] * dims[1]] as const;
  const [u, v] = inPlaneAxes(axis);
  return [s[u]!, s[v]!, s[axis]];
}

/**
 * Reads slice `index` along `geometry.axis` into a new width·height array (x fastest),
 * mapping each value through `f`.
 */
export function readSlice(volume: Volume, geometry: SliceGeometry, index: number, f: (v: number) => number = (v) => v): Float32Array {
  const [sx, sy, sk] = strides(volume.dims, geometry.axis);
  const { width, height } = geometry;
  const out = new Float32Array(width * height);
  const a = volume.data;
  const base = index * sk;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[x + width * y] = f(a[base + x * sx + y * sy]!);
  return out;
}

/** Writes a width·height slice into `data` (a volume's array) at slice `index`. */
export function writeSlice(data: Float32Array, dims: readonly [number, number, number], geometry: SliceGeometry, index: number, slice: Float32Array): void {
  const [sx, sy, sk] = strides(dims, geometry.axis);
  const { width, height } = geometry;
  const base = index * sk;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[base + x * sx + y * sy] = slice[x + width * y]!;
}

/** Sample positions and weights of a 1-D half-pixel bilinear resize from n to m samples. */
function resizeTable(from: number, to: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } {
  const i0 = new Int32Array(to), i1 = new Int32Array(to), t = new Float64Array(to);
  for (let d = 0; d < to; d++) {
    let s = from === to ? d : ((d + 0.5) * from) / to - 0.5;
    if (s < 0) s = 0;
    if (s > from - 1) s = from - 1;
    const f = Math.floor(s);
    i0[d] = f;
    i1[d] = Math.min(f + 1, from - 1);
    t[d] = s - f;
  }
  return { i0, i1, t };
}

/** Half-pixel bilinear resize of a square `from`×`from` image to `to`×`to` (see module comment). */
export function resizeSquare(src: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return src.slice();
  const { i0, i1, t } = resizeTable(from, to);
  // Separable: rows first (x), then columns (y).
  const tmp = new Float64Array(to * from);
  for (let y = 0; y < from; y++) {
    const row = y * from;
    for (let d = 0; d < to; d++) {
      const w = t[d]!;
      tmp[d + to * y] = w === 0 ? src[row + i0[d]!]! : (1 - w) * src[row + i0[d]!]! + w * src[row + i1[d]!]!;
    }
  }
  const out = new Float32Array(to * to);
  for (let d = 0; d < to; d++) {
    const w = t[d]!, r0 = to * i0[d]!, r1 = to * i1[d]!;
    for (let x = 0; x < to; x++) out[x + to * d] = w === 0 ? tmp[r0 + x]! : (1 - w) * tmp[r0 + x]! + w * tmp[r1 + x]!;
  }
  return out;
}

/**
 * A width·height slice to the model's size·size square: pad (centred, with `padValue`) to
 * m = max(width, height), then half-pixel bilinear resize m → size.
 */
export function toModelSquare(slice: Float32Array, geometry: SliceGeometry, padValue: number): Float32Array {
  const { width, height, square: m, offsetX, offsetY, size } = geometry;
  if (slice.length !== width * height) throw new ParameterError(`slice has ${slice.length} values, geometry needs ${width}×${height}`);
  const padded = new Float32Array(m * m).fill(padValue);
  for (let y = 0; y < height; y++) padded.set(slice.subarray(y * width, (y + 1) * width), offsetX + m * (y + offsetY));
  return resizeSquare(padded, m, size);
}

/** The inverse of {@link toModelSquare}: size·size → resize to m·m → crop to width·height. */
export function fromModelSquare(square: Float32Array, geometry: SliceGeometry): Float32Array {
  const { width, height, square: m, offsetX, offsetY, size } = geometry;
  if (square.length !== size * size) throw new ParameterError(`model output has ${square.length} values per slice, expected ${size}×${size}`);
  const full = resizeSquare(square, size, m);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) out.set(full.subarray(offsetX + m * (y + offsetY), offsetX + m * (y + offsetY) + width), y * width);
  return out;
}

function checkRange(r: SlabRange, count: number, what: string): void {
  if (!Array.isArray(r) || r.length !== 2 || !Number.isInteger(r[0]) || !Number.isInteger(r[1]) || r[0] > r[1] || r[0] < 0 || r[1] >= count) {
    throw new ParameterError(`${what} slab ${JSON.stringify(r)} is not an inclusive range [first, last] of slice indices within 0..${count - 1}`);
  }
}

/**
 * Prepares training data from an image and its mask on the same grid.
 *
 * - Normalisation: percentile clip (0.5–99.5 by default) + z-score over the whole image
 *   (`intensityNormalization`), a function of the image alone; `predictVolume` repeats it.
 * - Geometry: slices along `axis` to size × size by the invertible rule of the module comment.
 * - Sampling: `samplesPerEpoch` training samples an epoch, foreground-balanced
 *   (`foregroundFraction`), drawn with replacement by a generator seeded from (seed, epoch).
 * - Augmentation (training only): see `augmentSlice`; its randomness comes from the same stream.
 *
 * Memory: 8·size² bytes per training and validation slice (image + mask), plus the 8-byte
 * per voxel scratch of the percentiles while preparing.
 *
 * @param image any voxel type; must be finite.
 * @param mask same grid as `image`; non-zero = foreground.
 * @throws GeometryError if image and mask are on different grids (dims, spacing, origin or
 *   direction).
 * @throws ParameterError for a NaN or infinite image voxel (named by its index), a slab out of
 *   range or overlapping another set, no training slice, a training or validation slab with no
 *   foreground voxel (named), or options out of range.
 */
export function sliceDataset(image: Volume, mask: Volume, options: SliceDatasetOptions = {}): SliceDataset {
  const axis = options.axis ?? 2;
  const size = options.size ?? 128;
  const seed = options.seed ?? 1;
  const foregroundFraction = options.foregroundFraction ?? 0.5;
  if (!(foregroundFraction >= 0 && foregroundFraction <= 1)) throw new ParameterError(`foregroundFraction must be in [0, 1], got ${foregroundFraction}`);
  if (!Number.isInteger(seed)) throw new ParameterError(`seed must be an integer, got ${seed}`);
  const augment = resolveAugment(options.augment);
  assertSameGrid(image, mask, 'image and mask');
  if (image.data.length !== mask.data.length) throw new GeometryError(`image and mask hold ${image.data.length} and ${mask.data.length} voxels`);
  const geometry = sliceGeometry(image.dims, axis, size);
  const count = geometry.count;

  // The split.
  const slabs = options.slabs ?? {};
  const validation = slabs.validation ?? [];
  const exclude = slabs.exclude ?? [];
  validation.forEach((r) => checkRange(r, count, 'validation'));
  exclude.forEach((r) => checkRange(r, count, 'exclude'));
  (slabs.train ?? []).forEach((r) => checkRange(r, count, 'train'));
  const role = new Int8Array(count); // 0 unused, 1 train, 2 validation, 3 excluded
  for (const [a, b] of exclude) for (let k = a; k <= b; k++) role[k] = 3;
  for (const [a, b] of validation) for (let k = a; k <= b; k++) {
    if (role[k] === 3) throw new ParameterError(`validation slab [${a}, ${b}] overlaps an excluded slab at slice ${k}`);
    role[k] = 2;
  }
  if (slabs.train) {
    for (const [a, b] of slabs.train) for (let k = a; k <= b; k++) {
      if (role[k] !== 0 && role[k] !== 1) throw new ParameterError(`train slab [${a}, ${b}] overlaps ${role[k] === 2 ? 'validation' : 'an excluded slab'} at slice ${k}`);
      role[k] = 1;
    }
  } else for (let k = 0; k < count; k++) if (role[k] === 0) role[k] = 1;

  // Foreground per slice, in the volume (before resampling), for the slab checks.
  const [sx, sy, sk] = strides(image.dims, axis);
  const m = mask.data;
  const fgVoxels = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    let c = 0;
    for (let y = 0; y < geometry.height; y++) for (let x = 0; x < geometry.width; x++) if (m[k * sk + x * sx + y * sy] !== 0) c++;
    fgVoxels[k] = c;
  }
  const slabHasForeground = (r: SlabRange) => {
    for (let k = r[0]; k <= r[1]; k++) if (fgVoxels[k]! > 0) return true;
    return false;
  };
  for (const r of slabs.train ?? []) if (!slabHasForeground(r)) throw new ParameterError(`train slab [${r[0]}, ${r[1]}] (axis ${axis}) has no foreground voxel in the mask: a model cannot learn the structure from it; choose slabs that contain it`);
  for (const r of validation) if (!slabHasForeground(r)) throw new ParameterError(`validation slab [${r[0]}, ${r[1]}] (axis ${axis}) has no foreground voxel in the mask: Dice on it is meaningless; choose a slab that contains the structure`);
  const trainIdx: number[] = [], valIdx: number[] = [];
  for (let k = 0; k < count; k++) {
    if (role[k] === 1) trainIdx.push(k);
    else if (role[k] === 2) valIdx.push(k);
  }
  if (trainIdx.length === 0) throw new ParameterError('no slice is left for training: the validation and exclude slabs cover the whole axis');
  if (!trainIdx.some((k) => fgVoxels[k]! > 0)) throw new ParameterError('the training slices have no foreground voxel in the mask: nothing to learn');

  const normalization = intensityNormalization(image, options.normalize); // also rejects NaN (named voxel)
  const background = normalizedFloor(normalization);
  const norm = (v: number) => normalizeValue(v, normalization);
  const binary = (v: number) => (v !== 0 ? 1 : 0);
  const prepare = (indices: number[]): SliceSet => {
    const images: Float32Array[] = [], masks: Float32Array[] = [], foreground: number[] = [];
    for (const k of indices) {
      images.push(toModelSquare(readSlice(image, geometry, k, norm), geometry, background));
      const mk = toModelSquare(readSlice(mask, geometry, k, binary), geometry, 0);
      let c = 0;
      for (let n = 0; n < mk.length; n++) {
        const b = mk[n]! >= 0.5 ? 1 : 0;
        mk[n] = b;
        c += b;
      }
      masks.push(mk);
      foreground.push(c);
    }
    return { indices, images, masks, foreground };
  };
  const train = prepare(trainIdx);
  const val = prepare(valIdx);
  const samplesPerEpoch = options.samplesPerEpoch ?? trainIdx.length;
  if (!Number.isInteger(samplesPerEpoch) || samplesPerEpoch < 1) throw new ParameterError(`samplesPerEpoch must be a positive integer, got ${samplesPerEpoch}`);
  const withForeground = train.foreground.map((c, n) => (c > 0 ? n : -1)).filter((n) => n >= 0);
  const px = size * size;

  const stepsPerEpoch = (batchSize: number) => {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ParameterError(`batchSize must be a positive integer, got ${batchSize}`);
    return Math.ceil(samplesPerEpoch / batchSize);
  };
  function* batches(epoch: number, batchSize: number): Generator<SliceBatch> {
    const steps = stepsPerEpoch(batchSize);
    if (!Number.isInteger(epoch) || epoch < 0) throw new ParameterError(`epoch must be an integer ≥ 0, got ${epoch}`);
    const rng: Rng = createRng(deriveSeed(seed, epoch, batchSize));
    for (let s = 0; s < steps; s++) {
      const x = new Float32Array(batchSize * px), y = new Float32Array(batchSize * px);
      const slices: number[] = [];
      for (let b = 0; b < batchSize; b++) {
        const pick = withForeground.length > 0 && rng.next() < foregroundFraction
          ? withForeground[rng.int(withForeground.length)]!
          : rng.int(train.indices.length);
        slices.push(train.indices[pick]!);
        if (augment) {
          const a = augmentSlice(train.images[pick]!, train.masks[pick]!, size, background, rng, options.augment ?? true);
          x.set(a.image, b * px);
          y.set(a.mask, b * px);
        } else {
          x.set(train.images[pick]!, b * px);
          y.set(train.masks[pick]!, b * px);
        }
      }
      yield { x, y, n: batchSize, slices };
    }
  }
  function* validationBatches(batchSize: number): Generator<SliceBatch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ParameterError(`batchSize must be a positive integer, got ${batchSize}`);
    for (let s = 0; s < val.indices.length; s += batchSize) {
      const n = Math.min(batchSize, val.indices.length - s);
      const x = new Float32Array(n * px), y = new Float32Array(n * px);
      for (let b = 0; b < n; b++) {
        x.set(val.images[s + b]!, b * px);
        y.set(val.masks[s + b]!, b * px);
      }
      yield { x, y, n, slices: val.indices.slice(s, s + n) };
    }
  }
  return { size, axis, seed, geometry, normalization, background, train, validation: val, samplesPerEpoch, stepsPerEpoch, batches, validationBatches };
}
