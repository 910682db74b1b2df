import { describe, expect, it } from 'vitest';
import { AbortError, GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, makeVolume, type Mat3, type Vec3, type Volume, type VoxelArray } from '../../cells/core/volume.ts';
import { CASE_EDGES, CASE_OFFSETS, EDGE_CORNERS, caseTriangleCount } from '../../cells/mesh/case-table.ts';
import { isosurface, isosurfaceOfMask } from '../../cells/mesh/isosurface.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';

/** A volume whose voxel (i, j, k) holds f(world position of the voxel). */
function field<T extends VoxelArray>(
  make: (n: number) => T,
  dims: Vec3,
  f: (x: number, y: number, z: number) => number,
  spacingMm: Vec3 = [1, 1, 1],
  direction: Mat3 = IDENTITY3,
  originMm: Vec3 = [0, 0, 0],
): Volume<T> {
  const [nx, ny, nz] = dims;
  const data = make(nx * ny * nz);
  const d = direction;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const a = i * spacingMm[0], b = j * spacingMm[1], c = k * spacingMm[2];
        const x = originMm[0] + d[0] * a + d[1] * b + d[2] * c;
        const y = originMm[1] + d[3] * a + d[4] * b + d[5] * c;
        const z = originMm[2] + d[6] * a + d[7] * b + d[8] * c;
        data[i + nx * (j + ny * k)] = f(x, y, z);
      }
  return makeVolume({ data, dims, spacingMm, originMm, direction });
}

const R = 40;
const sphereVolume = (r: number): number => (4 / 3) * Math.PI * r ** 3;
// Centre off the grid points so the surface meets the grid in general position.
const C: Vec3 = [44.3, 45.1, 44.7];
const dist = (x: number, y: number, z: number, c: Vec3 = C): number => Math.hypot(x - c[0], y - c[1], z - c[2]);
/** CT-like partial-volume profile: −1000 HU (air) to 1000 HU (bone), a 2 mm linear ramp centred at radius R. */
const huProfile = (d: number): number => Math.round(-1000 + 2000 * Math.min(1, Math.max(0, 0.5 - (d - R) / 2)));

function relErr(x: number, exact: number): number {
  return Math.abs(x / exact - 1);
}

describe('isosurface: sphere of radius 40 voxels', () => {
  const hu = field((n) => new Int16Array(n), [90, 90, 90], (x, y, z) => huProfile(dist(x, y, z)));
  const mesh = isosurface(hu, { isoValue: 0 });
  const report = validateMesh(mesh);

  it('encloses 4/3·π·r³ within 1% on an HU-style smooth field', () => {
    expect(relErr(report.volumeMm3, sphereVolume(R))).toBeLessThan(0.01);
  });
  it('is one closed, edge-manifold, consistently oriented shell with positive volume', () => {
    expect(report.edgeManifold).toBe(true);
    expect(report.closed).toBe(true);
    expect(report.consistentlyOriented).toBe(true);
    expect(report.shells).toBe(1);
    expect(report.volumeMm3).toBeGreaterThan(0);
    expect(report.degenerateTriangles).toBe(0);
  });
  it('welds every vertex: a closed genus-0 surface has V = T/2 + 2 (Euler)', () => {
    expect(report.vertices).toBe(report.triangles / 2 + 2);
  });
  it('places the surface at the iso-distance: bounding box 2r wide around the centre', () => {
    for (let a = 0; a < 3; a++) {
      expect(report.bbox.sizeMm[a]!).toBeGreaterThan(2 * R - 0.2);
      expect(report.bbox.sizeMm[a]!).toBeLessThan(2 * R + 0.01);
      expect((report.bbox.minMm[a]! + report.bbox.maxMm[a]!) / 2).toBeCloseTo(C[a]!, 1);
    }
  });
  it('is within 0.1% on a signed-distance field (linear interpolation is exact for a plane)', () => {
    const sdf = field((n) => new Float32Array(n), [90, 90, 90], (x, y, z) => R - dist(x, y, z));
    const r = validateMesh(isosurface(sdf, { isoValue: 0 }));
    expect(relErr(r.volumeMm3, sphereVolume(R))).toBeLessThan(0.001);
    expect(r.edgeManifold).toBe(true);
  });
  it('is within 1% on a binary sphere mask at 0.5', () => {
    // Bound: each vertex sits at an edge midpoint, so the surface stays within half a voxel
    // of the digitised boundary; for r = 40 the cut corners and the voxel-count excess nearly
    // cancel (measured −0.005%), and 1% is well inside the worst case 1.5/r ≈ 3.75%.
    const mask = field((n) => new Uint8Array(n), [90, 90, 90], (x, y, z) => (dist(x, y, z) < R ? 1 : 0));
    const r = validateMesh(isosurfaceOfMask(mask));
    expect(relErr(r.volumeMm3, sphereVolume(R))).toBeLessThan(0.01);
    expect(r.edgeManifold && r.closed).toBe(true);
    expect(r.shells).toBe(1);
  });
  it('treats any non-zero mask value as inside (0/255 and 0/1 masks give the same surface)', () => {
    const m1 = field((n) => new Uint8Array(n), [30, 30, 30], (x, y, z) => (dist(x, y, z, [14.5, 15.2, 14.8]) < 10 ? 1 : 0));
    const m255 = makeVolume({ ...m1, data: m1.data.map((v) => v * 255) });
    const a = isosurfaceOfMask(m1), b = isosurfaceOfMask(m255);
    expect(b.indices.length).toBe(a.indices.length);
    expect(Array.from(b.positions)).toEqual(Array.from(a.positions));
  });
});

describe('isosurface: geometry to world mm', () => {
  const Rmm = 40;
  const c: Vec3 = [10.3, -20.7, 35.1];
  it('keeps the analytic volume with anisotropic spacing', () => {
    const spacing: Vec3 = [0.7, 1.1, 1.6];
    // Sphere centred at index (65, 41, 28) of a 130×82×57 grid: ≥ 44 mm to every side.
    const origin: Vec3 = [c[0] - 65 * 0.7, c[1] - 41 * 1.1, c[2] - 28 * 1.6];
    const v = field((n) => new Float32Array(n), [130, 82, 57], (x, y, z) => Rmm - dist(x, y, z, c), spacing, IDENTITY3, origin);
    const r = validateMesh(isosurface(v, { isoValue: 0 }));
    expect(r.volumeMm3).toBeGreaterThan(0);
    expect(relErr(r.volumeMm3, sphereVolume(Rmm))).toBeLessThan(0.01);
    expect(r.edgeManifold).toBe(true);
  });
  it('flips the winding when det(direction) < 0, so volume stays positive and the sphere lands at its world centre', () => {
    // A rotation about z by 30° composed with a mirror of the first axis: det = −1.
    const co = Math.cos(Math.PI / 6), si = Math.sin(Math.PI / 6);
    const dir: Mat3 = [-co, -si, 0, -si, co, 0, 0, 0, 1];
    const spacing: Vec3 = [1.0, 0.9, 1.2];
    // Origin chosen so the grid centre (index 45, 50, 38) maps onto c.
    const g = [45 * spacing[0], 50 * spacing[1], 38 * spacing[2]];
    const origin: Vec3 = [
      c[0] - (dir[0] * g[0] + dir[1] * g[1] + dir[2] * g[2]),
      c[1] - (dir[3] * g[0] + dir[4] * g[1] + dir[5] * g[2]),
      c[2] - (dir[6] * g[0] + dir[7] * g[1] + dir[8] * g[2]),
    ];
    const v = field((n) => new Float32Array(n), [90, 100, 76], (x, y, z) => Rmm - dist(x, y, z, c), spacing, dir, origin);
    const r = validateMesh(isosurface(v, { isoValue: 0 }));
    expect(r.volumeMm3).toBeGreaterThan(0);
    expect(relErr(r.volumeMm3, sphereVolume(Rmm))).toBeLessThan(0.01);
    expect(r.consistentlyOriented && r.edgeManifold).toBe(true);
    for (let a = 0; a < 3; a++) expect((r.bbox.minMm[a]! + r.bbox.maxMm[a]!) / 2).toBeCloseTo(c[a]!, 1);
  });
});

describe('isosurface: case table', () => {
  it('has 0 triangles for the empty and full cases and at most 5 for any case', () => {
    expect(caseTriangleCount(0)).toBe(0);
    expect(caseTriangleCount(255)).toBe(0);
    for (let c = 0; c < 256; c++) expect(caseTriangleCount(c)).toBeLessThanOrEqual(5);
    expect(CASE_OFFSETS[256]).toBe(CASE_EDGES.length);
  });
  it('only names crossed edges (one corner inside, the other outside)', () => {
    for (let c = 0; c < 256; c++) {
      for (let e = CASE_OFFSETS[c]!; e < CASE_OFFSETS[c + 1]!; e++) {
        const [a, b] = EDGE_CORNERS[CASE_EDGES[e]!]!;
        expect(((c >> a) & 1) !== ((c >> b) & 1)).toBe(true);
      }
    }
  });
  it('gives a closed edge-manifold mesh with positive volume for each of the 256 single-cube configurations', () => {
    let failures = 0;
    for (let c = 1; c < 256; c++) {
      const v = makeVolume({
        data: Uint8Array.from({ length: 8 }, (_, corner) => (c >> corner) & 1),
        dims: [2, 2, 2], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3,
      });
      const r = validateMesh(isosurface(v, { isoValue: 0.5 }));
      if (!(r.edgeManifold && r.closed && r.consistentlyOriented && r.volumeMm3 > 0 && r.degenerateTriangles === 0)) failures++;
    }
    expect(failures).toBe(0);
  });
  it('gives closed edge-manifold meshes with interpolated vertices for all 256 configurations', () => {
    // Same configurations with random values on both sides of the iso-value.
    let seed = 12345;
    const rand = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    let failures = 0;
    for (let c = 1; c < 256; c++) {
      const data = Float32Array.from({ length: 8 }, (_, corner) => ((c >> corner) & 1 ? 0.51 + 0.49 * rand() : 0.49 * rand()));
      const v = makeVolume({ data, dims: [2, 2, 2], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
      const r = validateMesh(isosurface(v, { isoValue: 0.5 }));
      if (!(r.edgeManifold && r.closed && r.consistentlyOriented && r.volumeMm3 > 0)) failures++;
    }
    expect(failures).toBe(0);
  });
  it('stays closed and edge-manifold on random noise, where every ambiguous face occurs', () => {
    let seed = 7;
    const rand = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const v = field((n) => new Float32Array(n), [24, 24, 24], () => rand());
    const r = validateMesh(isosurface(v, { isoValue: 0.5 }));
    expect(r.triangles).toBeGreaterThan(10_000);
    expect(r.edgeManifold).toBe(true);
    expect(r.consistentlyOriented).toBe(true);
    expect(r.volumeMm3).toBeGreaterThan(0);
  });
});

describe('isosurface: masks and empty input', () => {
  const c1: Vec3 = [15.2, 15.6, 15.1], c2: Vec3 = [45.3, 15.4, 15.7];
  const r = 10;
  const twoSpheres = field((n) => new Int16Array(n), [62, 32, 32], (x, y, z) => huProfile(Math.min(dist(x, y, z, c1), dist(x, y, z, c2)) + R - r));
  it('finds both spheres without a mask', () => {
    const rep = validateMesh(isosurface(twoSpheres, { isoValue: 225.5 }));
    expect(rep.shells).toBe(2);
    expect(rep.edgeManifold).toBe(true);
  });
  it('restricts the surface to the masked component and keeps its volume', () => {
    const mask = field((n) => new Uint8Array(n), [62, 32, 32], (x) => (x < 30 ? 1 : 0));
    const full = validateMesh(isosurface(twoSpheres, { isoValue: 225.5 }));
    const rep = validateMesh(isosurface(twoSpheres, { isoValue: 225.5, mask }));
    expect(rep.shells).toBe(1);
    expect(rep.edgeManifold).toBe(true);
    expect(rep.bbox.maxMm[0]).toBeLessThan(30);
    expect(rep.volumeMm3).toBeCloseTo(full.volumeMm3 / 2, -1);
    // On this profile (2000 HU over 2 mm) 225.5 HU lies 0.2255 mm inside radius r.
    expect(relErr(rep.volumeMm3, sphereVolume(r - 0.2255))).toBeLessThan(0.01);
  });
  it('returns an empty mesh for an empty mask, without throwing', () => {
    const empty = field((n) => new Uint8Array(n), [62, 32, 32], () => 0);
    const m = isosurface(twoSpheres, { isoValue: 225.5, mask: empty });
    expect(m.indices.length).toBe(0);
    expect(m.positions.length).toBe(0);
    expect(isosurfaceOfMask(empty).indices.length).toBe(0);
  });
  it('returns an empty mesh when nothing is above the iso-value', () => {
    expect(isosurface(twoSpheres, { isoValue: 5000 }).indices.length).toBe(0);
  });
  it('closes the surface at the grid border (virtual padding) half a voxel out', () => {
    const all = field((n) => new Float32Array(n), [5, 4, 3], () => 1);
    const rep = validateMesh(isosurface(all, { isoValue: 0.5 }));
    expect(rep.edgeManifold).toBe(true);
    // The box from −0.5 to n − 0.5 (volume 5·4·3) with its edges and corners chamfered.
    // Per cube of the padded grid: a cube along a box edge holds 1/4 of a voxel of the box
    // but only a 1/8 prism under the surface (4·(4 + 3 + 2) such cubes); a corner cube holds
    // 1/8 of the box but a 1/48 tetrahedron (8 of them).
    const box = 5 * 4 * 3 - (4 * (4 + 3 + 2)) / 8 - 8 * (1 / 8 - 1 / 48);
    expect(rep.volumeMm3).toBeCloseTo(box, 6);
    expect(rep.bbox.minMm).toEqual([-0.5, -0.5, -0.5]);
    expect(rep.bbox.maxMm).toEqual([4.5, 3.5, 2.5]);
  });
});

describe('isosurface: options and errors', () => {
  const v = field((n) => new Float32Array(n), [20, 20, 20], (x, y, z) => 8 - dist(x, y, z, [9.5, 9.5, 9.5]));
  it('rejects a non-finite iso-value with ParameterError', () => {
    expect(() => isosurface(v, { isoValue: Number.NaN })).toThrow(ParameterError);
  });
  it('rejects a mask on a different grid with GeometryError', () => {
    const m = field((n) => new Uint8Array(n), [20, 20, 19], () => 1);
    expect(() => isosurface(v, { isoValue: 0, mask: m })).toThrow(GeometryError);
    const shifted = makeVolume({ ...field((n) => new Uint8Array(n), [20, 20, 20], () => 1), originMm: [1, 0, 0] });
    expect(() => isosurface(v, { isoValue: 0, mask: shifted })).toThrow(GeometryError);
  });
  it('reports progress once per slice, ending at 1', () => {
    const seen: number[] = [];
    isosurface(v, { isoValue: 0, onProgress: (f) => seen.push(f) });
    expect(seen.length).toBe(21);
    expect(seen[seen.length - 1]).toBe(1);
    expect(seen.every((f, i) => i === 0 || f > seen[i - 1]!)).toBe(true);
  });
  it('throws AbortError when the signal has fired', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => isosurface(v, { isoValue: 0, signal: ac.signal })).toThrow(AbortError);
  });
});
