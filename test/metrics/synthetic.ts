/**
 * Seeded synthetic masks and images, generated identically by
 * test/fixtures/metrics/make-reference.py (integer arithmetic only, so both languages
 * produce the same voxels; each case's checksum is in the reference JSON to prove it).
 */
import { IDENTITY3, makeVolume, type Vec3, type Volume } from '../../cells/core/volume.ts';

/** mulberry32 (Tommy Ettinger's 32-bit generator): uint32 per call. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

interface Ellipsoid { cx: number; cy: number; cz: number; rx: number; ry: number; rz: number }

function paint(data: Uint8Array, dims: Vec3, e: Ellipsoid): void {
  const [nx, ny, nz] = dims;
  const a = e.rx * e.rx, b = e.ry * e.ry, c = e.rz * e.rz;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const dx = x - e.cx, dy = y - e.cy, dz = z - e.cz;
    if (dx * dx * b * c + dy * dy * a * c + dz * dz * a * b <= a * b * c) data[x + nx * (y + ny * z)] = 1;
  }
}

/**
 * A reference and a prediction: `blobs` ellipsoids (the prediction's jittered by ±1 voxel in
 * centre and radius), then each voxel flipped with probability `noisePercent`/100.
 */
export function maskPair(dims: Vec3, seed: number, blobs: number, noisePercent: number): [Uint8Array, Uint8Array] {
  const next = rng(seed);
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const ref = new Uint8Array(n), pred = new Uint8Array(n);
  for (let k = 0; k < blobs; k++) {
    const e: Ellipsoid = { cx: next() % nx, cy: next() % ny, cz: next() % nz, rx: 2 + (next() % 6), ry: 2 + (next() % 6), rz: 1 + (next() % 4) };
    paint(ref, dims, e);
    const j = (): number => (next() % 3) - 1;
    paint(pred, dims, { cx: e.cx + j(), cy: e.cy + j(), cz: e.cz + j(), rx: Math.max(1, e.rx + j()), ry: Math.max(1, e.ry + j()), rz: Math.max(1, e.rz + j()) });
  }
  for (const m of [ref, pred]) for (let i = 0; i < n; i++) if (next() % 100 < noisePercent) m[i] ^= 1;
  return [ref, pred];
}

/** A patterned int16 image and a noisy copy (noise amplitude grows with z). */
export function imagePair(dims: Vec3, seed: number): [Int16Array, Int16Array] {
  const next = rng(seed);
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const ref = new Int16Array(n), test = new Int16Array(n);
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) {
    ref[i] = ((x * 7 + y * 13 + z * 5) % 50) * 20 + (x > 10 && y > 8 ? 400 : 0) + (next() % 200);
    const amp = 10 + 10 * z;
    test[i] = ref[i]! + (next() % (2 * amp + 1)) - amp;
  }
  return [ref, test];
}

/** Σ (i + 1)·v mod 2³¹ − 1, to check both generators made the same voxels. */
export function checksum(a: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < a.length; i++) h = (h + (i + 1) * a[i]!) % 2147483647;
  return h;
}

export function vol<T extends Uint8Array | Int16Array>(data: T, dims: Vec3, spacingMm: Vec3 = [1, 1, 1]): Volume<T> {
  return makeVolume({ data, dims, spacingMm, originMm: [0, 0, 0], direction: IDENTITY3 });
}
