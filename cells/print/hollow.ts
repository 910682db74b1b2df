/**
 * Hollowing for resin prints: a solid becomes a shell of a given wall thickness, with
 * optional drain holes through the wall (uncured resin must drain out of the cavity).
 */
import { GeometryError, ParameterError } from '../core/errors.ts';
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { checkAbort, progressSpan, type StageOptions } from '../core/stage.ts';
import { IDENTITY3, makeVolume, type Vec3, type Volume } from '../core/volume.ts';
import { distanceTransform } from '../metrics/distance-transform.ts';
import { buildGrid } from '../mesh/distance.ts';
import { isosurface } from '../mesh/isosurface.ts';
import { validateMesh } from '../mesh/validate.ts';
import { loadManifold } from './manifold-wasm.ts';

/** A drain hole: a cylinder through the wall at a point of the outer surface. */
export interface DrainHole {
  /** A point on (or within `diameterMm` of) the outer surface, mm, the mesh's coordinates. */
  readonly pointMm: Vec3;
  /**
   * The cylinder's axis, pointing out of the solid (any length > 0). Default: the area-weighted
   * outward normal of the outer surface within `diameterMm` of the point.
   */
  readonly directionMm?: Vec3;
  /** Hole diameter, mm (> 0). Resin printers' guides ask for 2–5 mm. */
  readonly diameterMm: number;
}

/** Options of `hollowMesh`. */
export interface HollowOptions extends StageOptions {
  /** Wall thickness, mm (finite, > 0). */
  readonly shellMm: number;
  /**
   * Voxel size of the grid the inner surface is extracted on, mm (finite, > 0, ≤ shellMm / 2).
   * Default: shellMm / 4, made coarser if needed so the grid holds at most 2²⁴ voxels.
   */
  readonly voxelMm?: number;
  /** Holes cut through the wall with manifold-3d's boolean difference. Default: none. */
  readonly drainHoles?: readonly DrainHole[];
}

/** What `hollowMesh` returns. */
export interface Hollowed {
  /** The shell: the outer surface as given plus the inner surface wound inward (and the holes' walls). */
  readonly mesh: Mesh;
  /** Enclosed volume of the input, mm³. */
  readonly volumeBeforeMm3: number;
  /** Material volume of the result, mm³. */
  readonly volumeAfterMm3: number;
  /** 100 · (1 − after / before). */
  readonly materialSavedPercent: number;
  /** Smallest distance from an inner-surface vertex to the outer surface, mm (NaN without a cavity). */
  readonly minWallMm: number;
  /** Mean of the same distances, mm (NaN without a cavity). */
  readonly meanWallMm: number;
  /** Voxel size used, mm. */
  readonly voxelMm: number;
  /** Closed shells of the inner surface: 0 when the solid is nowhere thicker than 2 · shellMm (nothing is hollowed). */
  readonly cavities: number;
  /** Connected shells of the result (2 for a hollowed sphere, 1 once a drain hole joins inside and outside). */
  readonly shells: number;
  /** Rounds of re-extraction after exact depths were computed where the wall came out thinner than shellMm (0 when none was needed). */
  readonly refinements: number;
}

/** Most voxels the default grid may hold. */
const MAX_DEFAULT_VOXELS = 2 ** 24;
/** Sides of the drain-hole cylinders. */
const HOLE_SEGMENTS = 32;

/**
 * Hollows a closed solid to a shell of wall thickness `shellMm`, optionally with drain holes.
 *
 * Method: the outer surface is kept as it is. The inner surface is the level set at depth
 * `shellMm` of the solid's distance to its surface: (1) the solid is voxelised at `voxelMm`
 * by scan conversion — a ray along +x through every row of voxel centres, crossings summed as
 * a winding number (top-left rule on shared edges, so each crossing counts once); (2) an exact
 * Euclidean distance transform of the outside (Felzenszwalb & Huttenlocher 2012,
 * doi:10.4086/toc.2012.v008a019) gives every inside voxel its depth to within a voxel; (3)
 * voxels whose side of depth `shellMm` that leaves open, and both ends of every voxel edge
 * crossing that depth, get their exact distance to the mesh's triangles (point-to-triangle,
 * Ericson 2005 §5.1.5); (4) marching cubes (Lorensen & Cline 1987,
 * doi:10.1145/37402.37422) of depth > shellMm gives the inner surface, wound inward. The two
 * surfaces do not touch (they are `shellMm` apart), so the result is one closed 2-manifold
 * with two shells per cavity. Drain holes are cylinders (32 sides) from 1 mm + one diameter
 * outside the point to 2·shellMm + one diameter inside, subtracted with manifold-3d
 * (doi:10.1145/3528223.3530175 for its robust booleans). Parts thinner than 2·shellMm stay
 * solid. A hole's cylinder can also cut a wall beyond the cavity where the part is thinner
 * than its length.
 *
 * Shapes: `positions` 3 per vertex (mm), `indices` 3 per triangle, outward winding.
 * Progress: voxelising to 0.2, distances to 0.6 (the EDT to 0.4), inner surface to 0.8, walls 0.85, holes to 1;
 * `signal` checked between steps and per slice inside them.
 * @throws ParameterError if shellMm or voxelMm is not finite and > 0, voxelMm > shellMm / 2, or
 *   a drain hole has a bad diameter, point or direction, or its point is not near the surface.
 * @throws GeometryError if the mesh is empty, has NaN positions or indices out of range, is
 *   not closed and edge-manifold, or winds inward (negative volume).
 * @throws VoxbookError ('manifold-runtime') if drain holes are asked for and manifold-3d cannot start.
 * @throws AbortError via `signal`.
 */
export async function hollowMesh(mesh: Mesh, options: HollowOptions): Promise<Hollowed> {
  const stage = 'hollowMesh';
  const { shellMm, signal } = options;
  if (!(Number.isFinite(shellMm) && shellMm > 0)) throw new ParameterError(`${stage}: shellMm (wall thickness) must be a finite number > 0, got ${shellMm}`);
  if (options.voxelMm !== undefined && !(Number.isFinite(options.voxelMm) && options.voxelMm > 0 && options.voxelMm <= shellMm / 2)) {
    throw new ParameterError(`${stage}: voxelMm must be a finite number > 0 and ≤ shellMm / 2 (${shellMm / 2}), got ${options.voxelMm}`);
  }
  const holes = options.drainHoles ?? [];
  holes.forEach((h, i) => checkHole(h, i));
  checkMesh(mesh, stage);
  const before = validateMesh(mesh);
  if (!before.edgeManifold || !before.consistentlyOriented) {
    throw new GeometryError(`${stage}: the mesh must be closed and edge-manifold (${before.openEdges} open edges, ${before.nonManifoldEdges} non-manifold edges${before.consistentlyOriented ? '' : ', inconsistent winding'}); repair it first`);
  }
  if (!(before.volumeMm3 > 0)) throw new GeometryError(`${stage}: the mesh encloses ${before.volumeMm3} mm³: it winds inward (or is flat); flip its triangles' winding`);
  const progress = (a: number, b: number): ((f: number) => void) => progressSpan(options.onProgress, a, b) ?? (() => {});
  options.onProgress?.(0);

  // The grid: the mesh's bounds padded by two voxels, axis-aligned; a tiny irrational shift
  // keeps voxel centres off grid-aligned vertices of marching-cubes input.
  const ext = before.bbox.sizeMm;
  let h = options.voxelMm ?? shellMm / 4;
  const count = (s: number) => (Math.ceil(ext[0] / s) + 5) * (Math.ceil(ext[1] / s) + 5) * (Math.ceil(ext[2] / s) + 5);
  if (options.voxelMm === undefined) while (count(h) > MAX_DEFAULT_VOXELS) h *= 1.1;
  const dims: Vec3 = [Math.ceil(ext[0] / h) + 5, Math.ceil(ext[1] / h) + 5, Math.ceil(ext[2] / h) + 5];
  const originMm: Vec3 = [0, 1, 2].map((a) => before.bbox.minMm[a]! - (2 + [0.01234, 0.02345, 0.03456][a]!) * h) as unknown as Vec3;

  const inside = scanConvert(mesh, dims, originMm, h, signal, progress(0, 0.2));
  checkAbort(stage, signal);

  // Depth of every inside voxel: EDT to the outside, exact near depth shellMm.
  const outside = new Uint8Array(inside.length);
  for (let i = 0; i < inside.length; i++) outside[i] = inside[i] ? 0 : 1;
  const grid = { dims, spacingMm: [h, h, h] as Vec3, originMm, direction: IDENTITY3 };
  const edt = distanceTransform(makeVolume({ ...grid, data: outside }), { signal, onProgress: progress(0.2, 0.4) }).data;
  // The true depth d of a voxel is ≤ its EDT value e (the segment to the nearest outside
  // voxel centre crosses the surface) and, where the surface is smooth at the voxel scale,
  // ≥ e − √3/2·h. So e < shellMm is certainly shallower than the iso-level, e > shellMm + h
  // certainly deeper; in between the exact distance to the triangles decides (e bounds its
  // search). Then every voxel whose 6-neighbour lies on the other side of the level — the
  // ends of the cube edges marching cubes interpolates on — gets its exact distance too.
  const tris = buildGrid(mesh);
  const depth = new Float32Array(inside.length);
  const exact = new Uint8Array(inside.length);
  const [nx, ny, nz] = dims;
  const plane = nx * ny;
  const exactAt = (p: number): void => {
    if (exact[p] || !inside[p]) return;
    const i = p % nx, j = ((p / nx) | 0) % ny, k = (p / plane) | 0;
    const e = edt[p]!;
    depth[p] = Math.sqrt(tris.nearest2(originMm[0] + i * h, originMm[1] + j * h, originMm[2] + k * h, e * e * (1 + 1e-9)));
    exact[p] = 1;
  };
  for (let p = 0; p < inside.length; p++) depth[p] = inside[p] ? edt[p]! : -1;
  for (let k = 0, p = 0; k < nz; k++) {
    checkAbort(stage, signal);
    if ((k & 7) === 0) progress(0.4, 0.5)(k / nz);
    for (let q = 0; q < plane; q++, p++) {
      const e = depth[p]!;
      if (e >= shellMm && e <= shellMm + h) exactAt(p);
    }
  }
  for (let k = 0, p = 0; k < nz; k++) {
    checkAbort(stage, signal);
    if ((k & 7) === 0) progress(0.5, 0.6)(k / nz);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, p++) {
        const above = depth[p]! > shellMm;
        if (i + 1 < nx && depth[p + 1]! > shellMm !== above) { exactAt(p); exactAt(p + 1); }
        if (j + 1 < ny && depth[p + nx]! > shellMm !== above) { exactAt(p); exactAt(p + nx); }
        if (k + 1 < nz && depth[p + plane]! > shellMm !== above) { exactAt(p); exactAt(p + plane); }
      }
    }
  }

  // Marching cubes of depth > shellMm, then the wall at every inner vertex. Where the EDT
  // overestimated a depth (the outside there is a slot or spike thinner than a voxel, so no
  // outside voxel centre is near), the inner surface comes too close: every voxel still
  // marked deeper than shellMm within shellMm + 2 voxels of such a vertex gets its exact depth,
  // spreading to neighbours as long as the EDT proves wrong there, and the surface is
  // extracted again (at most 4 rounds; the rounds' count is returned).
  const reach = Math.ceil(shellMm / h) + 2;
  const queue: number[] = [];
  const spread = (p: number): void => {
    const d = depth[p]!, e = edt[p]!;
    if ((e > shellMm && d <= shellMm) || (d < e - 0.9 * h && d <= shellMm + h)) queue.push(p);
  };
  let inner: Mesh = { positions: new Float32Array(0), indices: new Uint32Array(0) };
  let walls = new Float64Array(0);
  let rounds = 0;
  for (; rounds < 4; rounds++) {
    inner = isosurface(makeVolume({ ...grid, data: depth }) as Volume<Float32Array>, { isoValue: shellMm, signal, onProgress: rounds === 0 ? progress(0.6, 0.8) : undefined });
    checkAbort(stage, signal);
    const Q = inner.positions;
    walls = new Float64Array(Q.length / 3);
    let fixed = 0;
    for (let v = 0; v < walls.length; v++) {
      const x = Q[3 * v]!, y = Q[3 * v + 1]!, z = Q[3 * v + 2]!;
      walls[v] = Math.sqrt(tris.nearest2(x, y, z, (shellMm + 2 * h) ** 2));
      if (walls[v]! >= shellMm - 0.1 * h || rounds === 3) continue;
      const ci = Math.round((x - originMm[0]) / h), cj = Math.round((y - originMm[1]) / h), ck = Math.round((z - originMm[2]) / h);
      for (let k = Math.max(0, ck - reach); k <= Math.min(nz - 1, ck + reach); k++) {
        for (let j = Math.max(0, cj - reach); j <= Math.min(ny - 1, cj + reach); j++) {
          for (let i = Math.max(0, ci - reach), p = i + nx * (j + ny * k); i <= Math.min(nx - 1, ci + reach); i++, p++) {
            if (!exact[p] && depth[p]! > shellMm) { exactAt(p); fixed++; spread(p); }
          }
        }
      }
    }
    // Flood on from the voxels the EDT got wrong: through every voxel whose side of the level
    // it got wrong or whose depth it overestimated by more than its bound, near the level.
    while (queue.length > 0) {
      const p = queue.pop()!;
      const i = p % nx, j = ((p / nx) | 0) % ny, k = (p / plane) | 0;
      for (let dk = -1; dk <= 1; dk++) for (let dj = -1; dj <= 1; dj++) for (let di = -1; di <= 1; di++) {
        if (i + di < 0 || i + di >= nx || j + dj < 0 || j + dj >= ny || k + dk < 0 || k + dk >= nz) continue;
        const q = p + di + nx * (dj + ny * dk);
        if (exact[q] || !inside[q] || depth[q]! <= shellMm) continue;
        exactAt(q);
        fixed++;
        spread(q);
      }
    }
    if (fixed === 0) break;
  }
  let minWall = Infinity, sumWall = 0;
  for (let v = 0; v < walls.length; v++) {
    if (walls[v]! < minWall) minWall = walls[v]!;
    sumWall += walls[v]!;
  }
  const IV = walls.length;
  progress(0.8, 1)(0.25);

  let result = joinInward(mesh, inner);
  if (holes.length > 0 && inner.indices.length > 0) {
    checkAbort(stage, signal);
    result = await cutHoles(result, holes.map((hole, i) => holeCylinder(mesh, hole, i, shellMm, tris.nearest2)));
  }
  const after = validateMesh(result);
  const cavities = inner.indices.length > 0 ? validateMesh(inner).shells : 0;
  options.onProgress?.(1);
  return {
    mesh: result,
    volumeBeforeMm3: before.volumeMm3,
    volumeAfterMm3: after.volumeMm3,
    materialSavedPercent: 100 * (1 - after.volumeMm3 / before.volumeMm3),
    minWallMm: IV > 0 ? minWall : NaN,
    meanWallMm: IV > 0 ? sumWall / IV : NaN,
    voxelMm: h,
    cavities,
    shells: after.shells,
    refinements: rounds,
  };
}

function checkHole(h: DrainHole, i: number): void {
  const where = `hollowMesh: drainHoles[${i}]`;
  if (!(Number.isFinite(h.diameterMm) && h.diameterMm > 0)) throw new ParameterError(`${where}.diameterMm must be a finite number > 0, got ${h.diameterMm}`);
  if (h.pointMm?.length !== 3 || !h.pointMm.every(Number.isFinite)) throw new ParameterError(`${where}.pointMm must be 3 finite numbers (mm), got ${JSON.stringify(h.pointMm)}`);
  if (h.directionMm !== undefined && (h.directionMm.length !== 3 || !h.directionMm.every(Number.isFinite) || Math.hypot(...h.directionMm) === 0)) {
    throw new ParameterError(`${where}.directionMm must be 3 finite numbers, not all 0, got ${JSON.stringify(h.directionMm)}`);
  }
}

/**
 * Scan conversion of a closed, outward-wound mesh: 1 where a voxel centre is inside.
 * For each row (j, k) of voxel centres a ray runs along +x; a triangle whose (y, z) projection
 * holds the row's point crosses it at the barycentric x. Edge functions are computed from the
 * lower-indexed vertex of each edge, so the two triangles of a shared edge get exactly opposite
 * values; a point on an edge is counted for the triangle to the edge's top-left only. Crossings
 * of triangles facing −x enter (+1), facing +x leave (−1); a voxel is inside where the sum of
 * the crossings left of it is > 0.
 */
function scanConvert(mesh: Mesh, dims: Vec3, o: Vec3, h: number, signal: AbortSignal | undefined, onProgress: (f: number) => void): Uint8Array {
  const P = mesh.positions, I = mesh.indices, T = I.length / 3;
  const [nx, ny, nz] = dims;
  let rows = new Int32Array(1024), xs = new Float64Array(1024), signs = new Int8Array(1024);
  let n = 0;
  const edge = (u: number, v: number, py: number, pz: number): number => {
    // (v − u) × (p − u) in the (y, z) plane, from the lower index, negated for the other direction.
    const a = u < v ? u : v, b = u < v ? v : u;
    const ay = P[3 * a + 1]!, az = P[3 * a + 2]!;
    const e = (P[3 * b + 1]! - ay) * (pz - az) - (P[3 * b + 2]! - az) * (py - ay);
    return u < v ? e : -e;
  };
  // On-edge tie rule: counted when the edge, oriented with the triangle on its left, runs
  // towards +y, or along −z at constant y.
  const topLeft = (u: number, v: number, s: number): boolean => {
    const dy = s * (P[3 * v + 1]! - P[3 * u + 1]!), dz = s * (P[3 * v + 2]! - P[3 * u + 2]!);
    return dy > 0 || (dy === 0 && dz < 0);
  };
  for (let t = 0; t < T; t++) {
    if ((t & 65535) === 0) {
      if (signal?.aborted) checkAbort('hollowMesh', signal);
      onProgress(0.8 * (t / T));
    }
    const a = I[3 * t]!, b = I[3 * t + 1]!, c = I[3 * t + 2]!;
    const ay = P[3 * a + 1]!, az = P[3 * a + 2]!, by = P[3 * b + 1]!, bz = P[3 * b + 2]!, cy = P[3 * c + 1]!, cz = P[3 * c + 2]!;
    const area = (by - ay) * (cz - az) - (bz - az) * (cy - ay);
    if (area === 0) continue;
    const s = area > 0 ? 1 : -1;
    const j0 = Math.max(0, Math.ceil((Math.min(ay, by, cy) - o[1]) / h)), j1 = Math.min(ny - 1, Math.floor((Math.max(ay, by, cy) - o[1]) / h));
    const k0 = Math.max(0, Math.ceil((Math.min(az, bz, cz) - o[2]) / h)), k1 = Math.min(nz - 1, Math.floor((Math.max(az, bz, cz) - o[2]) / h));
    for (let k = k0; k <= k1; k++) {
      const pz = o[2] + k * h;
      for (let j = j0; j <= j1; j++) {
        const py = o[1] + j * h;
        const w0 = s * edge(b, c, py, pz), w1 = s * edge(c, a, py, pz), w2 = s * edge(a, b, py, pz);
        if (w0 < 0 || w1 < 0 || w2 < 0) continue;
        if ((w0 === 0 && !topLeft(b, c, s)) || (w1 === 0 && !topLeft(c, a, s)) || (w2 === 0 && !topLeft(a, b, s))) continue;
        const sum = w0 + w1 + w2;
        if (n === rows.length) {
          const grow = <A extends Int32Array | Float64Array | Int8Array>(arr: A, make: (m: number) => A): A => { const b2 = make(2 * arr.length); b2.set(arr); return b2; };
          rows = grow(rows, (m) => new Int32Array(m)); xs = grow(xs, (m) => new Float64Array(m)); signs = grow(signs, (m) => new Int8Array(m));
        }
        rows[n] = j + ny * k;
        xs[n] = (w0 * P[3 * a]! + w1 * P[3 * b]! + w2 * P[3 * c]!) / sum;
        // The triangle's normal has x component of sign s: facing −x it is entered.
        signs[n] = -s;
        n++;
      }
    }
  }
  // Crossings grouped by row (counting sort), then each row swept along x.
  const start = new Int32Array(ny * nz + 1);
  for (let q = 0; q < n; q++) start[rows[q]! + 1]!++;
  for (let r = 0; r < ny * nz; r++) start[r + 1]! += start[r]!;
  const fill = start.slice(0, ny * nz), order = new Int32Array(n);
  for (let q = 0; q < n; q++) order[fill[rows[q]!]!++] = q;
  const inside = new Uint8Array(nx * ny * nz);
  for (let r = 0; r < ny * nz; r++) {
    const s0 = start[r]!, s1 = start[r + 1]!;
    if (s0 === s1) continue;
    const row = Array.from(order.subarray(s0, s1)).sort((p, q) => xs[p]! - xs[q]!);
    let winding = 0, c = 0;
    for (let i = 0; i < nx; i++) {
      const x = o[0] + i * h;
      while (c < row.length && xs[row[c]!]! < x) winding += signs[row[c++]!]!;
      if (winding > 0) inside[i + nx * r] = 1;
    }
  }
  onProgress(1);
  return inside;
}

/** The outer mesh followed by the inner one with every triangle's winding reversed (its normals point into the cavity). */
function joinInward(outer: Mesh, inner: Mesh): Mesh {
  const V = outer.positions.length / 3;
  const positions = new Float32Array(outer.positions.length + inner.positions.length);
  positions.set(outer.positions);
  positions.set(inner.positions, outer.positions.length);
  const indices = new Uint32Array(outer.indices.length + inner.indices.length);
  indices.set(outer.indices);
  const J = inner.indices;
  for (let t = 0, o = outer.indices.length; t < J.length; t += 3, o += 3) {
    indices[o] = J[t]! + V;
    indices[o + 1] = J[t + 2]! + V;
    indices[o + 2] = J[t + 1]! + V;
  }
  return { positions, indices };
}

/**
 * A drain hole's cylinder as a closed mesh wound outward: axis along the hole's direction
 * (outward), from 2·shellMm + diameter inside the point to 1 mm + diameter outside it.
 * @throws ParameterError if the point is farther than max(diameter, shellMm) from the surface,
 *   or (without a direction) no surface lies within the diameter to take a normal from.
 */
function holeCylinder(mesh: Mesh, hole: DrainHole, i: number, shellMm: number, nearest2: (x: number, y: number, z: number) => number): Mesh {
  const p = hole.pointMm, r = hole.diameterMm / 2;
  const dist = Math.sqrt(nearest2(p[0], p[1], p[2]));
  const reach = Math.max(hole.diameterMm, shellMm);
  if (dist > reach) throw new ParameterError(`hollowMesh: drainHoles[${i}].pointMm is ${dist.toFixed(2)} mm from the surface; give a point within ${reach} mm of it`);
  let d = hole.directionMm ? [...hole.directionMm] : surfaceNormalNear(mesh, p, dist + hole.diameterMm);
  if (!d) throw new ParameterError(`hollowMesh: drainHoles[${i}]: no surface within ${hole.diameterMm} mm of pointMm to take a normal from; give directionMm`);
  const len = Math.hypot(d[0]!, d[1]!, d[2]!);
  d = d.map((x) => x / len);
  // Two unit vectors across the axis.
  const a = Math.abs(d[0]!) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const u = [d[1]! * a[2]! - d[2]! * a[1]!, d[2]! * a[0]! - d[0]! * a[2]!, d[0]! * a[1]! - d[1]! * a[0]!];
  const ul = Math.hypot(u[0]!, u[1]!, u[2]!);
  for (let q = 0; q < 3; q++) u[q]! /= ul;
  const v = [d[1]! * u[2]! - d[2]! * u[1]!, d[2]! * u[0]! - d[0]! * u[2]!, d[0]! * u[1]! - d[1]! * u[0]!];
  const lo = -(2 * shellMm + hole.diameterMm), hi = 1 + hole.diameterMm;
  const n = HOLE_SEGMENTS;
  const positions = new Float32Array(3 * (2 * n + 2));
  const put = (idx: number, along: number, cu: number, cv: number) => {
    for (let q = 0; q < 3; q++) positions[3 * idx + q] = p[q]! + along * d[q]! + cu * u[q]! + cv * v[q]!;
  };
  for (let s = 0; s < n; s++) {
    const ang = (2 * Math.PI * s) / n, cu = r * Math.cos(ang), cv = r * Math.sin(ang);
    put(s, lo, cu, cv);
    put(n + s, hi, cu, cv);
  }
  put(2 * n, lo, 0, 0);
  put(2 * n + 1, hi, 0, 0);
  // (u, v, d) is right-handed: counter-clockwise in (u, v) seen from +d.
  const indices = new Uint32Array(3 * 4 * n);
  let o = 0;
  for (let s = 0; s < n; s++) {
    const s2 = (s + 1) % n;
    indices.set([s, s2, n + s2, s, n + s2, n + s], o); o += 6; // side, outward
    indices.set([2 * n + 1, n + s, n + s2], o); o += 3; // top cap, facing +d
    indices.set([2 * n, s2, s], o); o += 3; // bottom cap, facing −d
  }
  return { positions, indices };
}

/** Area-weighted outward normal of the triangles whose centroid lies within `radius` of p; null if none. */
function surfaceNormalNear(mesh: Mesh, p: Vec3, radius: number): number[] | null {
  const P = mesh.positions, I = mesh.indices;
  let nx = 0, ny = 0, nz = 0, found = false;
  for (let t = 0; t < I.length; t += 3) {
    const a = 3 * I[t]!, b = 3 * I[t + 1]!, c = 3 * I[t + 2]!;
    const cx = (P[a]! + P[b]! + P[c]!) / 3 - p[0], cy = (P[a + 1]! + P[b + 1]! + P[c + 1]!) / 3 - p[1], cz = (P[a + 2]! + P[b + 2]! + P[c + 2]!) / 3 - p[2];
    if (cx * cx + cy * cy + cz * cz > radius * radius) continue;
    const ux = P[b]! - P[a]!, uy = P[b + 1]! - P[a + 1]!, uz = P[b + 2]! - P[a + 2]!;
    const wx = P[c]! - P[a]!, wy = P[c + 1]! - P[a + 1]!, wz = P[c + 2]! - P[a + 2]!;
    nx += uy * wz - uz * wy; ny += uz * wx - ux * wz; nz += ux * wy - uy * wx;
    found = true;
  }
  return found && Math.hypot(nx, ny, nz) > 0 ? [nx, ny, nz] : null;
}

/** The shell minus the cylinders, by manifold-3d's boolean difference. */
async function cutHoles(shell: Mesh, cylinders: readonly Mesh[]): Promise<Mesh> {
  const w = await loadManifold();
  const owned: { delete(): void }[] = [];
  try {
    const make = (m: Mesh) => {
      const made = new w.Manifold(new w.Mesh({ numProp: 3, vertProperties: m.positions, triVerts: m.indices }));
      owned.push(made);
      return made;
    };
    let cut = make(shell);
    for (const c of cylinders) {
      cut = cut.subtract(make(c));
      owned.push(cut);
    }
    const out = cut.getMesh();
    return { positions: new Float32Array(out.vertProperties), indices: new Uint32Array(out.triVerts) };
  } finally {
    for (const m of owned) m.delete();
  }
}
