/**
 * Seeded randomness and 2-D augmentation of training slices.
 *
 * Everything random in cells/learn draws from {@link createRng}: the same seed gives the same
 * stream on every platform (integer arithmetic with Math.imul, no Math.random), so the same
 * seed gives the same batches bit for bit.
 *
 * Augmentations follow the families nnU-Net and TorchIO use (Isensee et al. 2021,
 * doi:10.1038/s41592-020-01008-z; Pérez-García et al. 2021, "TorchIO", Computer Methods and
 * Programs in Biomedicine 208:106236, doi:10.1016/j.cmpb.2021.106236): mirroring, 90°
 * rotations, a small rotation/scale/translation, intensity scale and shift, Gaussian noise,
 * and a smooth multiplicative bias field (the exponential of a low-order polynomial, as
 * TorchIO's RandomBiasField).
 */
import { ParameterError } from '../core/errors.ts';

/** A seeded pseudo-random stream. */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform in [a, b). */
  uniform(a: number, b: number): number;
  /** Integer uniform in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

/**
 * A seeded generator: Tommy Ettinger's Mulberry32 (a 32-bit counter passed through an
 * integer mixing function; period 2^32), enough for sampling and augmentation.
 * @param seed any number; its low 32 bits (after truncation toward zero) are used.
 */
export function createRng(seed: number): Rng {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  let spare: number | undefined;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (a, b) => a + (b - a) * next(),
    int: (n) => Math.floor(next() * n),
    normal: () => {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = next();
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Derives an independent seed from a seed and stream numbers (e.g. seed, epoch). */
export function deriveSeed(seed: number, ...stream: number[]): number {
  let h = (Math.trunc(seed) ^ 0x85ebca6b) >>> 0;
  for (const s of stream) {
    h = Math.imul(h ^ (Math.trunc(s) >>> 0), 0xcc9e2d51) >>> 0;
    h = ((h << 13) | (h >>> 19)) >>> 0;
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

/** What {@link augmentSlice} may do; each family is on by default. */
export interface AugmentOptions {
  /** Mirror each in-plane axis with probability 0.5. Default true. */
  readonly flips?: boolean;
  /** Rotate by k·90°, k uniform in 0..3. Default true. */
  readonly rotate90?: boolean;
  /**
   * A small affine about the slice centre, applied with probability `probability`:
   * rotation uniform in ±rotateDeg degrees, isotropic scale uniform in 1 ± scale,
   * translation uniform in ±translate·size pixels per axis. Default
   * `{ rotateDeg: 10, scale: 0.1, translate: 0.05 }`; `false` turns it off.
   */
  readonly affine?: false | { readonly rotateDeg?: number; readonly scale?: number; readonly translate?: number };
  /** Intensity scale uniform in 1 ± this (about the background level), with probability `probability`. Default 0.1. */
  readonly intensityScale?: number;
  /** Intensity shift uniform in ± this (normalised units, i.e. standard deviations), with probability `probability`. Default 0.1. */
  readonly intensityShift?: number;
  /** Gaussian noise of standard deviation uniform in [0, noiseStd] (normalised units), with probability `probability`. Default 0.05. */
  readonly noiseStd?: number;
  /**
   * Smooth multiplicative bias field exp(Σ c_ab·x^a·y^b, a + b ≤ 3), x, y ∈ [−1, 1] over the
   * slice, each c uniform in ± this, with probability `probability`. Default 0.3.
   * The field multiplies the intensity above the background level (the padding value), so
   * the background stays background.
   */
  readonly biasField?: number;
  /** Probability of each of affine, intensity, noise and bias field. Default 0.3. */
  readonly probability?: number;
}

interface Resolved {
  flips: boolean; rotate90: boolean; affine: { rotateDeg: number; scale: number; translate: number } | null;
  intensityScale: number; intensityShift: number; noiseStd: number; biasField: number; probability: number;
}

/** The options with their defaults filled in; checks ranges. */
export function resolveAugment(options: AugmentOptions | boolean | undefined): Resolved | null {
  if (options === false) return null;
  const o: AugmentOptions = options === true || options === undefined ? {} : options;
  const affine = o.affine === false ? null : { rotateDeg: o.affine?.rotateDeg ?? 10, scale: o.affine?.scale ?? 0.1, translate: o.affine?.translate ?? 0.05 };
  const r: Resolved = {
    flips: o.flips ?? true, rotate90: o.rotate90 ?? true, affine,
    intensityScale: o.intensityScale ?? 0.1, intensityShift: o.intensityShift ?? 0.1, noiseStd: o.noiseStd ?? 0.05,
    biasField: o.biasField ?? 0.3, probability: o.probability ?? 0.3,
  };
  const check = (name: string, v: number, max: number) => {
    if (!(v >= 0 && v <= max)) throw new ParameterError(`augment.${name} must be in [0, ${max}], got ${v}`);
  };
  check('probability', r.probability, 1);
  check('intensityScale', r.intensityScale, 0.9);
  check('intensityShift', r.intensityShift, 10);
  check('noiseStd', r.noiseStd, 10);
  check('biasField', r.biasField, 3);
  if (affine) {
    check('affine.rotateDeg', affine.rotateDeg, 180);
    check('affine.scale', affine.scale, 0.9);
    check('affine.translate', affine.translate, 1);
  }
  return r;
}

/**
 * Augments one square slice in place of copies: returns a new image and mask.
 *
 * Spatial part: one affine map from output pixel centres to input positions, composed of
 * mirroring, k·90° rotation and the small affine, all about the centre ((size−1)/2,
 * (size−1)/2). The image is sampled bilinearly (outside → `background`); the mask bilinearly
 * (outside → 0) then thresholded at 0.5, so it stays binary. Flips and 90° rotations alone
 * land on pixel centres and copy values exactly.
 * Intensity part, in this order: scale about the background, shift, bias field, noise.
 *
 * @param image size·size normalised intensities, row-major (x fastest).
 * @param mask size·size, 0 or 1.
 * @param background the padding value (the normalised lower clip bound).
 */
export function augmentSlice(image: Float32Array, mask: Float32Array, size: number, background: number, rng: Rng, options: AugmentOptions | boolean = true): { image: Float32Array; mask: Float32Array } {
  const o = resolveAugment(options);
  if (!o) return { image: image.slice(), mask: mask.slice() };
  // Input position = M · (output − c) + c + t, M = flips · rot90 · (rotation · scale).
  let m00 = 1, m01 = 0, m10 = 0, m11 = 1, tx = 0, ty = 0;
  const mul = (a00: number, a01: number, a10: number, a11: number) => {
    const b00 = m00 * a00 + m01 * a10, b01 = m00 * a01 + m01 * a11;
    const b10 = m10 * a00 + m11 * a10, b11 = m10 * a01 + m11 * a11;
    m00 = b00; m01 = b01; m10 = b10; m11 = b11;
  };
  if (o.flips) {
    if (rng.next() < 0.5) mul(-1, 0, 0, 1);
    if (rng.next() < 0.5) mul(1, 0, 0, -1);
  }
  if (o.rotate90) {
    const k = rng.int(4);
    for (let q = 0; q < k; q++) mul(0, -1, 1, 0);
  }
  if (o.affine && rng.next() < o.probability) {
    const th = (rng.uniform(-1, 1) * o.affine.rotateDeg * Math.PI) / 180;
    const s = 1 + rng.uniform(-1, 1) * o.affine.scale;
    const c = Math.cos(th) / s, sn = Math.sin(th) / s;
    mul(c, -sn, sn, c);
    tx = rng.uniform(-1, 1) * o.affine.translate * size;
    ty = rng.uniform(-1, 1) * o.affine.translate * size;
  }
  const outImage = new Float32Array(size * size);
  const outMask = new Float32Array(size * size);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - c, dy = y - c;
      const sx = m00 * dx + m01 * dy + c + tx;
      const sy = m10 * dx + m11 * dy + c + ty;
      const o_ = x + size * y;
      outImage[o_] = bilinear(image, size, sx, sy, background);
      outMask[o_] = bilinear(mask, size, sx, sy, 0) >= 0.5 ? 1 : 0;
    }
  }
  if (rng.next() < o.probability && o.intensityScale > 0) {
    const s = 1 + rng.uniform(-1, 1) * o.intensityScale;
    for (let n = 0; n < outImage.length; n++) outImage[n] = background + (outImage[n]! - background) * s;
  }
  if (rng.next() < o.probability && o.intensityShift > 0) {
    const d = rng.uniform(-1, 1) * o.intensityShift;
    for (let n = 0; n < outImage.length; n++) outImage[n] = outImage[n]! + d;
  }
  if (rng.next() < o.probability && o.biasField > 0) {
    const field = biasField2d(size, o.biasField, rng);
    for (let n = 0; n < outImage.length; n++) outImage[n] = background + (outImage[n]! - background) * field[n]!;
  }
  if (rng.next() < o.probability && o.noiseStd > 0) {
    const sigma = rng.uniform(0, o.noiseStd);
    for (let n = 0; n < outImage.length; n++) outImage[n] = outImage[n]! + sigma * rng.normal();
  }
  return { image: outImage, mask: outMask };
}

/** Bilinear sample of a square image at (x, y) pixel coordinates; `outside` beyond the border. */
function bilinear(a: Float32Array, size: number, x: number, y: number, outside: number): number {
  // Snap positions within 1e-9 of a pixel centre (rounding of the rotation matrix).
  const rx = Math.round(x), ry = Math.round(y);
  if (Math.abs(x - rx) < 1e-9) x = rx;
  if (Math.abs(y - ry) < 1e-9) y = ry;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const fx = x - x0, fy = y - y0;
  const at = (i: number, j: number) => (i < 0 || j < 0 || i >= size || j >= size ? outside : a[i + size * j]!);
  const v00 = at(x0, y0);
  if (fx === 0 && fy === 0) return v00;
  return (1 - fy) * ((1 - fx) * v00 + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}

/** exp of a random cubic polynomial in x, y ∈ [−1, 1]; coefficients uniform in ±strength. */
function biasField2d(size: number, strength: number, rng: Rng): Float32Array {
  const coef: Array<[number, number, number]> = [];
  for (let a = 0; a <= 3; a++) for (let b = 0; a + b <= 3; b++) coef.push([a, b, rng.uniform(-strength, strength)]);
  const f = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const v = size > 1 ? (2 * y) / (size - 1) - 1 : 0;
    for (let x = 0; x < size; x++) {
      const u = size > 1 ? (2 * x) / (size - 1) - 1 : 0;
      let s = 0;
      for (const [a, b, c] of coef) s += c * u ** a * v ** b;
      f[x + size * y] = Math.exp(s);
    }
  }
  return f;
}

/** Options of {@link corruptVolume}. */
export interface CorruptOptions {
  /** Coefficient range of the 3-D cubic log-field (see AugmentOptions.biasField). Default 0.5. */
  readonly biasField?: number;
  /** Standard deviation of the added Gaussian noise, image units (HU, MR signal…). Default 0. */
  readonly noiseStd?: number;
  /** Seed. Default 1. */
  readonly seed?: number;
}

/**
 * A copy of a volume with a smooth multiplicative 3-D bias field and additive Gaussian noise,
 * for testing robustness and fine-tuning (the learning notebook's "strong bias field and
 * noise" case). Field: exp(Σ c_abc·x^a·y^b·z^c, a + b + c ≤ 3) with x, y, z ∈ [−1, 1] over the
 * grid, c uniform in ±biasField; it multiplies the values (so zero stays zero); then noise of
 * σ = noiseStd image units is added. Float32 output on the same grid.
 */
export function corruptVolume<V extends { readonly data: ArrayLike<number>; readonly dims: readonly [number, number, number] }>(volume: V, options: CorruptOptions = {}): V & { data: Float32Array } {
  const strength = options.biasField ?? 0.5;
  const sigma = options.noiseStd ?? 0;
  if (!(strength >= 0) || !(sigma >= 0)) throw new ParameterError(`corruptVolume: biasField and noiseStd must be ≥ 0, got ${strength} and ${sigma}`);
  const rng = createRng(options.seed ?? 1);
  const [nx, ny, nz] = volume.dims;
  const w = new Float64Array(64); // w[a + 4b + 16c], a + b + c ≤ 3
  for (let a = 0; a <= 3; a++) for (let b = 0; a + b <= 3; b++) for (let c = 0; a + b + c <= 3; c++) w[a + 4 * b + 16 * c] = rng.uniform(-strength, strength);
  const t = (i: number, n: number) => (n > 1 ? (2 * i) / (n - 1) - 1 : 0);
  const out = new Float32Array(nx * ny * nz);
  const src = volume.data;
  const px = new Float64Array(4);
  for (let k = 0; k < nz; k++) {
    const z = t(k, nz);
    for (let j = 0; j < ny; j++) {
      const y = t(j, ny);
      // The cubic in x for this row: px[a] = Σ_{b,c} w_abc y^b z^c.
      for (let a = 0; a <= 3; a++) {
        let s = 0;
        for (let b = 0; a + b <= 3; b++) for (let c = 0; a + b + c <= 3; c++) s += w[a + 4 * b + 16 * c]! * y ** b * z ** c;
        px[a] = s;
      }
      for (let i = 0; i < nx; i++) {
        const x = t(i, nx);
        const s = px[0]! + x * (px[1]! + x * (px[2]! + x * px[3]!));
        const n = i + nx * (j + ny * k);
        out[n] = src[n]! * Math.exp(s) + (sigma > 0 ? sigma * rng.normal() : 0);
      }
    }
  }
  return { ...volume, data: out };
}
