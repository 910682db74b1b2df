/**
 * Scratch typed arrays kept between calls of a stage on one thread, for the stages that need
 * tens of MB of temporaries per call (decimation: ~100 MB on a 673k-triangle surface).
 *
 * Why: each `new Float64Array(n)` gets fresh zeroed pages from the OS, and the first touch of
 * every 4 KB page is a page fault; the large external buffers also push V8 into full GCs. On
 * the 2-core VM here the first touch of 27 MB took 16–73 ms, and decimations alternated between
 * fast and 1.5× slower runs with the GC. Reused memory is already mapped.
 *
 * Invariants:
 * 1. A frame (`withScratch(pool, body)`) owns the arrays it takes until `body` returns. The
 *    k-th array a frame takes reuses the pool's k-th buffer (grown when too small), so a stage
 *    that takes its arrays in the same order every call reuses all of them.
 * 2. Frames of one pool do not nest: a frame opened while the pool is in use takes fresh
 *    buffers (correct, only slower), so a re-entrant call never sees its caller's arrays.
 * 3. Arrays must not outlive their frame (callers copy results out); the pool's buffers are
 *    dropped after IDLE_MS without a frame, so an idle kernel gives the memory back. A frame
 *    whose body throws drops them at once: a helper thread that gave up on a shared job
 *    (cells/core/parallel.ts) might still write into them, and the next frame must not see that.
 * 4. `take` fills the array (0 unless told otherwise), as `new` would; `fill: null` skips that
 *    for arrays the caller writes in full before reading.
 */

type TypedArrayCtor<A> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): A; readonly BYTES_PER_ELEMENT: number };
type Fillable = { fill(value: number): unknown };

/** A pool's buffers are dropped after this long without use, ms. */
export const SCRATCH_IDLE_MS = 20_000;

/** Typed arrays for one frame (see the invariants above). */
export interface Scratch {
  /**
   * An array of `length` elements filled with `fill` (0 by default; null: left as it was).
   * Over a SharedArrayBuffer when the pool was made `shared`.
   */
  take<A extends Fillable>(ctor: TypedArrayCtor<A>, length: number, fill?: number | null): A;
  /**
   * `source` where helper threads can read it: `source` itself when it is over a
   * SharedArrayBuffer already; else an array of the frame (a shared pool's) of the same length
   * holding a copy of `source[from..]` at the same indices — the part before `from` is left as it
   * was, for a helper that reads only the rest.
   */
  shareable<A extends NumberArray>(source: A, from?: number): A;
}

type NumberArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** Buffers reused by the frames of one stage on one thread. */
export interface ScratchPool {
  readonly name: string;
  readonly shared: boolean;
  buffers: ArrayBufferLike[];
  busy: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** A pool for one stage; `shared`: its buffers are SharedArrayBuffers (for arrays helpers read). */
export function scratchPool(name: string, shared = false): ScratchPool {
  return { name, shared, buffers: [], busy: false, timer: undefined };
}

/** Runs `body` with a frame of `pool` (invariants 1–3) and returns what it returns. */
export function withScratch<R>(pool: ScratchPool, body: (scratch: Scratch) => R): R {
  if (pool.busy) return body(freshScratch(pool.shared));
  pool.busy = true;
  if (pool.timer !== undefined) clearTimeout(pool.timer);
  try {
    return body(frame(pool.shared, pool.buffers));
  } catch (e) {
    pool.buffers = [];
    throw e;
  } finally {
    pool.busy = false;
    pool.timer = setTimeout(() => {
      pool.buffers = [];
      pool.timer = undefined;
    }, SCRATCH_IDLE_MS);
    (pool.timer as { unref?: () => void }).unref?.();
  }
}

/** A frame of no pool: every array fresh (for callers that have no pool at hand). */
export function freshScratch(shared = false): Scratch {
  return frame(shared, []);
}

function frame(shared: boolean, buffers: ArrayBufferLike[]): Scratch {
  let k = 0;
  return {
    take<A extends Fillable>(ctor: TypedArrayCtor<A>, length: number, fill: number | null = 0): A {
      const bytes = length * ctor.BYTES_PER_ELEMENT;
      let buffer = buffers[k];
      const fresh = buffer === undefined || buffer.byteLength < bytes;
      if (fresh) {
        // Headroom so that a slightly larger next call still fits.
        const size = Math.ceil((bytes * 1.125) / 8) * 8;
        buffer = shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
        buffers[k] = buffer;
      }
      k++;
      const out = new ctor(buffer!, 0, length);
      if (fill !== null && !(fresh && fill === 0)) out.fill(fill); // fresh memory is zero already
      return out;
    },
    shareable<A extends NumberArray>(source: A, from = 0): A {
      if (source.buffer instanceof SharedArrayBuffer) return source;
      const out = this.take(source.constructor as unknown as TypedArrayCtor<A>, source.length, null);
      (out as unknown as { set(a: ArrayLike<number>, offset: number): void }).set(source.subarray(from), from);
      return out;
    },
  };
}
