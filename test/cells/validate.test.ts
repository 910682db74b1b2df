import { describe, expect, it } from 'vitest';
import { AbortError, GeometryError } from '../../cells/core/errors.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';
import { meshShells } from '../../cells/mesh/shells.ts';
import { meshTopology } from '../../cells/mesh/topology.ts';
import { joinMeshes } from './print-shapes.ts';
import { torusGrid } from '../mesh-phantoms.ts';

/** An axis-aligned box [0, a] × [0, b] × [0, c], 12 triangles wound counter-clockwise from outside. */
function box(a: number, b: number, c: number, offset: readonly [number, number, number] = [0, 0, 0]): Mesh {
  const positions = new Float32Array(24);
  for (let v = 0; v < 8; v++) {
    positions[3 * v] = offset[0] + (v & 1 ? a : 0);
    positions[3 * v + 1] = offset[1] + (v & 2 ? b : 0);
    positions[3 * v + 2] = offset[2] + (v & 4 ? c : 0);
  }
  // Faces as quads (corner ids, counter-clockwise seen from outside), split into two triangles.
  const quads = [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]];
  const indices = new Uint32Array(quads.flatMap(([p, q, r, s]) => [p!, q!, r!, p!, r!, s!]));
  return { positions, indices };
}

const torus = (Rr: number, r: number, u: number, v: number): Mesh => torusGrid(Rr, r, u, v);

describe('validateMesh on a closed box', () => {
  const r = validateMesh(box(2, 3, 4));
  it('measures volume, area and bounds in mm', () => {
    expect(r.volumeMm3).toBeCloseTo(24, 10);
    expect(r.areaMm2).toBeCloseTo(2 * (6 + 8 + 12), 10);
    expect(r.bbox.minMm).toEqual([0, 0, 0]);
    expect(r.bbox.maxMm).toEqual([2, 3, 4]);
    expect(r.bbox.sizeMm).toEqual([2, 3, 4]);
  });
  it('finds it closed, edge-manifold, consistently oriented, one shell', () => {
    expect(r).toMatchObject({
      triangles: 12, vertices: 8, edges: 18, openEdges: 0, nonManifoldEdges: 0,
      edgeManifold: true, closed: true, consistentlyOriented: true, shells: 1, degenerateTriangles: 0,
    });
  });
  it('gives negative volume when every triangle winds inward', () => {
    const m = box(2, 3, 4);
    const inward = m.indices.slice();
    for (let t = 0; t < inward.length; t += 3) [inward[t + 1], inward[t + 2]] = [inward[t + 2]!, inward[t + 1]!];
    const rep = validateMesh({ positions: m.positions, indices: inward });
    expect(rep.volumeMm3).toBeCloseTo(-24, 10);
    expect(rep.edgeManifold).toBe(true);
    expect(rep.consistentlyOriented).toBe(true);
  });
});

describe('validateMesh catches defects', () => {
  it('reports an open mesh when a triangle is removed: three open edges', () => {
    const m = box(1, 1, 1);
    const rep = validateMesh({ positions: m.positions, indices: m.indices.slice(3) });
    expect(rep.openEdges).toBe(3);
    expect(rep.closed).toBe(false);
    expect(rep.edgeManifold).toBe(false);
    expect(rep.shells).toBe(1);
  });
  it('reports a flipped triangle: its three edges repeat a direction', () => {
    const m = box(1, 1, 1);
    const idx = m.indices.slice();
    [idx[4], idx[5]] = [idx[5]!, idx[4]!];
    const rep = validateMesh({ positions: m.positions, indices: idx });
    expect(rep.consistentlyOriented).toBe(false);
    expect(rep.nonManifoldEdges).toBe(3);
    expect(rep.edgeManifold).toBe(false);
    expect(rep.closed).toBe(true);
  });
  it('reports an edge shared by three triangles as non-manifold', () => {
    const m = box(1, 1, 1);
    // A fin: one extra triangle on the box edge 0–1.
    const positions = new Float32Array([...m.positions, 0.5, -1, -1]);
    const indices = new Uint32Array([...m.indices, 0, 1, 8]);
    const rep = validateMesh({ positions, indices });
    expect(rep.nonManifoldEdges).toBe(1);
    expect(rep.openEdges).toBe(2);
    expect(rep.shells).toBe(1);
  });
  it('counts zero-area triangles as degenerate', () => {
    const positions = new Float32Array([0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0]);
    const rep = validateMesh({ positions, indices: new Uint32Array([0, 1, 2, 0, 1, 3, 0, 0, 3]) });
    expect(rep.degenerateTriangles).toBe(2);
    expect(rep.areaMm2).toBeCloseTo(0.5, 10);
  });
  it('counts separate shells and sums their volumes', () => {
    const rep = validateMesh(joinMeshes(box(1, 1, 1), box(2, 2, 2, [5, 0, 0])));
    expect(rep.shells).toBe(2);
    expect(rep.volumeMm3).toBeCloseTo(9, 10);
    expect(rep.edgeManifold).toBe(true);
    expect(rep.bbox.sizeMm).toEqual([7, 2, 2]);
  });
  it('rejects indices that name no vertex with GeometryError (checkMesh)', () => {
    const m = box(1, 1, 1);
    const idx = m.indices.slice();
    idx[7] = 8;
    expect(() => validateMesh({ positions: m.positions, indices: idx })).toThrow(GeometryError);
  });
  it('reports an empty mesh as empty and closed', () => {
    const rep = validateMesh({ positions: new Float32Array(0), indices: new Uint32Array(0) });
    expect(rep).toMatchObject({ triangles: 0, vertices: 0, shells: 0, volumeMm3: 0, areaMm2: 0, closed: true, edgeManifold: true });
  });
});

describe('validateMesh: duplicated faces, collapsed triangles, pinched vertices, the manifold verdict', () => {
  it('a closed box is a manifold with no duplicates', () => {
    const rep = validateMesh(box(1, 1, 1));
    expect([rep.manifold, rep.duplicatedFaces, rep.nonManifoldVertices]).toEqual([true, 0, 0]);
  });
  it('counts a face repeated in any vertex order, and a fin pair (the face both ways) on top of a closed box', () => {
    const m = box(1, 1, 1);
    const copy = validateMesh({ positions: m.positions, indices: new Uint32Array([...m.indices, m.indices[1]!, m.indices[2]!, m.indices[0]!]) });
    expect(copy.duplicatedFaces).toBe(1);
    expect(copy.manifold).toBe(false);
    // Two triangles on the same three vertices, wound both ways: every edge has 2 triangles, one each way,
    // so the edge checks pass; only the duplicate count catches it.
    const positions = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]);
    const fin = validateMesh({ positions, indices: new Uint32Array([0, 1, 2, 0, 2, 1]) });
    expect([fin.edgeManifold, fin.closed, fin.duplicatedFaces, fin.manifold]).toEqual([true, true, 1, false]);
  });
  it('a triangle with a repeated vertex id fails the verdict', () => {
    const m = box(1, 1, 1);
    const rep = validateMesh({ positions: m.positions, indices: new Uint32Array([...m.indices, 0, 0, 1]) });
    expect(rep.degenerateTriangles).toBe(1);
    expect(rep.manifold).toBe(false);
    expect(meshTopology(m.indices, 8).collapsedTriangles).toBe(0);
    expect(meshTopology(new Uint32Array([...m.indices, 0, 0, 1]), 8).collapsedTriangles).toBe(1);
  });
  it('two boxes sharing one corner: every edge fine, but the shared vertex has two fans', () => {
    const a = box(1, 1, 1), b = box(1, 1, 1, [1, 1, 1]);
    // b's corner 0 (at (1,1,1)) is a's corner 7: weld it.
    const positions = new Float32Array([...a.positions, ...b.positions.slice(3)]);
    const indices = new Uint32Array([...a.indices, ...b.indices.map((i) => (i === 0 ? 7 : i + 7))]);
    const rep = validateMesh({ positions, indices });
    expect([rep.edgeManifold, rep.closed]).toEqual([true, true]);
    expect(rep.nonManifoldVertices).toBe(1);
    expect(rep.manifold).toBe(false);
    const t = meshTopology(indices, 15, { perVertex: true });
    expect(t.defectiveVertices![7]).toBe(1);
    // Two shells (joined through edges only); the pinched vertex counts in the first one's.
    expect([...t.shellEuler]).toEqual([2, 1]);
  });
  it('per-shell Euler characteristic: a box and a torus', () => {
    const both = joinMeshes(box(1, 1, 1), torus(10, 3, 24, 12));
    expect([...meshTopology(both.indices, both.positions.length / 3).shellEuler]).toEqual([2, 0]);
  });
  it('validateMesh and meshShells take StageOptions: progress 0 → 1, abort', () => {
    const m = torus(60, 20, 200, 100);
    for (const run of [(o: object) => validateMesh(m, o), (o: object) => meshShells(m, o)]) {
      const seen: number[] = [];
      run({ onProgress: (f: number) => seen.push(f) });
      expect(seen[0]).toBe(0);
      expect(seen.at(-1)).toBe(1);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
      const c = new AbortController();
      c.abort();
      expect(() => run({ signal: c.signal })).toThrow(AbortError);
    }
  });
});

describe('validateMesh on ~700k triangles', () => {
  // 600 × 590 grid: 708,000 triangles, 354,000 vertices, genus 1 (V − E + F = 0).
  const Rr = 60, r = 20;
  const m = torus(Rr, r, 600, 590);
  it('matches the torus volume 2π²Rr² and Euler characteristic 0', () => {
    const rep = validateMesh(m);
    expect(rep.triangles).toBe(708_000);
    expect(rep.edgeManifold).toBe(true);
    expect(rep.shells).toBe(1);
    expect(rep.vertices - rep.edges + rep.triangles).toBe(0);
    expect(Math.abs(rep.volumeMm3 / (2 * Math.PI ** 2 * Rr * r * r) - 1)).toBeLessThan(1e-4);
  });
});
