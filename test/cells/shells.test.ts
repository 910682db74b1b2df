import { describe, expect, it } from 'vitest';
import { IDENTITY3, makeVolume, type Volume } from '../../cells/core/volume.ts';
import { isosurfaceOfMask } from '../../cells/mesh/isosurface.ts';
import { meshShells, removeSmallShells } from '../../cells/mesh/shells.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';
import { removeIslands } from '../../cells/segment/components.ts';
import { ParameterError } from '../../cells/core/errors.ts';

function mask(n: number, inside: (i: number, j: number, k: number) => boolean): Volume<Uint8Array> {
  const data = new Uint8Array(n * n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) data[i + n * (j + n * k)] = inside(i, j, k) ? 1 : 0;
  return makeVolume({ data, dims: [n, n, n], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
}

const ball = (cx: number, cy: number, cz: number, r: number) => (i: number, j: number, k: number) => (i - cx) ** 2 + (j - cy) ** 2 + (k - cz) ** 2 <= r * r;

describe('meshShells', () => {
  it('gives solid shells positive and cavities negative volume', () => {
    // A hollow ball: outer radius 10, cavity radius 5.
    const m = isosurfaceOfMask(mask(24, (i, j, k) => ball(12, 12, 12, 10)(i, j, k) && !ball(12, 12, 12, 5)(i, j, k)));
    const s = meshShells(m);
    expect(s.count).toBe(2);
    const vols = Array.from(s.volumeMm3).sort((a, b) => a - b);
    expect(vols[0]).toBeLessThan(0);
    expect(vols[1]).toBeGreaterThan(0);
    expect(Math.abs(vols[0]!) / ((4 / 3) * Math.PI * 125)).toBeGreaterThan(0.8);
  });
});

describe('removeSmallShells', () => {
  it('removes a voxel that touches a block only at a corner, which 26-connected island removal keeps', () => {
    const m = mask(12, (i, j, k) => (i >= 2 && i < 8 && j >= 2 && j < 8 && k >= 2 && k < 8) || (i === 8 && j === 8 && k === 8));
    expect(removeIslands(m, { minIslandMm3: 2 }).kept.length).toBe(1); // one 26-connected component
    const surface = isosurfaceOfMask(m);
    expect(meshShells(surface).count).toBe(2); // but two pieces on the print
    const r = removeSmallShells(surface, { minVolumeMm3: 2 });
    expect([r.removedShells, r.removedCavities, r.keptShells]).toEqual([1, 0, 1]);
    const check = validateMesh(r.mesh);
    expect(check.shells).toBe(1);
    expect(check.edgeManifold).toBe(true);
    expect(check.volumeMm3).toBeCloseTo(validateMesh(surface).volumeMm3 - r.removedVolumeMm3, 6);
  });

  it('removes the cavity of a removed piece and keeps the cavity of a kept one', () => {
    const big = (i: number, j: number, k: number) => ball(12, 12, 12, 10)(i, j, k) && !ball(12, 12, 12, 4)(i, j, k);
    const small = (i: number, j: number, k: number) => ball(30, 30, 30, 4)(i, j, k) && !ball(30, 30, 30, 1.5)(i, j, k);
    const surface = isosurfaceOfMask(mask(36, (i, j, k) => big(i, j, k) || small(i, j, k)));
    expect(meshShells(surface).count).toBe(4);
    const r = removeSmallShells(surface, { minVolumeMm3: 1000 });
    expect([r.removedShells, r.removedCavities, r.keptShells]).toEqual([1, 1, 2]);
    const s = meshShells(r.mesh);
    expect(Array.from(s.volumeMm3).filter((v) => v < 0).length).toBe(1);
  });

  it('returns the same mesh when nothing is small, and rejects a negative volume', () => {
    const surface = isosurfaceOfMask(mask(16, ball(8, 8, 8, 5)));
    expect(removeSmallShells(surface, { minVolumeMm3: 10 }).mesh).toBe(surface);
    expect(() => removeSmallShells(surface, { minVolumeMm3: -1 })).toThrow(ParameterError);
  });
});

describe('removeDetachedFragments', () => {
  it('removes a voxel joined to a block only at a corner, and keeps a separate island whole', async () => {
    const { removeDetachedFragments } = await import('../../cells/segment/fragments.ts');
    const block = (i: number, j: number, k: number) => i >= 2 && i < 8 && j >= 2 && j < 8 && k >= 2 && k < 8;
    // The corner voxel (8,8,8) belongs to the block's 26-component; the voxel at (14,14,14) is its own island.
    const m = mask(18, (i, j, k) => block(i, j, k) || (i === 8 && j === 8 && k === 8) || (i === 14 && j === 14 && k === 14));
    const r = removeDetachedFragments(m, { minIslandMm3: 2 });
    expect(r.removed.map((c) => c.voxels)).toEqual([1]);
    expect(r.mask.data[8 + 18 * (8 + 18 * 8)]).toBe(0);
    expect(r.mask.data[14 + 18 * (14 + 18 * 14)]).toBe(1);
    expect(meshShells(isosurfaceOfMask(r.mask)).count).toBe(2);
  });
});
