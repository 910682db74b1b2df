/**
 * Print orientation: overhang area and height of a part for a given "up" direction, and a
 * search over candidate rotations for the one that minimises either (within the build volume
 * when any fits).
 *
 * Rule for overhangs: a triangle overhangs when its outward normal points down more steeply
 * than `maxOverhangDeg` from vertical, i.e. n·up < −sin(maxOverhangDeg) (a vertical wall is
 * 0°, a ceiling facing down 90°) — except triangles resting on the bed: those whose highest
 * corner is within `bedContactMm` of the part's lowest point (they print on the plate).
 */
import type { Mesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import type { Vec3 } from '../core/volume.ts';

export type OrientationObjective = 'overhang' | 'height';

/** A rigid rotation for printing: rows are the print frame's x, y, z axes in the part's coordinates (z = up). */
export type Rotation3 = readonly [Vec3, Vec3, Vec3];

export interface OverhangOptions {
  /** Steepest printable overhang, degrees from vertical. Default 45. */
  readonly maxOverhangDeg?: number;
  /** Triangles whose highest corner is this close to the lowest point rest on the bed, mm. Default 0.1. */
  readonly bedContactMm?: number;
}

export interface OrientationOptions extends OverhangOptions, StageOptions {
  readonly objective?: OrientationObjective;
  /** Build volume [x, y, z], mm: orientations that fit are preferred. */
  readonly buildMm?: readonly [number, number, number];
  /** Up directions sampled on the sphere besides the six axis directions. Default 200. */
  readonly sampledDirections?: number;
}

export interface Orientation {
  readonly objective: OrientationObjective;
  /** The part's direction that points up when printed (unit, part coordinates). */
  readonly up: Vec3;
  /** Rotation about `up` chosen so the footprint fits the bed, degrees. */
  readonly yawDeg: number;
  /** Print frame axes in part coordinates: print = rotation · part. */
  readonly rotation: Rotation3;
  /** Extent in the print frame [x, y, z], mm (exact, over all vertices). */
  readonly sizeMm: Vec3;
  readonly heightMm: number;
  readonly overhangAreaMm2: number;
  /** Whether `sizeMm` fits the build volume (false when no build volume was given). */
  readonly fits: boolean;
  /** Whether any candidate rotation fits the build volume. */
  readonly anyFits: boolean;
  /** Up directions tried (6 axis-aligned + sampled) and yaw angles per direction. */
  readonly candidates: { readonly upDirections: number; readonly yawsPerDirection: number };
}

/** Unit normals (3 per triangle) and areas of a mesh's triangles, float32/float64. */
export function triangleNormalsAreas(mesh: Mesh): { normals: Float32Array; areas: Float64Array } {
  const P = mesh.positions, I = mesh.indices, T = I.length / 3;
  const normals = new Float32Array(3 * T), areas = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const a = 3 * I[3 * t]!, b = 3 * I[3 * t + 1]!, c = 3 * I[3 * t + 2]!;
    const ux = P[b]! - P[a]!, uy = P[b + 1]! - P[a + 1]!, uz = P[b + 2]! - P[a + 2]!;
    const wx = P[c]! - P[a]!, wy = P[c + 1]! - P[a + 1]!, wz = P[c + 2]! - P[a + 2]!;
    const nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
    const len = Math.hypot(nx, ny, nz);
    areas[t] = len / 2;
    if (len > 0) {
      normals[3 * t] = nx / len;
      normals[3 * t + 1] = ny / len;
      normals[3 * t + 2] = nz / len;
    }
  }
  return { normals, areas };
}

/** Heights and overhang area for one up direction; `heights` is scratch (V floats). */
function overhangFor(mesh: Mesh, normals: Float32Array, areas: Float64Array, ux: number, uy: number, uz: number, sinMax: number, bedContactMm: number, heights: Float64Array): { overhangMm2: number; heightMm: number } {
  const P = mesh.positions, I = mesh.indices, V = P.length / 3, T = I.length / 3;
  let lo = Infinity, hi = -Infinity;
  for (let v = 0; v < V; v++) {
    const h = P[3 * v]! * ux + P[3 * v + 1]! * uy + P[3 * v + 2]! * uz;
    heights[v] = h;
    if (h < lo) lo = h;
    if (h > hi) hi = h;
  }
  // Only vertices that triangles use matter for height; a stray unused vertex is rare and checkMesh-level data is welded.
  const bed = lo + bedContactMm;
  let area = 0;
  for (let t = 0; t < T; t++) {
    if (normals[3 * t]! * ux + normals[3 * t + 1]! * uy + normals[3 * t + 2]! * uz >= -sinMax) continue;
    const ha = heights[I[3 * t]!]!, hb = heights[I[3 * t + 1]!]!, hc = heights[I[3 * t + 2]!]!;
    if ((ha > hb ? (ha > hc ? ha : hc) : (hb > hc ? hb : hc)) <= bed) continue;
    area += areas[t]!;
  }
  return { overhangMm2: area, heightMm: hi - lo };
}

/**
 * Overhang area (mm²) of `mesh` printed with `up` (part coordinates, normalised here) pointing
 * up, by the rule in this module's comment. Outward-wound meshes only (normals from the winding).
 */
export function overhangArea(mesh: Mesh, up: Vec3, options: OverhangOptions = {}): number {
  const { maxOverhangDeg = 45, bedContactMm = 0.1 } = options;
  const { normals, areas } = triangleNormalsAreas(mesh);
  const n = Math.hypot(...up);
  return overhangFor(mesh, normals, areas, up[0] / n, up[1] / n, up[2] / n, Math.sin((maxOverhangDeg * Math.PI) / 180), bedContactMm, new Float64Array(mesh.positions.length / 3)).overhangMm2;
}

/** `count` directions spread evenly on the unit sphere (Fibonacci lattice; González 2010, doi:10.1007/s11004-009-9257-x). */
export function fibonacciDirections(count: number): Vec3[] {
  const out: Vec3[] = [];
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < count; i++) {
    const z = 1 - (2 * (i + 0.5)) / count, r = Math.sqrt(1 - z * z), phi = golden * i;
    out.push([r * Math.cos(phi), r * Math.sin(phi), z]);
  }
  return out;
}

/** Print frame for `up` turned by `yawDeg` about it: rows x, y, z (= up), right-handed. */
export function rotationFor(up: Vec3, yawDeg: number): Rotation3 {
  const [ux, uy, uz] = up;
  // A fixed perpendicular: for the six axis directions this makes yaw 0 / 90 the axis-aligned rotations.
  let ax: Vec3 = Math.abs(ux) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const d = ax[0] * ux + ax[1] * uy + ax[2] * uz;
  ax = [ax[0] - d * ux, ax[1] - d * uy, ax[2] - d * uz];
  const n = Math.hypot(...ax);
  const e1: Vec3 = [ax[0] / n, ax[1] / n, ax[2] / n];
  const e2: Vec3 = [uy * e1[2] - uz * e1[1], uz * e1[0] - ux * e1[2], ux * e1[1] - uy * e1[0]];
  const c = Math.cos((yawDeg * Math.PI) / 180), s = Math.sin((yawDeg * Math.PI) / 180);
  const x: Vec3 = [c * e1[0] + s * e2[0], c * e1[1] + s * e2[1], c * e1[2] + s * e2[2]];
  const y: Vec3 = [-s * e1[0] + c * e2[0], -s * e1[1] + c * e2[1], -s * e1[2] + c * e2[2]];
  return [x, y, [ux, uy, uz]];
}

/** Extent [x, y, z] of `points` (3 per point) in the frame `r`, mm. */
export function extentIn(points: Float32Array | Float64Array, r: Rotation3): Vec3 {
  const out: number[] = [];
  for (const [ax, ay, az] of r) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < points.length; i += 3) {
      const h = points[i]! * ax + points[i + 1]! * ay + points[i + 2]! * az;
      if (h < lo) lo = h;
      if (h > hi) hi = h;
    }
    out.push(hi - lo);
  }
  return out as unknown as Vec3;
}

const fitsIn = (size: Vec3, build: readonly [number, number, number]) => size[0] <= build[0] && size[1] <= build[1] && size[2] <= build[2];

/**
 * The vertices extreme in `count` directions (Fibonacci lattice): a subset of the convex
 * hull's vertices on which extents in any frame are within a small fraction of the full
 * mesh's. Used to screen many rotations cheaply; the chosen one is measured on every vertex.
 */
function supportPoints(positions: Float32Array, count: number): Float64Array {
  const V = positions.length / 3;
  const dirs = fibonacciDirections(count);
  const picked = new Set<number>();
  for (const [dx, dy, dz] of dirs) {
    let best = -Infinity, arg = 0;
    for (let v = 0; v < V; v++) {
      const h = positions[3 * v]! * dx + positions[3 * v + 1]! * dy + positions[3 * v + 2]! * dz;
      if (h > best) { best = h; arg = v; }
    }
    picked.add(arg);
  }
  const out = new Float64Array(3 * picked.size);
  let i = 0;
  for (const v of picked) { out[i++] = positions[3 * v]!; out[i++] = positions[3 * v + 1]!; out[i++] = positions[3 * v + 2]!; }
  return out;
}

const YAWS = 24; // 0°, 7.5°, …, 172.5° (a 180° turn gives the same extents)

/**
 * Searches print orientations: up directions = the six axis directions (with yaw 0° and 90°
 * these are the 24 axis-aligned rotations, up to the half turn about up, which changes no
 * extent) plus `sampledDirections` on a Fibonacci lattice; for each, the overhang area
 * (all triangles) and height (all vertices), and for the build-volume check 24 yaw angles
 * (7.5° steps) screened on the support points, the chosen one re-measured on every vertex.
 * Chooses, among the orientations that fit the build volume (all, when none fits), the least
 * `objective` ('overhang': overhang area, then height; 'height': height, then overhang area).
 * Cost: (6 + sampledDirections) passes over the triangles.
 * @throws AbortError when `signal` fires (checked per direction).
 */
export function chooseOrientation(mesh: Mesh, options: OrientationOptions = {}): Orientation {
  const { objective = 'overhang', buildMm, sampledDirections = 200, maxOverhangDeg = 45, bedContactMm = 0.1, signal, onProgress } = options;
  onProgress?.(0);
  const { normals, areas } = triangleNormalsAreas(mesh);
  const heights = new Float64Array(mesh.positions.length / 3);
  const sinMax = Math.sin((maxOverhangDeg * Math.PI) / 180);
  const ups: Vec3[] = [[0, 0, 1], [0, 0, -1], [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], ...fibonacciDirections(sampledDirections)];
  const support = buildMm ? supportPoints(mesh.positions, 400) : undefined;
  interface Candidate { up: Vec3; overhang: number; height: number; fitYaw: number }
  const candidates: Candidate[] = [];
  ups.forEach((up, i) => {
    if (i % 16 === 0) {
      checkAbort('chooseOrientation', signal);
      onProgress?.(0.9 * (i / ups.length));
    }
    const { overhangMm2, heightMm } = overhangFor(mesh, normals, areas, up[0], up[1], up[2], sinMax, bedContactMm, heights);
    let fitYaw = -1;
    if (buildMm && support && heightMm <= buildMm[2]) {
      for (let k = 0; k < YAWS && fitYaw < 0; k++) {
        const yaw = (180 * k) / YAWS;
        if (fitsIn(extentIn(support, rotationFor(up, yaw)), buildMm)) fitYaw = yaw;
      }
    }
    candidates.push({ up, overhang: overhangMm2, height: heightMm, fitYaw });
  });
  const key = (c: Candidate): [number, number] => (objective === 'overhang' ? [c.overhang, c.height] : [c.height, c.overhang]);
  const better = (a: Candidate, b: Candidate) => {
    const [a0, a1] = key(a), [b0, b1] = key(b);
    const tol = 1e-9 * Math.max(1, Math.abs(b0));
    return a0 < b0 - tol || (Math.abs(a0 - b0) <= tol && a1 < b1);
  };
  const pick = (pool: Candidate[]) => pool.reduce((best, c) => (better(c, best) ? c : best));
  let pool = candidates.filter((c) => c.fitYaw >= 0);
  // The support points can under-read an extent slightly: confirm the choice on every vertex.
  while (pool.length > 0) {
    const c = pick(pool);
    const rotation = rotationFor(c.up, c.fitYaw);
    const sizeMm = extentIn(mesh.positions, rotation);
    if (fitsIn(sizeMm, buildMm!)) {
      onProgress?.(1);
      return { objective, up: c.up, yawDeg: c.fitYaw, rotation, sizeMm, heightMm: c.height, overhangAreaMm2: c.overhang, fits: true, anyFits: true, candidates: { upDirections: ups.length, yawsPerDirection: YAWS } };
    }
    pool = pool.filter((x) => x !== c);
  }
  const c = pick(candidates);
  const rotation = rotationFor(c.up, 0);
  onProgress?.(1);
  return { objective, up: c.up, yawDeg: 0, rotation, sizeMm: extentIn(mesh.positions, rotation), heightMm: c.height, overhangAreaMm2: c.overhang, fits: false, anyFits: false, candidates: { upDirections: ups.length, yawsPerDirection: YAWS } };
}
