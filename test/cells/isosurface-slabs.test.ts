import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError } from '../../cells/core/errors.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import { setParallelPool, type ParallelPool } from '../../cells/core/parallel.ts';
import { makeVolume, type Mat3, type Vec3, type Volume } from '../../cells/core/volume.ts';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { isosurface, isosurfaceOfMask, marchSlabsByHelpers, SLABS_MIN_VOXELS } from '../../cells/mesh/isosurface.ts';
import { removeIslands } from '../../cells/segment/components.ts';
import { threshold } from '../../cells/segment/threshold.ts';
import { startNodeHelpers, type NodeHelperPool } from '../../kernel/node/parallel-pool.ts';
import { cached } from '../helpers.ts';
import { mulberry32 } from '../../datasets/phantom.ts';
import { withPool } from '../parallel-helpers.ts';

// The two-slab march (cells/mesh/isosurface.ts, `marchInSlabs`) against the one-thread march:
// the same bytes with a live helper thread, and with a helper that never shows up (the caller
// then marches both slabs, the upper one from the shared copy).

const bytesOf = (a: Float32Array | Uint32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function expectSameBytes(a: Mesh, b: Mesh): void {
  expect(a.indices.length).toBe(b.indices.length);
  expect(a.positions.length).toBe(b.positions.length);
  expect(bytesOf(a.positions).equals(bytesOf(b.positions))).toBe(true);
  expect(bytesOf(a.indices).equals(bytesOf(b.indices))).toBe(true);
}

/** A pool whose helper never takes a chunk. */
const absentHelper: ParallelPool = { helpers: 1, post: () => undefined };

/** Wavy blobs across the whole grid (surface in every slab), with a little noise. */
function blobs(dims: Vec3, direction: Mat3): Volume<Float32Array> {
  const [nx, ny, nz] = dims;
  const data = new Float32Array(nx * ny * nz), rnd = mulberry32(7);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        data[i + nx * (j + ny * k)] = Math.sin(i * 0.21) * Math.cos(j * 0.17 + k * 0.05) + Math.sin(k * 0.13 + i * 0.03) + 0.3 * rnd();
      }
  return makeVolume({ data, dims, spacingMm: [0.7, 0.9, 1.3], originMm: [-12.5, 30, 7.25], direction });
}

describe('isosurface in two slabs: synthetic volumes', () => {
  let pool: NodeHelperPool;
  beforeAll(async () => {
    pool = startNodeHelpers(2);
    await pool.ready();
  }, 30_000);
  afterAll(async () => {
    setParallelPool(undefined);
    await pool.close();
  });

  it('odd dims and a flipped direction: the same bytes with a helper, without one, and with none showing up', () => {
    const dims: Vec3 = [131, 127, 123];
    expect(dims[0] * dims[1] * dims[2]).toBeGreaterThanOrEqual(SLABS_MIN_VOXELS);
    const flipped = blobs(dims, [0, 1, 0, 1, 0, 0, 0, 0, 1]); // det −1
    // A mask that cuts every row at i = 100, in both slabs.
    const maskData = new Uint8Array(flipped.data.length);
    for (let idx = 0; idx < maskData.length; idx++) maskData[idx] = (idx % 131) < 100 ? 1 : 0;
    const mask = makeVolume({ ...flipped, data: maskData });
    for (const options of [{ isoValue: 0.4 }, { isoValue: 0.4, mask }]) {
      const serial = isosurface(flipped, options);
      expect(serial.indices.length).toBeGreaterThan(100_000);
      const before = marchSlabsByHelpers();
      let helped = 0;
      for (let r = 0; r < 3; r++) {
        expectSameBytes(withPool(pool, () => isosurface(flipped, options)), serial);
        helped = marchSlabsByHelpers() - before;
      }
      expect(helped).toBeGreaterThan(0);
      expectSameBytes(withPool(absentHelper, () => isosurface(flipped, options)), serial);
    }
    // A volume in shared memory already is read as it is (no copy).
    const sharedData = new Float32Array(new SharedArrayBuffer(4 * flipped.data.length));
    sharedData.set(flipped.data);
    const shared = makeVolume({ ...flipped, data: sharedData });
    expectSameBytes(withPool(pool, () => isosurface(shared, { isoValue: 0.4, mask })), isosurface(flipped, { isoValue: 0.4, mask }));
  });

  it('a mask at an unaligned offset (read 4 bytes at a time only in the shared copy): the same bytes', () => {
    const dims: Vec3 = [132, 127, 121];
    const volume = blobs(dims, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const raw = new Uint8Array(volume.data.length + 1);
    for (let idx = 0; idx < volume.data.length; idx++) raw[idx + 1] = ((idx >> 3) % 5) !== 0 ? 1 : 0;
    const mask = makeVolume({ ...volume, data: raw.subarray(1) });
    const serial = isosurface(volume, { isoValue: 0.2, mask });
    expectSameBytes(withPool(pool, () => isosurface(volume, { isoValue: 0.2, mask })), serial);
    expectSameBytes(withPool(absentHelper, () => isosurface(volume, { isoValue: 0.2, mask })), serial);
  });

  it('a dense surface the split estimate does not see overflows the upper slab\'s room and is marched again: the same bytes', () => {
    // Binary noise in the upper slices, in every row but those the estimate samples (32, 96).
    const dims: Vec3 = [131, 127, 123];
    const [nx, ny, nz] = dims;
    const data = new Uint8Array(nx * ny * nz), rnd = mulberry32(11);
    for (let k = 90; k < nz; k++)
      for (let j = 0; j < ny; j++) {
        if (j % 64 === 32) continue;
        for (let i = 0; i < nx; i++) data[i + nx * (j + ny * k)] = rnd() < 0.5 ? 1 : 0;
      }
    const mask = makeVolume({ data, dims, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, -1] });
    const serial = isosurfaceOfMask(mask);
    expect(serial.positions.length / 3).toBeGreaterThan(500_000);
    expectSameBytes(withPool(pool, () => isosurfaceOfMask(mask)), serial);
    expectSameBytes(withPool(absentHelper, () => isosurfaceOfMask(mask)), serial);
  });

  it('progress is monotone and ends at 1; an abort throws AbortError and the next call is unharmed', () => {
    const volume = blobs([131, 127, 123], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const serial = isosurface(volume, { isoValue: 0.4 });
    const seen: number[] = [];
    expectSameBytes(withPool(pool, () => isosurface(volume, { isoValue: 0.4, onProgress: (f) => seen.push(f) })), serial);
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(1);
    expect(Math.max(...seen)).toBeLessThanOrEqual(1);
    // Without a helper the caller marches both slabs, and its progress runs through both.
    const alone: number[] = [];
    withPool(absentHelper, () => isosurface(volume, { isoValue: 0.4, onProgress: (f) => alone.push(f) }));
    expect(alone.every((f, i) => i === 0 || f >= alone[i - 1]!)).toBe(true);
    expect(alone.filter((f) => f > 0.6 && f < 1).length).toBeGreaterThan(10);
    expect(alone.at(-1)).toBe(1);
    for (const p of [pool, absentHelper]) {
      const ac = new AbortController();
      expect(() => withPool(p, () => isosurface(volume, { isoValue: 0.4, signal: ac.signal, onProgress: (f) => { if (f > 0.2) ac.abort(); } }))).toThrow(AbortError);
      expectSameBytes(withPool(p, () => isosurface(volume, { isoValue: 0.4 })), serial);
    }
  });
});

describe('isosurface in two slabs: the head CT', () => {
  let pool: NodeHelperPool;
  let ct: Volume<Int16Array>;
  let kept: Volume<Uint8Array>;
  beforeAll(async () => {
    pool = startNodeHelpers(2);
    ct = await loadInv3(cached('Cranium.inv3'));
    kept = removeIslands(threshold(ct, { minHu: 226, maxHu: 3071 }), { minIslandMm3: 200 }).mask;
    await pool.ready();
  }, 60_000);
  afterAll(async () => {
    setParallelPool(undefined);
    await pool.close();
  });

  const cases: Array<[string, () => Mesh]> = [
    ['masked HU surface at 225.5', () => isosurface(ct, { isoValue: 225.5, mask: kept })],
    ['unmasked HU surface at -300', () => isosurface(ct, { isoValue: -300 })],
    ['binary mask surface', () => isosurfaceOfMask(kept)],
    ['label table, separate', () => isosurfaceOfMask(kept, { ambiguity: 'separate' })],
    ['label table, join', () => isosurfaceOfMask(kept, { ambiguity: 'join' })],
  ];
  for (const [name, run] of cases) {
    it(`${name}: the same bytes with a helper thread, and with one that never shows up`, () => {
      const serial = run();
      const before = marchSlabsByHelpers();
      for (let r = 0; r < 2; r++) expectSameBytes(withPool(pool, run), serial);
      expect(marchSlabsByHelpers()).toBeGreaterThan(before);
      expectSameBytes(withPool(absentHelper, run), serial);
    });
  }
});
