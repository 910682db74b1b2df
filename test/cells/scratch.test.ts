import { afterEach, describe, expect, it, vi } from 'vitest';
import { SCRATCH_IDLE_MS, scratchPool, withScratch } from '../../cells/core/scratch.ts';

describe('scratch pools', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the k-th array of a frame reuses the pool k-th buffer, filled as asked', () => {
    const pool = scratchPool('test');
    const first = withScratch(pool, (s) => {
      const a = s.take(Float64Array, 100);
      const b = s.take(Int32Array, 50, -1);
      a.fill(7);
      b[3] = 9;
      return [a.buffer, b.buffer];
    });
    withScratch(pool, (s) => {
      const a = s.take(Float64Array, 80);
      const b = s.take(Int32Array, 50, -1);
      const c = s.take(Uint8Array, 10, null);
      expect(a.buffer).toBe(first[0]);
      expect(b.buffer).toBe(first[1]);
      expect(a.length).toBe(80);
      expect(Array.from(a.subarray(0, 3))).toEqual([0, 0, 0]); // refilled: no value of the last frame shows
      expect(b[3]).toBe(-1);
      expect(c.length).toBe(10);
    });
  });

  it('a larger request grows the buffer; a nested frame of the same pool gets fresh arrays', () => {
    const pool = scratchPool('test');
    withScratch(pool, (outer) => {
      const a = outer.take(Float32Array, 10, 3);
      withScratch(pool, (inner) => {
        const b = inner.take(Float32Array, 10, 5);
        expect(b.buffer).not.toBe(a.buffer);
      });
      expect(Array.from(a.subarray(0, 2))).toEqual([3, 3]); // the inner frame left it alone
    });
    const big = withScratch(pool, (s) => s.take(Float32Array, 1000, 1));
    expect(big.length).toBe(1000);
    expect(big.buffer.byteLength).toBeGreaterThanOrEqual(4000);
  });

  it('shared pools hand out SharedArrayBuffers; buffers are dropped after the idle time', () => {
    vi.useFakeTimers();
    const pool = scratchPool('test', true);
    const buffer = withScratch(pool, (s) => s.take(Uint32Array, 16).buffer);
    expect(buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(pool.buffers.length).toBe(1);
    vi.advanceTimersByTime(SCRATCH_IDLE_MS - 1);
    expect(pool.buffers.length).toBe(1);
    vi.advanceTimersByTime(2);
    expect(pool.buffers.length).toBe(0);
  });

  it('an error in the body frees the pool and drops its buffers (a helper may still hold them)', () => {
    const pool = scratchPool('test');
    const before = withScratch(pool, (s) => s.take(Int32Array, 8).buffer);
    expect(() => withScratch(pool, (s) => { s.take(Int32Array, 8); throw new Error('boom'); })).toThrow('boom');
    expect(pool.busy).toBe(false);
    expect(pool.buffers.length).toBe(0);
    const after = withScratch(pool, (s) => s.take(Int32Array, 8).buffer);
    expect(after).not.toBe(before);
  });
});
