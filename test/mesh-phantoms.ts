/**
 * Closed meshes of analytic solids for tests: marching cubes (cells/mesh/isosurface.ts) of the
 * solid's signed distance (positive inside) sampled on an n³ grid.
 */
import type { Mesh } from '../cells/core/mesh.ts';
import { IDENTITY3, makeVolume, type Vec3, type Volume } from '../cells/core/volume.ts';
import { isosurface } from '../cells/mesh/isosurface.ts';

/** Float32 samples of `f(x, y, z)` (world mm) on n³ voxels of `spacingMm` from `originMm`, identity direction. */
export function sampledField(n: number, f: (x: number, y: number, z: number) => number, spacingMm = 1, originMm: Vec3 = [0, 0, 0]): Volume<Float32Array> {
  const data = new Float32Array(n * n * n);
  const [ox, oy, oz] = originMm, h = spacingMm;
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) data[i + n * (j + n * k)] = f(ox + i * h, oy + j * h, oz + k * h);
  return makeVolume({ data, dims: [n, n, n], spacingMm: [h, h, h], originMm, direction: IDENTITY3 });
}

/** The zero level of `f` (positive inside) sampled as `sampledField` does. */
export function implicitMesh(f: (x: number, y: number, z: number) => number, n: number, spacingMm = 1, originMm: Vec3 = [0, 0, 0]): Mesh {
  return isosurface(sampledField(n, f, spacingMm, originMm), { isoValue: 0 });
}

/** A sphere of radius r mm around `centre`; grid of 64 voxels of 1 mm from the origin unless given. */
export function sphereMesh(r: number, centre: Vec3, grid: { n?: number; spacingMm?: number; originMm?: Vec3 } = {}): Mesh {
  return implicitMesh((x, y, z) => r - Math.hypot(x - centre[0], y - centre[1], z - centre[2]), grid.n ?? 64, grid.spacingMm, grid.originMm);
}

/** A torus of tube radius r around a circle of radius R in the z plane through `centre`, on 64 voxels of 1 mm. */
export function torusMesh(R: number, r: number, centre: Vec3): Mesh {
  return implicitMesh((x, y, z) => r - Math.hypot(Math.hypot(x - centre[0], y - centre[1]) - R, z - centre[2]), 64);
}

/**
 * A torus as a u × v quad grid of its parametric surface (ring radius R, tube radius r, mm,
 * around the z axis through `offsetMm`): closed, genus 1, 2·u·v triangles wound outward, all
 * u·v vertices distinct. Exact on its vertices, unlike the sampled `torusMesh`.
 */
export function torusGrid(R: number, r: number, u: number, v: number, offsetMm: Vec3 = [0, 0, 0]): Mesh {
  const positions = new Float32Array(3 * u * v);
  for (let i = 0; i < u; i++) {
    const a = (2 * Math.PI * i) / u;
    for (let j = 0; j < v; j++) {
      const b = (2 * Math.PI * j) / v;
      const p = 3 * (i * v + j);
      positions[p] = (R + r * Math.cos(b)) * Math.cos(a) + offsetMm[0];
      positions[p + 1] = (R + r * Math.cos(b)) * Math.sin(a) + offsetMm[1];
      positions[p + 2] = r * Math.sin(b) + offsetMm[2];
    }
  }
  const indices = new Uint32Array(6 * u * v);
  let o = 0;
  for (let i = 0; i < u; i++) {
    for (let j = 0; j < v; j++) {
      const p = i * v + j, q = ((i + 1) % u) * v + j, s = i * v + ((j + 1) % v), t = ((i + 1) % u) * v + ((j + 1) % v);
      indices.set([p, q, t, p, t, s], o);
      o += 6;
    }
  }
  return { positions, indices };
}
