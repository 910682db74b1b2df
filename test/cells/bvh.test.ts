import { describe, expect, it } from 'vitest';
import { buildBvh, RayCaster } from '../../cells/mesh/bvh.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import { mulberry32 } from '../../datasets/phantom.ts';
import { icosphere, joinMeshes, torus } from './print-shapes.ts';

/** Nearest hit by testing every triangle (Möller–Trumbore, both faces): the reference for the BVH. */
function bruteForce(m: Mesh, o: number[], d: number[]): { t: number; tri: number } {
  const P = m.positions, I = m.indices;
  let best = Infinity, tri = -1;
  for (let k = 0; k < I.length / 3; k++) {
    const a = 3 * I[3 * k]!, b = 3 * I[3 * k + 1]!, c = 3 * I[3 * k + 2]!;
    const e1 = [P[b]! - P[a]!, P[b + 1]! - P[a + 1]!, P[b + 2]! - P[a + 2]!], e2 = [P[c]! - P[a]!, P[c + 1]! - P[a + 1]!, P[c + 2]! - P[a + 2]!];
    const p = [d[1]! * e2[2]! - d[2]! * e2[1]!, d[2]! * e2[0]! - d[0]! * e2[2]!, d[0]! * e2[1]! - d[1]! * e2[0]!];
    const det = e1[0]! * p[0]! + e1[1]! * p[1]! + e1[2]! * p[2]!;
    if (Math.abs(det) < 1e-14) continue;
    const s = [o[0]! - P[a]!, o[1]! - P[a + 1]!, o[2]! - P[a + 2]!];
    const u = (s[0]! * p[0]! + s[1]! * p[1]! + s[2]! * p[2]!) / det;
    if (u < 0 || u > 1) continue;
    const q = [s[1]! * e1[2]! - s[2]! * e1[1]!, s[2]! * e1[0]! - s[0]! * e1[2]!, s[0]! * e1[1]! - s[1]! * e1[0]!];
    const v = (d[0]! * q[0]! + d[1]! * q[1]! + d[2]! * q[2]!) / det;
    if (v < 0 || u + v > 1) continue;
    const t = (e2[0]! * q[0]! + e2[1]! * q[1]! + e2[2]! * q[2]!) / det;
    if (t > 1e-6 && t < best) { best = t; tri = k; }
  }
  return { t: best, tri };
}

describe('RayCaster over a BVH', () => {
  const meshes: Array<[string, Mesh]> = [
    ['torus', torus(30, 8, 96, 48)],
    ['two nested spheres', joinMeshes(icosphere(20, 4), icosphere(12, 3, { inward: true, center: [2, -1, 3] }))],
  ];
  for (const [name, mesh] of meshes) {
    it(`finds the same nearest hit as testing every triangle (${name}, 2,000 random rays, hits and misses)`, () => {
      const caster = new RayCaster(buildBvh(mesh));
      const rand = mulberry32(7);
      let hits = 0, misses = 0;
      for (let r = 0; r < 2000; r++) {
        const o = [80 * (rand() - 0.5), 80 * (rand() - 0.5), 40 * (rand() - 0.5)];
        const z = 2 * rand() - 1, phi = 2 * Math.PI * rand(), s = Math.sqrt(1 - z * z);
        const d = [s * Math.cos(phi), s * Math.sin(phi), z];
        const ref = bruteForce(mesh, o, d);
        const t = caster.closestHit(o[0]!, o[1]!, o[2]!, d[0]!, d[1]!, d[2]!, 1e-6, Infinity);
        if (ref.tri < 0) {
          expect(t).toBe(Infinity);
          misses++;
        } else {
          expect(Math.abs(t - ref.t)).toBeLessThan(1e-9);
          hits++;
        }
      }
      expect(hits).toBeGreaterThan(200);
      expect(misses).toBeGreaterThan(200);
    });
  }

  it('ignores the triangles of the vertex a ray starts from, and stops at tMax', () => {
    const mesh = icosphere(10, 2, { jitter: 0 });
    const caster = new RayCaster(buildBvh(mesh));
    const P = mesh.positions;
    // From vertex 0 towards the centre: its own triangles touch t = 0; the far side is at t = 20.
    const t = caster.closestHit(P[0]!, P[1]!, P[2]!, -P[0]! / 10, -P[1]! / 10, -P[2]! / 10, 0, Infinity, 0);
    expect(t).toBeGreaterThan(19.5);
    expect(t).toBeLessThanOrEqual(20);
    expect(caster.closestHit(P[0]!, P[1]!, P[2]!, -P[0]! / 10, -P[1]! / 10, -P[2]! / 10, 0, 15, 0)).toBe(Infinity);
  });
});
