/**
 * Shared by the tests that read real samples from the data cache (datasets/cache.ts).
 * Seed the cache with
 *   node --import tsx datasets/fetch-data.ts --from ../shared/datasets
 * Missing data fails those tests with that instruction; they never skip.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FormatError } from '../cells/core/errors.ts';
import { dataCacheDir } from '../datasets/cache.ts';

/** The data cache as it is when this module is first imported ($VOXBOOK_DATA or <repo>/data). */
const cacheDir = await dataCacheDir();

/**
 * Absolute path of a cached sample file or folder (`rel` as in the registry, e.g.
 * `dicom-conformance/CT_small.dcm`); throws with the fix if it is not there.
 */
export function cached(rel: string): string {
  const p = join(cacheDir, rel);
  if (!existsSync(p)) {
    throw new Error(`sample data missing: ${p}\nSeed the cache first: node --import tsx datasets/fetch-data.ts --from ../shared/datasets (or npm run fetch-data)`);
  }
  return p;
}

/** Awaits `p` and returns what it threw (fails the test if it did not throw). */
export async function thrown(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, got none');
}

/** Calls `f` and returns the FormatError it threw (fails the test on anything else, or nothing). */
export function formatErrorOf(f: () => unknown): FormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return e as FormatError;
  }
  throw new Error('expected a FormatError, got none');
}

/** Deterministic pseudo-random bytes (a 32-bit LCG, Numerical Recipes' constants), for damaged-input tests. */
export function noiseBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}
