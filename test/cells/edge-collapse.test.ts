import { describe, expect, it } from 'vitest';
import { IDENTITY3, makeVolume, type Vec3 } from '../../cells/core/volume.ts';
import { isosurface } from '../../cells/mesh/isosurface.ts';
import { collapseEdges, isClosedOrientedManifold } from '../../cells/mesh/edge-collapse.ts';
import { meshTopology } from '../../cells/mesh/topology.ts';

function field(n: number, f: (x: number, y: number, z: number) => number) {
  const data = new Float32Array(n * n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) data[i + n * (j + n * k)] = f(i, j, k);
  return makeVolume({ data, dims: [n, n, n] as Vec3, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
}
const BLOB = isosurface(field(40, (x, y, z) => 12 - Math.hypot(x - 20.3, (y - 19.6) * 1.4, z - 20.2) + 2 * Math.sin(x / 3) * Math.cos(y / 4)), { isoValue: 0 });
const V = BLOB.positions.length / 3;

describe('isClosedOrientedManifold agrees with meshTopology', () => {
  const damaged: [string, Uint32Array][] = [
    ['as is', BLOB.indices],
    ['a triangle removed (open)', BLOB.indices.slice(3)],
    ['a triangle flipped', (() => { const i = BLOB.indices.slice(); [i[0], i[1]] = [i[1]!, i[0]!]; return i; })()],
    ['a triangle duplicated', new Uint32Array([...BLOB.indices, ...BLOB.indices.subarray(0, 3)])],
    ['a pillow added (two triangles back to back)', new Uint32Array([...BLOB.indices, 0, 1, 2, 0, 2, 1].map((v, k) => (k >= BLOB.indices.length ? v + V : v)))],
    ['a repeated vertex', (() => { const i = BLOB.indices.slice(); i[1] = i[0]!; return i; })()],
    ['two copies sharing one vertex (pinched)', new Uint32Array([...BLOB.indices, ...BLOB.indices.map((v) => (v === 0 ? 0 : v + V))])],
  ];
  for (const [name, indices] of damaged) {
    it(name, () => {
      const vertices = Math.max(...indices) + 1;
      expect(isClosedOrientedManifold(indices, vertices)).toBe(meshTopology(indices, vertices).closedManifold);
    });
  }
  it('the undamaged blob is one, the damaged ones are not', () => {
    expect(damaged.map(([, i]) => isClosedOrientedManifold(i, Math.max(...i) + 1))).toEqual([true, false, false, false, false, false, false]);
  });
});

describe('collapseEdges', () => {
  it('returns null for a mesh that is not a closed oriented manifold, and leaves it alone', () => {
    const open = BLOB.indices.slice(3);
    const copy = open.slice();
    expect(collapseEdges(BLOB.positions, open, { targetTriangles: 10, maxErrorMm: Infinity })).toBeNull();
    expect(open).toEqual(copy);
  });

  it('every budget keeps a closed manifold with the same Euler characteristic; errors grow as the budget shrinks', () => {
    const T = BLOB.indices.length / 3;
    let lastError = 0;
    for (const target of [Math.floor(T * 0.9), Math.floor(T / 2), Math.floor(T / 8), 100]) {
      const c = collapseEdges(BLOB.positions, BLOB.indices, { targetTriangles: target, maxErrorMm: Infinity })!;
      expect(c.indices.length / 3).toBeLessThanOrEqual(target);
      expect(c.collapses).toBe((T - c.indices.length / 3) / 2);
      const t = meshTopology(c.indices, V);
      expect(t.closedManifold).toBe(true);
      expect([t.shells, t.shellEuler[0]]).toEqual([1, 2]);
      expect(c.errorMm).toBeGreaterThanOrEqual(lastError);
      lastError = c.errorMm;
    }
  });

  it('keeps shells of at most 64 vertices as they are (specks are not flattened into degenerate tetrahedra)', () => {
    // The blob plus an octahedron 0.01 mm across, far away.
    const o = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]].map(([x, y, z]) => [100 + 0.005 * x!, 0.005 * y!, 0.005 * z!]).flat();
    const f = [0, 2, 4, 2, 1, 4, 1, 3, 4, 3, 0, 4, 2, 0, 5, 1, 2, 5, 3, 1, 5, 0, 3, 5].map((v) => v + V);
    const positions = new Float32Array([...BLOB.positions, ...o]);
    const indices = new Uint32Array([...BLOB.indices, ...f]);
    const c = collapseEdges(positions, indices, { targetTriangles: 50, maxErrorMm: Infinity })!;
    const kept = [...c.indices].filter((v) => v >= V);
    expect(kept.length).toBe(24);
    expect(meshTopology(c.indices, V + 6).shells).toBe(2);
  });
});
