import { describe, expect, it } from 'vitest';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, makeVolume, withData, type Vec3, type Volume } from '../../cells/core/volume.ts';
import { loadNifti } from '../../cells/io/nifti.ts';
import { augmentSlice, corruptVolume, createRng } from '../../cells/learn/augment.ts';
import { fromModelSquare, readSlice, sliceDataset, sliceGeometry, toModelSquare } from '../../cells/learn/dataset.ts';
import { intensityNormalization, normalizeValue } from '../../cells/learn/normalize.ts';
import { cached } from '../helpers.ts';

/** A bright ball (value 100 + a gradient) in a dark box with a little seeded noise, and its mask. */
function sphereCase(dims: Vec3 = [40, 36, 24], radius = 9, seed = 3): { image: Volume<Float32Array>; mask: Volume<Uint8Array> } {
  const [nx, ny, nz] = dims;
  const rng = createRng(seed);
  const img = new Float32Array(nx * ny * nz), m = new Uint8Array(nx * ny * nz);
  const c = [(nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2];
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const n = i + nx * (j + ny * k);
    const inside = (i - c[0]!) ** 2 + (j - c[1]!) ** 2 + (k - c[2]!) ** 2 <= radius * radius;
    m[n] = inside ? 1 : 0;
    img[n] = (inside ? 100 + i : 10) + 2 * rng.normal();
  }
  const geo = { dims, spacingMm: [1, 1, 2] as Vec3, originMm: [-20, -18, -24] as Vec3, direction: IDENTITY3 };
  return { image: makeVolume({ data: img, ...geo }), mask: makeVolume({ data: m, ...geo }) };
}

describe('slice geometry (pad to a square, half-pixel bilinear resize) and its inverse', () => {
  it('is exact, bit for bit, when the padded square already has the model size', () => {
    const g = sliceGeometry([32, 20, 5], 2, 32);
    expect(g).toMatchObject({ width: 32, height: 20, square: 32, offsetX: 0, offsetY: 6 });
    const s = Float32Array.from({ length: 32 * 20 }, (_, n) => Math.sin(n * 0.37) * 50);
    const sq = toModelSquare(s, g, -7);
    expect(sq[0]).toBe(-7); // padding row above
    expect(sq[32 * 6 + 5]).toBe(s[5]);
    expect(Array.from(fromModelSquare(sq, g))).toEqual(Array.from(s));
  });

  it('reproduces a linear ramp through downsampling (48 → 32 → 48) away from the outer pixel', () => {
    const g = sliceGeometry([48, 48, 3], 2, 32);
    const f = (x: number, y: number) => 2 * x - 3 * y + 1;
    const s = Float32Array.from({ length: 48 * 48 }, (_, n) => f(n % 48, Math.floor(n / 48)));
    const sq = toModelSquare(s, g, 0);
    // model pixel d samples position (d + ½)·48/32 − ½: pixel (10, 4) sits at (15.25, 6.25)
    expect(sq[10 + 32 * 4]).toBeCloseTo(f(15.25, 6.25), 4);
    const back = fromModelSquare(sq, g);
    let worst = 0;
    for (let y = 1; y < 47; y++) for (let x = 1; x < 47; x++) worst = Math.max(worst, Math.abs(back[x + 48 * y]! - f(x, y)));
    expect(worst).toBeLessThan(1e-3);
  });

  it('puts a non-square slice back where it came from: a disc keeps its centroid (40×24 → 32 → 40×24)', () => {
    const g = sliceGeometry([40, 24, 3], 2, 32);
    expect(g).toMatchObject({ square: 40, offsetX: 0, offsetY: 8 });
    const s = new Float32Array(40 * 24);
    const [cx, cy] = [27.3, 9.6];
    for (let y = 0; y < 24; y++) for (let x = 0; x < 40; x++) s[x + 40 * y] = (x - cx) ** 2 + (y - cy) ** 2 <= 25 ? 1 : 0;
    const back = fromModelSquare(toModelSquare(s, g, 0), g);
    const centroid = (a: Float32Array) => {
      let w = 0, sx = 0, sy = 0;
      a.forEach((v, n) => { w += v; sx += v * (n % 40); sy += v * Math.floor(n / 40); });
      return [sx / w, sy / w, w];
    };
    const [ax, ay, aw] = centroid(s), [bx, by, bw] = centroid(back);
    expect(Math.abs(bx! - ax!)).toBeLessThan(0.05);
    expect(Math.abs(by! - ay!)).toBeLessThan(0.05);
    expect(Math.abs(bw! - aw!) / aw!).toBeLessThan(0.03);
  });

  it('reads slices along each axis with the lower-numbered in-plane axis fastest', () => {
    const v = makeVolume({ data: Float32Array.from({ length: 4 * 3 * 2 }, (_, n) => n), dims: [4, 3, 2], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
    expect(Array.from(readSlice(v, sliceGeometry(v.dims, 2, 4), 1))).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(Array.from(readSlice(v, sliceGeometry(v.dims, 1, 4), 2))).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
    expect(Array.from(readSlice(v, sliceGeometry(v.dims, 0, 4), 3))).toEqual([3, 7, 11, 15, 19, 23]);
  });
});

describe('intensityNormalization (percentile clip 0.5–99.5 + z-score, per volume)', () => {
  it('clips at numpy-linear percentiles and z-scores the clipped values', () => {
    // 0..999: the 0.5th percentile is 4.995, the 99.5th 994.005 (numpy linear)
    const v = makeVolume({ data: Float32Array.from({ length: 1000 }, (_, n) => n), dims: [10, 10, 10], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
    const n = intensityNormalization(v);
    expect(n.lo).toBeCloseTo(4.995, 9);
    expect(n.hi).toBeCloseTo(994.005, 9);
    expect(n.mean).toBeCloseTo(499.5, 9); // symmetric clipping keeps the mean
    const z = Array.from(v.data, (x) => normalizeValue(x, n));
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length);
    expect(mean).toBeCloseTo(0, 9);
    expect(sd).toBeCloseTo(1, 9);
    expect(normalizeValue(-1e6, n)).toBeCloseTo((4.995 - 499.5) / n.std, 9);
  });

  it('names the voxel holding NaN', () => {
    const { image } = sphereCase();
    const data = image.data.slice();
    data[3 + 40 * (4 + 36 * 5)] = NaN;
    expect(() => intensityNormalization(withData(image, data))).toThrow(ParameterError);
    expect(() => intensityNormalization(withData(image, data))).toThrow(/NaN at voxel \(i 3, j 4, k 5\)/);
  });
});

describe('sliceDataset', () => {
  const slabs = { train: [[2, 9], [14, 21]] as [number, number][], validation: [[11, 12]] as [number, number][] };

  it('splits by slabs and prepares model-square slices with binary masks', () => {
    const { image, mask } = sphereCase();
    const d = sliceDataset(image, mask, { slabs, size: 32, seed: 5 });
    expect(d.train.indices).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 14, 15, 16, 17, 18, 19, 20, 21]);
    expect(d.validation.indices).toEqual([11, 12]);
    expect(d.geometry).toMatchObject({ width: 40, height: 36, square: 40, offsetY: 2, size: 32 });
    expect(d.train.masks.every((m) => m.every((v) => v === 0 || v === 1))).toBe(true);
    // central slice: a disc of radius ≈ 9 voxels → ≈ π·81·(32/40)² ≈ 163 model pixels
    const mid = d.validation.foreground[0]!;
    expect(mid).toBeGreaterThan(140);
    expect(mid).toBeLessThan(185);
    expect(d.stepsPerEpoch(4)).toBe(4);
  });

  it('is seeded: the same seed gives the same batches bit for bit; another seed does not', () => {
    const { image, mask } = sphereCase();
    const a = sliceDataset(image, mask, { slabs, size: 32, seed: 5 });
    const b = sliceDataset(image, mask, { slabs, size: 32, seed: 5 });
    const c = sliceDataset(image, mask, { slabs, size: 32, seed: 6 });
    const ba = [...a.batches(1, 4)], bb = [...b.batches(1, 4)], bc = [...c.batches(1, 4)];
    expect(ba.length).toBe(4);
    for (let s = 0; s < 4; s++) {
      expect(Buffer.from(ba[s]!.x.buffer).equals(Buffer.from(bb[s]!.x.buffer))).toBe(true);
      expect(Buffer.from(ba[s]!.y.buffer).equals(Buffer.from(bb[s]!.y.buffer))).toBe(true);
    }
    expect(Buffer.from(ba[0]!.x.buffer).equals(Buffer.from(bc[0]!.x.buffer))).toBe(false);
    // epochs differ, and an epoch does not depend on which were drawn before
    expect(Buffer.from([...a.batches(2, 4)][0]!.x.buffer).equals(Buffer.from(ba[0]!.x.buffer))).toBe(false);
    expect(Buffer.from([...a.batches(1, 4)][2]!.x.buffer).equals(Buffer.from(ba[2]!.x.buffer))).toBe(true);
  });

  it('balances foreground: with foregroundFraction 1 every sample comes from a slice containing the ball', () => {
    const { image, mask } = sphereCase();
    const d = sliceDataset(image, mask, { size: 32, seed: 2, foregroundFraction: 1, augment: false, samplesPerEpoch: 200 });
    const fgSlices = new Set(d.train.indices.filter((_, n) => d.train.foreground[n]! > 0));
    expect(fgSlices.size).toBeLessThan(d.train.indices.length); // some slices are empty
    const drawn = [...d.batches(0, 8)].flatMap((b) => b.slices);
    expect(drawn.length).toBe(200);
    expect(drawn.every((k) => fgSlices.has(k))).toBe(true);
    const d0 = sliceDataset(image, mask, { size: 32, seed: 2, foregroundFraction: 0, augment: false, samplesPerEpoch: 400 });
    const drawn0 = [...d0.batches(0, 8)].flatMap((b) => b.slices);
    const empty = drawn0.filter((k) => !fgSlices.has(k)).length / drawn0.length;
    const expected = 1 - fgSlices.size / d.train.indices.length;
    expect(Math.abs(empty - expected)).toBeLessThan(0.08);
  });

  it('refuses image and mask on different grids (GeometryError), NaN (ParameterError naming the voxel), a slab with no foreground', () => {
    const { image, mask } = sphereCase();
    const shifted = makeVolume({ ...mask, originMm: [-20, -18, -23] });
    expect(() => sliceDataset(image, shifted, { size: 32 })).toThrow(GeometryError);
    expect(() => sliceDataset(image, shifted, { size: 32 })).toThrow(/different grids: originMm/);
    const nan = image.data.slice();
    nan[7 + 40 * (8 + 36 * 9)] = NaN;
    expect(() => sliceDataset(withData(image, nan), mask, { size: 32 })).toThrow(/NaN at voxel \(i 7, j 8, k 9\)/);
    expect(() => sliceDataset(image, mask, { size: 32, slabs: { train: [[0, 1], [10, 12]] } })).toThrow(ParameterError);
    expect(() => sliceDataset(image, mask, { size: 32, slabs: { train: [[0, 1], [10, 12]] } })).toThrow(/train slab \[0, 1\] .* no foreground/);
    expect(() => sliceDataset(image, mask, { size: 32, slabs: { validation: [[22, 23]] } })).toThrow(/validation slab \[22, 23\] .* no foreground/);
    expect(() => sliceDataset(image, mask, { size: 32, slabs: { train: [[5, 12]], validation: [[11, 12]] } })).toThrow(/overlaps validation at slice 11/);
    expect(() => sliceDataset(image, mask, { size: 32, slabs: { validation: [[20, 24]] } })).toThrow(/within 0..23/);
  });
});

describe('augmentSlice', () => {
  const size = 16;
  const img = Float32Array.from({ length: size * size }, (_, n) => n);
  const msk = Float32Array.from({ length: size * size }, (_, n) => (n % size > 9 && n < 100 ? 1 : 0));

  it('with flips and 90° rotations only, permutes pixels exactly (image and mask together)', () => {
    const rng = createRng(11);
    const opts = { affine: false as const, probability: 0 };
    let changed = 0;
    for (let t = 0; t < 8; t++) {
      const a = augmentSlice(img, msk, size, -1, rng, opts);
      expect(Array.from(a.image).sort((p, q) => p - q)).toEqual(Array.from(img));
      // the mask travels with the image: pixel value n was foreground exactly when msk[n] was
      a.image.forEach((v, n) => expect(a.mask[n]).toBe(msk[v]));
      if (a.image.some((v, n) => v !== n)) changed++;
    }
    expect(changed).toBeGreaterThan(4);
  });

  it('keeps the mask binary and the intensities finite with every family on', () => {
    const rng = createRng(12);
    for (let t = 0; t < 10; t++) {
      const a = augmentSlice(img, msk, size, -1, rng, { probability: 1 });
      expect(a.mask.every((v) => v === 0 || v === 1)).toBe(true);
      expect(a.image.every(Number.isFinite)).toBe(true);
    }
    expect(() => augmentSlice(img, msk, size, -1, rng, { probability: 2 })).toThrow(ParameterError);
  });

  it('corruptVolume multiplies by a smooth seeded field (zero stays zero) and adds noise', () => {
    const { image } = sphereCase();
    const a = corruptVolume(image, { biasField: 0.5, seed: 4 });
    const b = corruptVolume(image, { biasField: 0.5, seed: 4 });
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    const ratio = Array.from(a.data, (v, n) => v / image.data[n]!);
    expect(Math.min(...ratio)).toBeGreaterThan(Math.exp(-0.5 * 20));
    expect(Math.max(...ratio) / Math.min(...ratio)).toBeGreaterThan(1.2);
    // neighbours along x differ by less than 10 % in the field
    expect(Math.abs(ratio[101]! / ratio[100]! - 1)).toBeLessThan(0.1);
    const noisy = corruptVolume(image, { biasField: 0, noiseStd: 5, seed: 4 });
    const d = Array.from(noisy.data, (v, n) => v - image.data[n]!);
    const sd = Math.sqrt(d.reduce((s, x) => s + x * x, 0) / d.length);
    expect(sd).toBeGreaterThan(4.8);
    expect(sd).toBeLessThan(5.2);
  });
});

describe('sliceDataset on Colin27 (real T1 and ch2bet)', () => {
  it('normalises the whole volume and takes a few axial slabs', async () => {
    const t1 = await loadNifti(cached('mri-colin27/ch2.nii.gz'));
    const bet = await loadNifti(cached('mri-colin27/ch2bet.nii.gz'));
    expect(t1.dims).toEqual([181, 217, 181]);
    const d = sliceDataset(t1, bet, { size: 64, slabs: { train: [[60, 63]], validation: [[110, 111]] }, seed: 1 });
    expect(d.normalization.lo).toBeLessThan(d.normalization.hi);
    expect(d.geometry).toMatchObject({ width: 181, height: 217, square: 217, offsetX: 18, offsetY: 0 });
    // the brain covers a good part of an axial slice at k 60 and k 110
    for (const set of [d.train, d.validation]) for (const f of set.foreground) expect(f / (64 * 64)).toBeGreaterThan(0.2);
    const [batch] = [...d.batches(0, 4)];
    expect(batch!.x.every(Number.isFinite)).toBe(true);
    // the normalised brain is brighter than the padding
    let inside = 0, nIn = 0;
    batch!.x.forEach((v, n) => { if (batch!.y[n] === 1) { inside += v; nIn++; } });
    expect(inside / nIn).toBeGreaterThan(d.background + 1);
  });
});
