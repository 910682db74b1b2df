import { describe, expect, it } from 'vitest';
import { IDENTITY3, makeVolume } from '../../cells/core/volume.ts';
import { removeDetachedFragments } from '../../cells/segment/fragments.ts';
import { AbortError } from '../../cells/core/errors.ts';

const n = 10;
const data = new Uint8Array(n * n * n);
for (let k = 2; k < 8; k++) for (let j = 2; j < 8; j++) for (let i = 2; i < 8; i++) data[i + n * (j + n * k)] = 1;
data[8 + n * (8 + n * 8)] = 1; // a corner-touching voxel: a detached fragment
const mask = makeVolume({ data, dims: [n, n, n], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });

describe('removeDetachedFragments progress', () => {
  it('reports 0..1 once over its two labellings, never going back, and the same result as without', () => {
    const seen: number[] = [];
    const withProgress = removeDetachedFragments(mask, { minIslandMm3: 2, onProgress: (f) => seen.push(f) });
    const without = removeDetachedFragments(mask, { minIslandMm3: 2 });
    expect(withProgress.removed.length).toBe(1);
    expect(withProgress.mask.data).toEqual(without.mask.data);
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(1);
    expect(seen).toContain(0.5);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
  });

  it('stops on its signal', () => {
    const controller = new AbortController();
    controller.abort();
    expect(() => removeDetachedFragments(mask, { minIslandMm3: 2, signal: controller.signal })).toThrow(AbortError);
  });
});
