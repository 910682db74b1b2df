import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AbortError } from '../../cells/core/errors.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import { setParallelPool, type ParallelPool, type SharedJob } from '../../cells/core/parallel.ts';
import { makeVolume, type Volume } from '../../cells/core/volume.ts';
import { meshDistance, DISTANCE_JOB } from '../../cells/mesh/distance.ts';
import { isosurface } from '../../cells/mesh/isosurface.ts';
import { RAY_JOB, wallThickness } from '../../cells/mesh/thickness.ts';
import { startNodeHelpers, type NodeHelperPool } from '../../kernel/node/parallel-pool.ts';
import { mulberry32 } from '../../datasets/phantom.ts';
import { withPool } from '../parallel-helpers.ts';

// Mesh stages that share their work with helper threads: meshDistance's two directions
// (cells/mesh/distance.ts, `distanceBody`) and wallThickness's rays (cells/mesh/thickness.ts,
// `rayBody`). The same figures as one thread, with a live helper and with one that never shows
// up; abort.

/** Wavy blobs with a little noise: two isovalues give two large, nearby, unlike surfaces. */
function blobs(): Volume<Float32Array> {
  const [nx, ny, nz] = [120, 116, 110];
  const data = new Float32Array(nx * ny * nz), rnd = mulberry32(11);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) data[i + nx * (j + ny * k)] = Math.sin(i * 0.19) * Math.cos(j * 0.15 + k * 0.06) + Math.sin(k * 0.11 + i * 0.04) + 0.2 * rnd();
  return makeVolume({ data, dims: [nx, ny, nz], spacingMm: [0.8, 0.9, 1.1], originMm: [-40, 12, 3], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
}

describe('meshDistance and wallThickness on two threads', () => {
  let pool: NodeHelperPool;
  let a: Mesh, b: Mesh;
  const posted: string[] = [];
  /** The pool, recording the jobs posted to it. */
  let recording: ParallelPool;
  /** A pool whose helper never takes a chunk. */
  const absentHelper: ParallelPool = { helpers: 1, post: (job: SharedJob) => void posted.push(`absent ${job.name}`) };

  beforeAll(async () => {
    pool = startNodeHelpers(2);
    recording = { helpers: pool.helpers, post: (job) => { posted.push(job.name); pool.post(job); } };
    const v = blobs();
    a = isosurface(v, { isoValue: 0.4 });
    b = isosurface(v, { isoValue: 0.55 });
    await pool.ready();
  }, 60_000);
  afterAll(async () => {
    setParallelPool(undefined);
    await pool.close();
  });

  beforeEach(() => {
    posted.length = 0;
  });

  it('meshDistance: the same figures as one thread, with a helper and without one showing up', () => {
    // Large enough to be shared (over 667k triangles in all).
    expect((a.indices.length + b.indices.length) / 3).toBeGreaterThan(700_000);
    const serial = meshDistance(a, b);
    expect(posted).toEqual([]);
    expect(serial.hd95Mm).toBeGreaterThan(0.05);
    expect(serial.aToB.p95Mm).not.toBe(serial.bToA.p95Mm);
    const seen: number[] = [];
    expect(withPool(recording, () => meshDistance(a, b, { onProgress: (f) => seen.push(f) }))).toEqual(serial);
    expect(posted).toEqual([DISTANCE_JOB]);
    expect(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!))).toBe(true);
    expect(seen.at(-1)).toBe(1);
    expect(withPool(absentHelper, () => meshDistance(a, b))).toEqual(serial);
    expect(withPool(recording, () => meshDistance(b, a))).toEqual({ ...serial, aToB: serial.bToA, bToA: serial.aToB });
  });

  it('meshDistance: an abort throws AbortError, and the next call is unharmed', () => {
    const serial = meshDistance(a, b);
    for (const p of [recording, absentHelper]) {
      const ac = new AbortController();
      expect(() => withPool(p, () => meshDistance(a, b, { signal: ac.signal, onProgress: (f) => { if (f > 0.1) ac.abort(); } }))).toThrow(AbortError);
      expect(withPool(p, () => meshDistance(a, b))).toEqual(serial);
    }
  });

  it('wallThickness: the same bytes, rays and misses as one thread, with a helper and without one showing up', () => {
    const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const mesh of [a, b]) {
      const serial = wallThickness(mesh);
      expect(serial.rays).toBeGreaterThan(50_000);
      expect(serial.rays - serial.missed).toBeGreaterThan(serial.rays / 2);
      const seen: number[] = [];
      const posts = posted.length;
      const threaded = withPool(recording, () => wallThickness(mesh, { onProgress: (f) => seen.push(f) }));
      expect(posted.slice(posts)).toEqual([RAY_JOB]);
      expect([threaded.rays, threaded.missed, threaded.stride]).toEqual([serial.rays, serial.missed, serial.stride]);
      expect(bytes(threaded.thicknessMm).equals(bytes(serial.thicknessMm))).toBe(true);
      expect(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!))).toBe(true);
      expect(seen.at(-1)).toBe(1);
      const alone = withPool(absentHelper, () => wallThickness(mesh));
      expect(bytes(alone.thicknessMm).equals(bytes(serial.thicknessMm))).toBe(true);
      // Sampled (every 2nd or 3rd vertex): the same samples.
      const sampled = withPool(recording, () => wallThickness(mesh, { maxRays: 60_000 }));
      expect(bytes(sampled.thicknessMm).equals(bytes(wallThickness(mesh, { maxRays: 60_000 }).thicknessMm))).toBe(true);
    }
  });

  it('wallThickness: an abort throws AbortError, and the next call is unharmed', () => {
    // Aborted as the rays start (progress 0.2 follows the BVH build): the caller's first chunk ends with a check.
    const serial = wallThickness(a);
    for (const p of [recording, absentHelper]) {
      const ac = new AbortController();
      expect(() => withPool(p, () => wallThickness(a, { signal: ac.signal, onProgress: (f) => { if (f >= 0.2) ac.abort(); } }))).toThrow(AbortError);
      expect(withPool(p, () => wallThickness(a)).thicknessMm).toEqual(serial.thicknessMm);
    }
  });
});
