import { describe, expect, it } from 'vitest';
import { AbortError, GeometryError, ParameterError } from '../../cells/core/errors.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import { IDENTITY3, makeVolume, type Vec3 } from '../../cells/core/volume.ts';
import { isosurfaceOfMask } from '../../cells/mesh/isosurface.ts';
import { filterCoefficients, smoothMesh } from '../../cells/mesh/smooth.ts';
import { meshDistance, meshToVoxelDistance } from '../../cells/mesh/distance.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';
import { sampledField as field, sphereMesh, torusMesh } from '../mesh-phantoms.ts';

const C: Vec3 = [32.3, 31.8, 32.6];
const sphere = (r: number): Mesh => sphereMesh(r, C);
const RT = 20, rt = 8;
const torus = (): Mesh => torusMesh(RT, rt, C);
const euler = (m: Mesh): number => { const r = validateMesh(m); return r.vertices - r.edges + r.triangles; };
const noNaN = (m: Mesh): boolean => m.positions.every((v) => Number.isFinite(v));

describe('smoothMesh (windowed sinc)', () => {
  it('filter: response 1 at the pass band, DC gain exactly 1', () => {
    const c = filterCoefficients(20, 0.1);
    expect(Math.abs(c.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-12);
    // f(k_pb) = Σ cᵢ Tᵢ(1 − k_pb/2) stays within 0.3% of 1 after the DC normalisation.
    const x = 1 - 0.05;
    let t0 = 1, t1 = x, f = c[0]! + c[1]! * x;
    for (let i = 2; i <= 20; i++) { const t2 = 2 * x * t1 - t0; f += c[i]! * t2; t0 = t1; t1 = t2; }
    expect(Math.abs(f - 1)).toBeLessThan(0.003);
  });

  it('sphere r = 20 mm: volume within 0.5% of 4/3·π·r³, genus 0, no NaN, every vertex moves < 1 voxel', () => {
    const m = sphere(20);
    const s = smoothMesh(m);
    const exact = (4 / 3) * Math.PI * 20 ** 3;
    expect(Math.abs(s.volumeAfterMm3 / exact - 1)).toBeLessThan(0.005);
    expect(Math.abs(s.volumeChange)).toBeLessThan(0.005);
    expect(euler(s.mesh)).toBe(2);
    expect(validateMesh(s.mesh).edgeManifold).toBe(true);
    expect(noNaN(s.mesh)).toBe(true);
    expect(s.maxDisplacementMm).toBeLessThan(1);
    expect(s.mesh.indices).toBe(m.indices);
  });

  it('torus R = 20, r = 8 mm: volume within 0.5% of 2π²Rr², genus 1, vertices move < 1 voxel', () => {
    const s = smoothMesh(torus());
    expect(Math.abs(s.volumeAfterMm3 / (2 * Math.PI ** 2 * RT * rt * rt) - 1)).toBeLessThan(0.005);
    expect(euler(s.mesh)).toBe(0);
    expect(validateMesh(s.mesh).edgeManifold).toBe(true);
    expect(noNaN(s.mesh)).toBe(true);
    expect(s.maxDisplacementMm).toBeLessThan(1);
  });

  it('staircase of a binary sphere mask: smoothing brings vertices closer to the true sphere, volume change ≤ 0.5%', () => {
    const r = 20;
    const mask = field(64, (x, y, z) => (Math.hypot(x - C[0], y - C[1], z - C[2]) < r ? 1 : 0));
    const u8 = makeVolume({ data: Uint8Array.from(mask.data), dims: mask.dims, spacingMm: mask.spacingMm, originMm: mask.originMm, direction: mask.direction });
    const m = isosurfaceOfMask(u8);
    const s = smoothMesh(m);
    const radialError = (mm: Mesh): number => {
      let sum = 0;
      for (let v = 0; v < mm.positions.length; v += 3) sum += Math.abs(Math.hypot(mm.positions[v]! - C[0], mm.positions[v + 1]! - C[1], mm.positions[v + 2]! - C[2]) - r);
      return sum / (mm.positions.length / 3);
    };
    expect(radialError(s.mesh)).toBeLessThan(0.5 * radialError(m));
    expect(Math.abs(s.volumeChange)).toBeLessThan(0.005);
    expect(euler(s.mesh)).toBe(2);
  });

  it('closed meshes take the half-edge neighbour lists; with an open triangle beside them (general lists) the closed part smooths alike', () => {
    const m = sphere(12);
    const V = m.positions.length / 3;
    // A loose triangle far off: every edge open, so the whole mesh takes the general builder.
    const positions = new Float32Array(m.positions.length + 9);
    positions.set(m.positions);
    positions.set([90, 90, 90, 95, 90, 90, 90, 95, 90], m.positions.length);
    const indices = Uint32Array.from([...m.indices, V, V + 1, V + 2]);
    const alone = smoothMesh(m).mesh.positions, beside = smoothMesh({ positions, indices }).mesh.positions;
    let maxDiff = 0, moved = 0;
    for (let k = 0; k < m.positions.length; k++) {
      maxDiff = Math.max(maxDiff, Math.abs(alone[k]! - beside[k]!));
      moved = Math.max(moved, Math.abs(alone[k]! - m.positions[k]!));
    }
    expect(moved).toBeGreaterThan(0.01); // the sphere did move
    expect(maxDiff).toBeLessThan(1e-4); // normalisation differs (bounding box), f(K)·1 = 1 cancels it
  });

  it('an open boundary: a vertex on 2 open edges moves along the boundary, the mesh stays finite', () => {
    // Half a sphere: keep triangles with all vertices above the centre.
    const m = sphere(15);
    const keep: number[] = [];
    for (let t = 0; t < m.indices.length; t += 3) {
      if ([0, 1, 2].every((j) => m.positions[3 * m.indices[t + j]! + 2]! > C[2])) keep.push(m.indices[t]!, m.indices[t + 1]!, m.indices[t + 2]!);
    }
    const half: Mesh = { positions: m.positions, indices: Uint32Array.from(keep) };
    const s = smoothMesh(half);
    expect(noNaN(s.mesh)).toBe(true);
    expect(s.maxDisplacementMm).toBeLessThan(1);
    expect(validateMesh(s.mesh).openEdges).toBe(validateMesh(half).openEdges);
  });

  it('typed errors: bad options, NaN, out-of-range index; abort', () => {
    const m = sphere(10);
    expect(() => smoothMesh(m, { iterations: 0 })).toThrow(ParameterError);
    expect(() => smoothMesh(m, { passBand: 2 })).toThrow(ParameterError);
    expect(() => smoothMesh({ positions: Float32Array.of(0, 0, NaN, 1, 0, 0, 0, 1, 0), indices: Uint32Array.of(0, 1, 2) })).toThrow(GeometryError);
    expect(() => smoothMesh({ positions: Float32Array.of(0, 0, 0), indices: Uint32Array.of(0, 1, 2) })).toThrow(GeometryError);
    const ac = new AbortController();
    ac.abort();
    expect(() => smoothMesh(m, { signal: ac.signal })).toThrow(AbortError);
    const seen: number[] = [];
    smoothMesh(m, { onProgress: (f) => seen.push(f) });
    expect([seen[0], seen.at(-1)]).toEqual([0, 1]);
  });
});

describe('meshDistance', () => {
  it('concentric spheres r = 15 and 17 mm: Hausdorff, HD95 and mean all ≈ 2 mm', () => {
    const d = meshDistance(sphere(15), sphere(17));
    for (const v of [d.hausdorffMm, d.hd95Mm, d.meanMm, d.aToB.meanMm, d.bToA.meanMm]) expect(Math.abs(v - 2)).toBeLessThan(0.05);
  });

  it('a copy shifted by 0.7 mm along x: Hausdorff ≈ 0.7 mm (points at the poles of the shift), mean smaller', () => {
    const a = sphere(15);
    const shifted = Float32Array.from(a.positions);
    for (let v = 0; v < shifted.length; v += 3) shifted[v]! += 0.7;
    const d = meshDistance(a, { positions: shifted, indices: a.indices });
    expect(Math.abs(d.hausdorffMm - 0.7)).toBeLessThan(0.05);
    expect(d.meanMm).toBeLessThan(d.hausdorffMm);
    expect(d.meanMm).toBeGreaterThan(0.3);
    expect(meshDistance(a, a).hausdorffMm).toBe(0);
  });

  it('the grid search agrees with a brute-force scan of every triangle (independent point-to-triangle)', () => {
    const a = sphere(6), b = torus();
    const P = b.positions, I = b.indices;
    const seg = (p: number[], u: number[], v: number[]): number => {
      const d = [v[0]! - u[0]!, v[1]! - u[1]!, v[2]! - u[2]!];
      const t = Math.min(1, Math.max(0, ((p[0]! - u[0]!) * d[0]! + (p[1]! - u[1]!) * d[1]! + (p[2]! - u[2]!) * d[2]!) / (d[0]! ** 2 + d[1]! ** 2 + d[2]! ** 2)));
      return Math.hypot(p[0]! - u[0]! - t * d[0]!, p[1]! - u[1]! - t * d[1]!, p[2]! - u[2]! - t * d[2]!);
    };
    const tri = (p: number[], q: number[][]): number => {
      const [u, v, w] = q as [number[], number[], number[]];
      const e1 = [v[0]! - u[0]!, v[1]! - u[1]!, v[2]! - u[2]!], e2 = [w[0]! - u[0]!, w[1]! - u[1]!, w[2]! - u[2]!];
      const n = [e1[1]! * e2[2]! - e1[2]! * e2[1]!, e1[2]! * e2[0]! - e1[0]! * e2[2]!, e1[0]! * e2[1]! - e1[1]! * e2[0]!];
      const nn = Math.hypot(n[0]!, n[1]!, n[2]!);
      const h = ((p[0]! - u[0]!) * n[0]! + (p[1]! - u[1]!) * n[1]! + (p[2]! - u[2]!) * n[2]!) / nn;
      const f = [p[0]! - (h * n[0]!) / nn, p[1]! - (h * n[1]!) / nn, p[2]! - (h * n[2]!) / nn];
      const side = (x: number[], y: number[]): number => {
        const c = [(y[1]! - x[1]!) * (f[2]! - x[2]!) - (y[2]! - x[2]!) * (f[1]! - x[1]!), (y[2]! - x[2]!) * (f[0]! - x[0]!) - (y[0]! - x[0]!) * (f[2]! - x[2]!), (y[0]! - x[0]!) * (f[1]! - x[1]!) - (y[1]! - x[1]!) * (f[0]! - x[0]!)];
        return c[0]! * n[0]! + c[1]! * n[1]! + c[2]! * n[2]!;
      };
      if (side(u, v) >= 0 && side(v, w) >= 0 && side(w, u) >= 0) return Math.abs(h);
      return Math.min(seg(p, u, v), seg(p, v, w), seg(p, w, u));
    };
    const vert = (m: Float32Array, i: number): number[] => [m[3 * i]!, m[3 * i + 1]!, m[3 * i + 2]!];
    let max = 0;
    for (let v = 0; v < a.positions.length / 3; v++) {
      let best = Infinity;
      for (let t = 0; t < I.length; t += 3) best = Math.min(best, tri(vert(a.positions, v), [vert(P, I[t]!), vert(P, I[t + 1]!), vert(P, I[t + 2]!)]));
      max = Math.max(max, best);
    }
    expect(meshDistance(a, b).aToB.maxMm).toBeCloseTo(max, 5);
  });

  it('point-to-triangle, not point-to-vertex: a vertex above the middle of a big triangle', () => {
    const tri: Mesh = { positions: Float32Array.of(-10, -10, 0, 10, -10, 0, 0, 10, 0), indices: Uint32Array.of(0, 1, 2) };
    const above: Mesh = { positions: Float32Array.of(-10, -10, 1, 10, -10, 1, 0, 10, 1), indices: Uint32Array.of(0, 1, 2) };
    const d = meshDistance(tri, above);
    expect(d.hausdorffMm).toBeCloseTo(1, 6);
  });

  it('meshToVoxelDistance: a smoothed sphere mask is within a voxel of its voxel surface', () => {
    const mask = field(48, (x, y, z) => (Math.hypot(x - 24.2, y - 23.9, z - 24.4) < 15 ? 1 : 0));
    const u8 = makeVolume({ data: Uint8Array.from(mask.data), dims: mask.dims, spacingMm: mask.spacingMm, originMm: mask.originMm, direction: mask.direction });
    const d = meshToVoxelDistance(smoothMesh(isosurfaceOfMask(u8)).mesh, u8);
    expect(d.hausdorffMm).toBeLessThan(1);
    expect(d.hd95Mm).toBeLessThan(0.5);
    expect(meshToVoxelDistance(isosurfaceOfMask(u8), u8).hausdorffMm).toBe(0);
  });

  it('typed errors: empty mesh, NaN, empty mask; abort; progress 0 → 1', () => {
    const m = sphere(10);
    const ac = new AbortController();
    ac.abort();
    expect(() => meshDistance(m, m, { signal: ac.signal })).toThrow(AbortError);
    const seen: number[] = [];
    meshDistance(m, sphere(11), { onProgress: (f) => seen.push(f) });
    expect([seen[0], seen.at(-1)]).toEqual([0, 1]);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    const empty = makeVolume({ data: new Uint8Array(8), dims: [2, 2, 2] as Vec3, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
    expect(() => meshToVoxelDistance(m, empty)).toThrow(ParameterError);
    expect(() => meshDistance(m, { positions: new Float32Array(0), indices: new Uint32Array(0) })).toThrow(GeometryError);
    expect(() => meshDistance({ positions: Float32Array.of(NaN, 0, 0, 1, 0, 0, 0, 1, 0), indices: Uint32Array.of(0, 1, 2) }, m)).toThrow(GeometryError);
  });
});
