import { beforeAll, describe, expect, it } from 'vitest';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { threshold } from '../../cells/segment/threshold.ts';
import { removeIslands } from '../../cells/segment/components.ts';
import { isosurface } from '../../cells/mesh/isosurface.ts';
import { smoothMesh, type Smoothed } from '../../cells/mesh/smooth.ts';
import { meshDistance, meshToVoxelDistance } from '../../cells/mesh/distance.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import type { Volume } from '../../cells/core/volume.ts';
import { cached } from '../helpers.ts';

// The bone surface of the real head CT (isosurface-real.test.ts's mesh: 225.5 HU, islands < 200 mm³ removed).
describe('smoothMesh and meshDistance on the real CT skull', () => {
  let kept: Volume<Uint8Array>;
  let raw: Mesh;
  let smooth: Smoothed;
  beforeAll(async () => {
    const ct = await loadInv3(cached('Cranium.inv3'));
    kept = removeIslands(threshold(ct, { minHu: 226, maxHu: 3071 }), { minIslandMm3: 200 }).mask;
    raw = isosurface(ct, { isoValue: 225.5, mask: kept });
    smooth = smoothMesh(raw);
  }, 120_000);

  it('stays closed and edge-manifold with the same Euler characteristic; volume change ≤ 0.5%; no NaN', () => {
    const before = validateMesh(raw), after = validateMesh(smooth.mesh);
    expect([after.closed, after.edgeManifold, after.consistentlyOriented]).toEqual([true, true, true]);
    expect(after.vertices - after.edges + after.triangles).toBe(before.vertices - before.edges + before.triangles);
    expect(Math.abs(smooth.volumeChange)).toBeLessThan(0.005);
    expect(smooth.mesh.positions.every(Number.isFinite)).toBe(true);
    // Voxels are 0.957 × 0.957 × 1.5 mm: on average a vertex moves a fraction of one; thin
    // plates (orbits, ethmoid) move most.
    expect(smooth.meanDisplacementMm).toBeLessThan(0.5); // mostly tangential: the mean surface distance is 0.07 mm
    expect(smooth.maxDisplacementMm).toBeLessThan(2.5);
  });

  it('HD95 of the smoothed skull to the unsmoothed surface ≤ 0.3 mm, and within one voxel (HD95) of the mask\'s voxel surface', () => {
    const d = meshDistance(smooth.mesh, raw);
    console.log('skull', JSON.stringify({ volumeChange: smooth.volumeChange, maxMove: smooth.maxDisplacementMm, meanMove: smooth.meanDisplacementMm, toRaw: d }));
    expect(d.hd95Mm).toBeLessThan(0.3);
    expect(d.meanMm).toBeLessThan(0.1);
    const v = meshToVoxelDistance(smooth.mesh, kept);
    console.log('skull to voxels', JSON.stringify(v));
    expect(v.hd95Mm).toBeLessThan(0.957); // one in-plane voxel
  }, 120_000);
});
