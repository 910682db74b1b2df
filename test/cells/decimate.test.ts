import { describe, expect, it } from 'vitest';
import { AbortError, GeometryError, ParameterError } from '../../cells/core/errors.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import { IDENTITY3, makeVolume, type Vec3, type Volume } from '../../cells/core/volume.ts';
import { isosurface } from '../../cells/mesh/isosurface.ts';
import { decimateMesh, MAX_TRIANGLE_BUDGET } from '../../cells/mesh/decimate.ts';
import { meshTopology } from '../../cells/mesh/topology.ts';
import { meshShells } from '../../cells/mesh/shells.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';

/** Float field f(world mm) on a 1 mm grid of n³ voxels. */
function field(n: number, f: (x: number, y: number, z: number) => number): Volume<Float32Array> {
  const data = new Float32Array(n * n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) data[i + n * (j + n * k)] = f(i, j, k);
  return makeVolume({ data, dims: [n, n, n] as Vec3, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
}
const C: Vec3 = [32.3, 31.8, 32.6];
const R = 20;
const SPHERE = isosurface(field(64, (x, y, z) => R - Math.hypot(x - C[0], y - C[1], z - C[2])), { isoValue: 0 });
const RT = 20, rt = 8;
const TORUS = isosurface(field(64, (x, y, z) => rt - Math.hypot(Math.hypot(x - C[0], y - C[1]) - RT, z - C[2])), { isoValue: 0 });
const triangles = (m: Mesh): number => m.indices.length / 3;

function expectClosedManifold(m: Mesh, euler: number): void {
  const r = validateMesh(m);
  expect({ open: r.openEdges, nonManifold: r.nonManifoldEdges, duplicated: r.duplicatedFaces, fans: r.nonManifoldVertices }).toEqual({ open: 0, nonManifold: 0, duplicated: 0, fans: 0 });
  expect(r.manifold).toBe(true);
  expect(r.consistentlyOriented).toBe(true);
  expect(r.vertices - r.edges + r.triangles).toBe(euler);
  expect(r.shells).toBe(1);
}

describe('decimateMesh on phantoms', () => {
  it('sphere r = 20 mm, 10× fewer triangles: closed manifold, genus 0, volume within 1.25%, vertices on the sphere', async () => {
    const T = triangles(SPHERE);
    const d = await decimateMesh(SPHERE, { ratio: 0.1 });
    expect(d.triangles).toBeLessThanOrEqual(Math.floor(T / 10));
    expect(d.triangles).toBeGreaterThan(Math.floor(T / 10) - 10);
    expect(d.manifold).toBe(true);
    expect(d.unchanged).toBe(false);
    expectClosedManifold(d.mesh, 2);
    // At ~1,500 triangles chords cut volume: an ideal inscribed polyhedron of that size already
    // loses ~0.5% (plus the isosurface's own −0.15%); meshoptimizer's simplifier loses 0.97%, ours 1.03%.
    const exact = (4 / 3) * Math.PI * R ** 3;
    expect(Math.abs(validateMesh(d.mesh).volumeMm3 / exact - 1)).toBeLessThan(0.0125);
    // Vertices are a subset of the input's: on the sphere within the isosurface's own error.
    for (let v = 0; v < d.mesh.positions.length; v += 3) {
      const p = d.mesh.positions;
      expect(Math.abs(Math.hypot(p[v]! - C[0], p[v + 1]! - C[1], p[v + 2]! - C[2]) - R)).toBeLessThan(0.1);
    }
    expect(d.errorMm).toBeGreaterThan(0);
    expect(d.errorMm).toBeLessThan(0.5);
  });

  it('torus R = 20, r = 8 mm, 10× fewer triangles: closed manifold, genus 1, volume within 1.5% of analytic', async () => {
    const T = triangles(TORUS);
    const d = await decimateMesh(TORUS, { targetTriangles: Math.floor(T / 10) });
    expect(d.triangles).toBeLessThanOrEqual(Math.floor(T / 10));
    expectClosedManifold(d.mesh, 0);
    const before = validateMesh(TORUS).volumeMm3, after = validateMesh(d.mesh).volumeMm3;
    // 18,272 → 1,826 triangles on a tube of radius 8 mm: the coarser chords cut 1.0% of the
    // volume (the input is 0.3% under 2π²Rr² already).
    expect(Math.abs(after / before - 1)).toBeLessThan(0.0125);
    expect(Math.abs(after / (2 * Math.PI ** 2 * RT * rt * rt) - 1)).toBeLessThan(0.015);
  });

  it('the same bytes whatever ran before it (temporaries are reused between calls)', async () => {
    const first = await decimateMesh(TORUS, { targetTriangles: 900 });
    await decimateMesh(SPHERE, { targetTriangles: 3000 });
    await decimateMesh(TORUS, { targetTriangles: 300 });
    const again = await decimateMesh(TORUS, { targetTriangles: 900 });
    expect(again.triangles).toBe(first.triangles);
    expect(Buffer.from(again.mesh.indices.buffer).equals(Buffer.from(first.mesh.indices.buffer))).toBe(true);
    expect(Buffer.from(again.mesh.positions.buffer).equals(Buffer.from(first.mesh.positions.buffer))).toBe(true);
  });

  it('keeps the torus a torus even at 200 triangles (the simplifier alone may close the hole)', async () => {
    const d = await decimateMesh(TORUS, { targetTriangles: 200 });
    expect(d.triangles).toBeLessThanOrEqual(200);
    expectClosedManifold(d.mesh, 0);
  });

  it('stops at maxErrorMm: fewer collapses than the budget asks, error within the limit', async () => {
    const loose = await decimateMesh(SPHERE, { targetTriangles: 100 });
    const tight = await decimateMesh(SPHERE, { targetTriangles: 100, maxErrorMm: 0.01 });
    expect(tight.triangles).toBeGreaterThan(loose.triangles);
    expect([loose.withinBudget, tight.withinBudget]).toEqual([true, false]);
    expect(tight.errorMm).toBeLessThanOrEqual(0.01);
    expectClosedManifold(tight.mesh, 2);
    const alone = await decimateMesh(SPHERE, { maxErrorMm: 0.05 });
    expect(alone.triangles).toBeLessThan(triangles(SPHERE));
    expect(alone.errorMm).toBeLessThanOrEqual(0.05);
  });

  it('returns the input itself when it is within budget, and says so', async () => {
    const d = await decimateMesh(SPHERE, { targetTriangles: triangles(SPHERE) });
    expect(d.unchanged).toBe(true);
    expect(d.mesh).toBe(SPHERE);
    expect(d.triangles).toBe(triangles(SPHERE));
    expect(d.errorMm).toBe(0);
  });

  it('a budget below what the shells need: the topology wins, and the result says it is over budget', async () => {
    const d = await decimateMesh(TORUS, { targetTriangles: 4 });
    expect(d.withinBudget).toBe(false);
    expect(d.triangles).toBeGreaterThan(4);
    expectClosedManifold(d.mesh, 0);
  });

  it('keeps two shells two shells, each with its own topology', async () => {
    const both: Mesh = {
      positions: new Float32Array([...SPHERE.positions, ...TORUS.positions.map((v, i) => (i % 3 === 0 ? v + 100 : v))]),
      indices: new Uint32Array([...SPHERE.indices, ...TORUS.indices.map((i) => i + SPHERE.positions.length / 3)]),
    };
    const d = await decimateMesh(both, { ratio: 0.1 });
    const t = meshTopology(d.mesh.indices, d.mesh.positions.length / 3);
    expect(t.closedManifold).toBe(true);
    expect([...t.shellEuler].sort()).toEqual([0, 2]);
    expect(meshShells(d.mesh).count).toBe(2);
  });

  it('decimates a non-manifold input without repair and reports manifold: false', async () => {
    const open: Mesh = { positions: SPHERE.positions, indices: SPHERE.indices.slice(3) };
    const d = await decimateMesh(open, { ratio: 0.5 });
    expect(d.inputManifold).toBe(false);
    expect(d.manifold).toBe(false);
    expect(validateMesh(d.mesh).manifold).toBe(false);
  });

  it('reports progress from 0 to 1, monotone, and stops on abort', async () => {
    const seen: number[] = [];
    await decimateMesh(SPHERE, { ratio: 0.1, onProgress: (f) => seen.push(f) });
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    const c = new AbortController();
    c.abort();
    await expect(decimateMesh(SPHERE, { ratio: 0.1, signal: c.signal })).rejects.toThrow(AbortError);
  });
});

describe('decimateMesh refuses bad input with typed errors', () => {
  it('budgets: 0, negative, non-integer, 2 billion, both or none, ratios out of (0, 1]', async () => {
    for (const targetTriangles of [0, -5, 10.5, 2_000_000_000, Number.NaN, Infinity]) {
      const e = await decimateMesh(SPHERE, { targetTriangles }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ParameterError);
      expect((e as Error).message).toMatch(/targetTriangles/);
    }
    expect(MAX_TRIANGLE_BUDGET).toBe(1_431_655_765);
    await expect(decimateMesh(SPHERE, { targetTriangles: 100, ratio: 0.5 })).rejects.toThrow(ParameterError);
    await expect(decimateMesh(SPHERE, {})).rejects.toThrow(ParameterError);
    for (const ratio of [0, -0.1, 1.5, Number.NaN]) await expect(decimateMesh(SPHERE, { ratio })).rejects.toThrow(ParameterError);
    await expect(decimateMesh(SPHERE, { ratio: 1e-9 })).rejects.toThrow(/leaves none/);
    await expect(decimateMesh(SPHERE, { targetTriangles: 10, maxErrorMm: -1 })).rejects.toThrow(ParameterError);
  });

  it('meshes: NaN position, index out of range, empty mesh → GeometryError', async () => {
    const nan = SPHERE.positions.slice();
    nan[7] = Number.NaN;
    await expect(decimateMesh({ positions: nan, indices: SPHERE.indices }, { ratio: 0.5 })).rejects.toThrow(GeometryError);
    const far = SPHERE.indices.slice();
    far[4] = SPHERE.positions.length;
    await expect(decimateMesh({ positions: SPHERE.positions, indices: far }, { ratio: 0.5 })).rejects.toThrow(/names vertex/);
    await expect(decimateMesh({ positions: new Float32Array(0), indices: new Uint32Array(0) }, { targetTriangles: 10 })).rejects.toThrow(GeometryError);
  });
});
