import { describe, expect, it } from 'vitest';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import type { Vec3 } from '../../cells/core/volume.ts';
import { isosurface } from '../../cells/mesh/isosurface.ts';
import { judgeManifold } from '../../cells/print/judge.ts';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { threshold } from '../../cells/segment/threshold.ts';
import { removeIslands } from '../../cells/segment/components.ts';
import { cached } from '../helpers.ts';
import { sphereMesh, torusMesh } from '../mesh-phantoms.ts';

const C: Vec3 = [32.3, 31.8, 32.6];
const sphere = (r: number): Mesh => sphereMesh(r, C);
const RT = 20, rt = 8;
const torus = (): Mesh => torusMesh(RT, rt, C);

describe('judgeManifold: manifold-3d beside validateMesh', () => {
  it('sphere r = 20 mm: both accept it, genus 0, volumes agree and are within 1% of 4/3·π·r³', async () => {
    const j = await judgeManifold(sphere(20));
    expect(j.status).toBe('NoError');
    expect([j.manifold, j.agreesWithOurs, j.printable]).toEqual([true, true, true]);
    expect(j.disagreements).toEqual([]);
    expect([j.genus, j.oursGenus]).toEqual([0, 0]);
    expect(Math.abs(j.volumeMm3 - j.ours.volumeMm3) / j.ours.volumeMm3).toBeLessThan(1e-5);
    expect(Math.abs(j.volumeMm3 / ((4 / 3) * Math.PI * 20 ** 3) - 1)).toBeLessThan(0.01);
    expect(Math.abs(j.areaMm2 / j.ours.areaMm2 - 1)).toBeLessThan(1e-5);
    expect(j.triangles).toBeGreaterThan(0.99 * j.ours.triangles);
  });

  it('torus R = 20, r = 8 mm: genus 1 from both, volume within 1% of 2π²Rr²', async () => {
    const j = await judgeManifold(torus());
    expect([j.manifold, j.agreesWithOurs, j.printable]).toEqual([true, true, true]);
    expect([j.genus, j.oursGenus]).toEqual([1, 1]);
    expect(Math.abs(j.volumeMm3 / (2 * Math.PI ** 2 * RT * rt ** 2) - 1)).toBeLessThan(0.01);
  });

  it('two disjoint spheres: genus −1 (1 − χ/2 over the mesh) from both, still printable', async () => {
    const a = sphere(6), b = sphere(6);
    const shift = new Float32Array(b.positions);
    for (let i = 0; i < shift.length; i += 3) shift[i]! += 20;
    const V = a.positions.length / 3;
    const positions = new Float32Array([...a.positions, ...shift]);
    const indices = new Uint32Array([...a.indices, ...Array.from(b.indices, (v) => v + V)]);
    const j = await judgeManifold({ positions, indices });
    expect([j.genus, j.oursGenus, j.ours.shells]).toEqual([-1, -1, 2]);
    expect(j.printable).toBe(true);
  });

  it('a hole (one triangle removed): both report it, not printable', async () => {
    const m = sphere(10);
    const j = await judgeManifold({ positions: m.positions, indices: m.indices.slice(3) });
    expect(j.ours.openEdges).toBe(3);
    expect(j.status).toBe('NotManifold');
    expect([j.manifold, j.printable, j.agreesWithOurs]).toEqual([false, false, true]);
    expect(j.genus).toBeNaN();
  });

  it('a duplicated face: our edge counting and manifold-3d both report it, not printable', async () => {
    const m = sphere(10);
    const indices = new Uint32Array(m.indices.length + 3);
    indices.set(m.indices);
    indices.set(m.indices.subarray(30, 33), m.indices.length);
    const j = await judgeManifold({ positions: m.positions, indices });
    expect(j.ours.nonManifoldEdges).toBe(3);
    expect(j.manifold).toBe(false);
    expect(j.status).not.toBe('NoError');
    expect(j.printable).toBe(false);
  });

  it('inward winding: both accept the 2-manifold with a negative volume, not printable', async () => {
    const m = sphere(10);
    const indices = m.indices.slice();
    for (let t = 0; t < indices.length; t += 3) [indices[t + 1], indices[t + 2]] = [indices[t + 2]!, indices[t + 1]!];
    const j = await judgeManifold({ positions: m.positions, indices });
    expect(j.manifold).toBe(true);
    expect(j.volumeMm3).toBeLessThan(0);
    expect(Math.abs(j.volumeMm3 / j.ours.volumeMm3 - 1)).toBeLessThan(1e-5);
    expect([j.agreesWithOurs, j.printable]).toEqual([true, false]);
  });

  it('bad input: typed errors, progress 0..1 once and monotone', async () => {
    await expect(judgeManifold({ positions: new Float32Array(0), indices: new Uint32Array(0) })).rejects.toBeInstanceOf(GeometryError);
    await expect(judgeManifold({ positions: new Float32Array([0, 0, NaN, 1, 0, 0, 0, 1, 0]), indices: new Uint32Array([0, 1, 2]) })).rejects.toBeInstanceOf(GeometryError);
    await expect(judgeManifold(sphere(5), { relativeTolerance: -1 })).rejects.toBeInstanceOf(ParameterError);
    const seen: number[] = [];
    await judgeManifold(sphere(5), { onProgress: (f) => seen.push(f) });
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
  });

  it('the real CT skull (225.5 HU, islands < 200 mm³ removed): manifold, volume within 0.1% of ours', async () => {
    const ct = await loadInv3(cached('Cranium.inv3'));
    const kept = removeIslands(threshold(ct, { minHu: 226, maxHu: 3071 }), { minIslandMm3: 200 }).mask;
    const mesh = isosurface(ct, { isoValue: 225.5, mask: kept });
    const j = await judgeManifold(mesh);
    console.log('skull judge', JSON.stringify({ status: j.status, genus: j.genus, oursGenus: j.oursGenus, volume: j.volumeMm3, ours: j.ours.volumeMm3, triangles: j.triangles, oursTriangles: j.ours.triangles, disagreements: j.disagreements }));
    expect(j.manifold).toBe(true);
    expect(j.ours.edgeManifold).toBe(true);
    expect(Math.abs(j.volumeMm3 / j.ours.volumeMm3 - 1)).toBeLessThan(0.001);
    expect(j.genus).toBe(j.oursGenus);
    expect(j.printable).toBe(true);
  }, 60_000);
});
