import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkRange, ParallelJobError, runShared, runTickets, setParallelPool, type ParallelPool } from '../../cells/core/parallel.ts';
import { smoothMesh } from '../../cells/mesh/smooth.ts';
import { nodeThreads, startNodeHelpers, type NodeHelperPool } from '../../kernel/node/parallel-pool.ts';
import { sphereMesh } from '../mesh-phantoms.ts';

describe('runShared without helpers (serial)', () => {
  it('runs every chunk once, steps in order, afterStep once per step', () => {
    const seen: string[] = [], steps: number[] = [];
    const r = runShared({ share: false, name: 'test', payload: {}, steps: 3, chunks: 4 }, (s, c) => seen.push(`${s}.${c}`), (s) => steps.push(s));
    expect(seen).toEqual(['0.0', '0.1', '0.2', '0.3', '1.0', '1.1', '1.2', '1.3', '2.0', '2.1', '2.2', '2.3']);
    expect(steps).toEqual([0, 1, 2]);
    expect(r.chunksByHelpers).toBe(0);
  });

  it('an error in afterStep stops the job and is re-thrown', () => {
    let ran = 0;
    expect(() => runShared({ share: false, name: 'test', payload: {}, steps: 5, chunks: 2 }, () => ran++, (s) => { if (s === 1) throw new Error('stop'); })).toThrow('stop');
    expect(ran).toBe(4);
  });

  it('callerFirst: chunk 0 of step 0 runs first, then the rest in order', () => {
    const seen: string[] = [];
    const r = runShared({ share: false, name: 'test', payload: {}, steps: 2, chunks: 3, callerFirst: true }, (s, c) => seen.push(`${s}.${c}`));
    expect(seen).toEqual(['0.0', '0.1', '0.2', '1.0', '1.1', '1.2']);
    expect(r.chunksByHelpers).toBe(0);
  });

  it('callerFirst: a helper that is there at once still never runs chunk 0 of step 0', () => {
    const seen: string[] = [];
    // A helper that takes every ticket it can the moment the job is posted, before the caller starts.
    const eager: ParallelPool = { helpers: 1, post: (job) => runTickets(job.control, job.steps, job.chunks, (s, c) => seen.push(`helper ${s}.${c}`), undefined, true) };
    setParallelPool(eager);
    try {
      const first = runShared({ share: true, name: 'test', payload: {}, steps: 1, chunks: 3, callerFirst: true }, (s, c) => seen.push(`caller ${s}.${c}`));
      expect(seen).toEqual(['helper 0.1', 'helper 0.2', 'caller 0.0']);
      expect(first.chunksByHelpers).toBe(2);
      seen.length = 0;
      const any = runShared({ share: true, name: 'test', payload: {}, steps: 1, chunks: 3 }, (s, c) => seen.push(`caller ${s}.${c}`));
      expect(seen).toEqual(['helper 0.0', 'helper 0.1', 'helper 0.2']);
      expect(any.chunksByHelpers).toBe(3);
    } finally {
      setParallelPool(undefined);
    }
  });

  it('chunkRange covers 0..n without gaps or overlaps', () => {
    for (const [n, k] of [[10, 3], [7, 8], [1_000_003, 8]] as const) {
      let next = 0;
      for (let c = 0; c < k; c++) {
        const [a, b] = chunkRange(n, k, c);
        expect(a).toBe(next);
        next = b;
      }
      expect(next).toBe(n);
    }
  });
});

describe('nodeThreads', () => {
  it('VOXBOOK_THREADS picks the threads (1..8); anything else falls back to the cores', () => {
    const saved = process.env.VOXBOOK_THREADS;
    try {
      process.env.VOXBOOK_THREADS = '1';
      expect(nodeThreads()).toBe(1);
      process.env.VOXBOOK_THREADS = '3';
      expect(nodeThreads()).toBe(3);
      process.env.VOXBOOK_THREADS = '64';
      expect(nodeThreads()).toBe(8);
      process.env.VOXBOOK_THREADS = 'many';
      const cores = nodeThreads();
      expect(cores).toBeGreaterThanOrEqual(1);
      expect(cores).toBeLessThanOrEqual(8);
      expect(startNodeHelpers(1).helpers).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.VOXBOOK_THREADS;
      else process.env.VOXBOOK_THREADS = saved;
    }
  });
});

describe('shared jobs with a Node helper thread', () => {
  let pool: NodeHelperPool;
  // 17k vertices × 6 neighbours × 20 iterations: over the size at which smoothing is shared.
  const mesh = sphereMesh(30, [40.2, 39.7, 40.4], { n: 84 });
  let serial: Float32Array;

  beforeAll(async () => {
    serial = smoothMesh(mesh).mesh.positions;
    pool = startNodeHelpers(2);
    setParallelPool(pool);
    // The helper starts in the background (tsx, then the job registry).
    await pool.ready();
  }, 30_000);
  afterAll(async () => {
    setParallelPool(undefined);
    await pool.close();
  });

  it('smoothMesh: the helper takes chunks and the result is bit-identical to the serial run', async () => {
    let helped = 0;
    for (let i = 0; i < 5; i++) {
      const s = smoothMesh(mesh);
      helped += s.helperChunks;
      const p = s.mesh.positions;
      let differ = 0;
      for (let j = 0; j < p.length; j++) if (p[j] !== serial[j]) differ++;
      expect(differ).toBe(0);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(helped).toBeGreaterThan(0);
  });

  it('a helper that fails (an unknown job) fails the caller with ParallelJobError instead of a wait', () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    // Slow chunks (2 ms each), so the helper has the job before the caller is done.
    const slow = () => { Atomics.wait(flag, 0, 0, 2); };
    expect(() => runShared({ share: true, name: 'no-such-job', payload: {}, steps: 400, chunks: 2 }, slow)).toThrow(ParallelJobError);
  });
});
