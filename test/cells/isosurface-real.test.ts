import { beforeAll, describe, expect, it } from 'vitest';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { threshold } from '../../cells/segment/threshold.ts';
import { removeIslands } from '../../cells/segment/components.ts';
import { removeDetachedFragments } from '../../cells/segment/fragments.ts';
import { isosurface, isosurfaceOfMask } from '../../cells/mesh/isosurface.ts';
import { meshShells } from '../../cells/mesh/shells.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';
import type { Volume } from '../../cells/core/volume.ts';
import { cached } from '../helpers.ts';

// Issue 2's reference figures: VTK flying edges on the padded CT, islands < 200 mm³ removed
// (26-connected, 3 components kept, 475,300 voxels).
describe('isosurface of the real head CT against VTK', () => {
  let ct: Volume<Int16Array>;
  let kept: Volume<Uint8Array>;
  beforeAll(async () => {
    ct = await loadInv3(cached('Cranium.inv3'));
    kept = removeIslands(threshold(ct, { minHu: 226, maxHu: 3071 }), { minIslandMm3: 200 }).mask;
  });

  it('HU isosurface at 225.5: 675,712 triangles and 661,131 mm³ (±0.2%), closed and edge-manifold', () => {
    const check = validateMesh(isosurface(ct, { isoValue: 225.5, mask: kept }));
    expect(check.triangles).toBe(675_712);
    expect(Math.abs(check.volumeMm3 / 661_131 - 1)).toBeLessThan(0.002);
    expect([check.closed, check.edgeManifold, check.degenerateTriangles]).toEqual([true, true, 0]);
  });

  it('binary-mask isosurface at 0.5: 651,765 mm³ (±0.2%)', () => {
    const check = validateMesh(isosurfaceOfMask(kept));
    expect(Math.abs(check.volumeMm3 / 651_765 - 1)).toBeLessThan(0.002);
    expect(check.edgeManifold).toBe(true);
  });

  it('has no loose solid shell once detached fragments are removed', () => {
    const before = meshShells(isosurface(ct, { isoValue: 225.5, mask: kept }));
    const solidBefore = Array.from(before.volumeMm3).filter((v) => v > 0).length;
    const fragments = removeDetachedFragments(kept, { minIslandMm3: 200 });
    const after = meshShells(isosurface(ct, { isoValue: 225.5, mask: fragments.mask }));
    expect(solidBefore).toBe(3 + fragments.removed.length);
    expect(Array.from(after.volumeMm3).filter((v) => v > 0).length).toBe(3);
  });
});
