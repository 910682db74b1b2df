/**
 * A small seeded PRNG for the loader fuzzer, so every case is reproducible from one
 * 32-bit number.
 *
 * mulberry32 by Tommy Ettinger (public domain), as published in
 * https://gist.github.com/tommyettinger/46a874533244883189143505d203312c
 * (period 2^32, passes gjrand's tests at the sizes used here). `mix32` is the murmur3
 * 32-bit finaliser (Austin Appleby, MurmurHash3, public domain), used to derive
 * independent case seeds from (run seed, input, case index).
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number;
  /** One element of a non-empty list. */
  pick<T>(xs: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
}

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    range: (lo, hi) => lo + int(hi - lo + 1),
    pick: (xs) => xs[int(xs.length)]!,
    chance: (p) => next() < p,
  };
}

/** murmur3 fmix32 of a few 32-bit words: a well-mixed seed for case `i` of input `k` in run `seed`. */
export function mix32(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    h ^= w >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** 8 hex digits, as case seeds are printed. */
export function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}
