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
  /** Up directions sampled on the sphere besides the six axis directions. Default 500. */
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
  /** Whether a searched rotation fits the build volume, confirmed on every vertex. */
  readonly anyFits: boolean;
  /** Up directions screened (6 axis-aligned + sampled), yaw angles per direction, and how many were measured exactly. */
  readonly candidates: { readonly upDirections: number; readonly yawsPerDirection: number; readonly measuredExactly: number };
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
 * To keep this O(V): the vertices are first thinned to the farthest from the bounding-box
 * centre in each of 64 × 64 direction bins (octahedral map), and the extremes are taken among those.
 */
function supportPoints(positions: Float32Array, count: number): Float64Array {
  const V = positions.length / 3, G = 64;
  let x0 = Infinity, y0 = Infinity, z0 = Infinity, x1 = -Infinity, y1 = -Infinity, z1 = -Infinity;
  for (let v = 0; v < V; v++) {
    const x = positions[3 * v]!, y = positions[3 * v + 1]!, z = positions[3 * v + 2]!;
    if (x < x0) x0 = x; if (x > x1) x1 = x;
    if (y < y0) y0 = y; if (y > y1) y1 = y;
    if (z < z0) z0 = z; if (z > z1) z1 = z;
  }
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, cz = (z0 + z1) / 2;
  const far = new Int32Array(G * G).fill(-1), r2 = new Float64Array(G * G);
  for (let v = 0; v < V; v++) {
    const dx = positions[3 * v]! - cx, dy = positions[3 * v + 1]! - cy, dz = positions[3 * v + 2]! - cz;
    const l1 = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
    let u = l1 > 0 ? dx / l1 : 0, w = l1 > 0 ? dy / l1 : 0;
    if (dz < 0) { const fu = (1 - Math.abs(w)) * (u < 0 ? -1 : 1); w = (1 - Math.abs(u)) * (w < 0 ? -1 : 1); u = fu; }
    const b = Math.min(G - 1, Math.floor(((u + 1) / 2) * G)) + G * Math.min(G - 1, Math.floor(((w + 1) / 2) * G));
    const d2 = dx * dx + dy * dy + dz * dz;
    if (far[b] === -1 || d2 > r2[b]!) { far[b] = v; r2[b] = d2; }
  }
  const pool = [...far].filter((v) => v >= 0);
  // The six axis extremes belong to the hull too (they keep the as-given extents exact).
  const picked = new Set<number>();
  for (const [dx, dy, dz] of [...fibonacciDirections(count), [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]] as Vec3[]) {
    let best = -Infinity, arg = 0;
    const axis = (dx === 0 && dy === 0) || (dx === 0 && dz === 0) || (dy === 0 && dz === 0);
    // Every vertex for an axis direction, else the thinned pool (plain loops: no generator per vertex).
    for (let k = 0, n = axis ? V : pool.length; k < n; k++) {
      const v = axis ? k : pool[k]!;
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
/** Candidates measured exactly (every triangle and vertex) after the screening. */
const EXACT_CANDIDATES = 12;
/** Normals within this angle of straight down may rest on the bed: the screening does not count them as overhang. */
const FLAT_DEG = 5;

/**
 * Triangle areas binned by normal direction on an octahedral map (Praun & Hoppe 2003's
 * parameterisation of the sphere on a square), `G` × `G` bins; per non-empty bin its total
 * area and area-weighted mean unit normal. Overhang for any direction is then a sum over
 * bins rather than over triangles.
 */
function normalHistogram(normals: Float32Array, areas: Float64Array, G = 64): { n: Float64Array; area: Float64Array } {
  const sum = new Float64Array(3 * G * G), area = new Float64Array(G * G);
  for (let t = 0; t < areas.length; t++) {
    const nx = normals[3 * t]!, ny = normals[3 * t + 1]!, nz = normals[3 * t + 2]!;
    const l1 = Math.abs(nx) + Math.abs(ny) + Math.abs(nz);
    if (!(l1 > 0)) continue;
    let x = nx / l1, y = ny / l1;
    if (nz < 0) {
      const fx = (1 - Math.abs(y)) * (x < 0 ? -1 : 1), fy = (1 - Math.abs(x)) * (y < 0 ? -1 : 1);
      x = fx;
      y = fy;
    }
    const i = Math.min(G - 1, Math.floor(((x + 1) / 2) * G)), j = Math.min(G - 1, Math.floor(((y + 1) / 2) * G));
    const b = i + G * j, a = areas[t]!;
    area[b] += a;
    sum[3 * b] += a * nx;
    sum[3 * b + 1] += a * ny;
    sum[3 * b + 2] += a * nz;
  }
  let k = 0;
  for (let b = 0; b < G * G; b++) if (area[b]! > 0) k++;
  const n = new Float64Array(3 * k), outArea = new Float64Array(k);
  k = 0;
  for (let b = 0; b < G * G; b++) {
    if (!(area[b]! > 0)) continue;
    const l = Math.hypot(sum[3 * b]!, sum[3 * b + 1]!, sum[3 * b + 2]!) || 1;
    n[3 * k] = sum[3 * b]! / l;
    n[3 * k + 1] = sum[3 * b + 1]! / l;
    n[3 * k + 2] = sum[3 * b + 2]! / l;
    outArea[k++] = area[b]!;
  }
  return { n, area: outArea };
}

/**
 * Searches print orientations in two stages.
 * Candidates: up = the six axis directions (with yaw 0° and 90° these are the 24 axis-aligned
 * rotations, up to the half turn about up, which changes no extent) plus `sampledDirections`
 * on a Fibonacci lattice; 24 yaw angles (7.5° steps) each for the build-volume check.
 * 1. Screening, per candidate: overhang from a histogram of triangle normals (4,096 bins,
 *    area-weighted mean normal per bin), not counting normals within 5° of straight down
 *    (they may rest on the bed); height and footprint from the support points (vertices
 *    extreme in 400 directions, a subset of the convex hull's).
 * 2. The best 12 by the screening's `objective` key (among those that fit, when any does),
 *    and the six axis directions, measured exactly: overhang over every triangle with the
 *    bed-contact rule, height and extent over every vertex. The best exact one is chosen.
 * Chooses the least `objective` ('overhang': overhang area, then height; 'height': height,
 * then overhang area) among the orientations that fit the build volume (all, when none fits).
 * @throws AbortError when `signal` fires (checked between stages and exact measurements).
 */
export function chooseOrientation(mesh: Mesh, options: OrientationOptions = {}): Orientation {
  const { objective = 'overhang', buildMm, sampledDirections = 500, maxOverhangDeg = 45, bedContactMm = 0.1, signal, onProgress } = options;
  onProgress?.(0);
  const { normals, areas } = triangleNormalsAreas(mesh);
  const hist = normalHistogram(normals, areas);
  const heights = new Float64Array(mesh.positions.length / 3);
  const sinMax = Math.sin((maxOverhangDeg * Math.PI) / 180), cosFlat = Math.cos((FLAT_DEG * Math.PI) / 180);
  const ups: Vec3[] = [[0, 0, 1], [0, 0, -1], [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], ...fibonacciDirections(sampledDirections)];
  const support = supportPoints(mesh.positions, 400);
  checkAbort('chooseOrientation', signal);
  onProgress?.(0.3);
  interface Candidate { up: Vec3; overhang: number; height: number; fitYaw: number; exact: boolean }
  const screened: Candidate[] = ups.map((up) => {
    const [ux, uy, uz] = up;
    let overhang = 0;
    for (let k = 0; k < hist.area.length; k++) {
      const d = hist.n[3 * k]! * ux + hist.n[3 * k + 1]! * uy + hist.n[3 * k + 2]! * uz;
      if (d < -sinMax && d > -cosFlat) overhang += hist.area[k]!;
    }
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < support.length; i += 3) {
      const h = support[i]! * ux + support[i + 1]! * uy + support[i + 2]! * uz;
      if (h < lo) lo = h;
      if (h > hi) hi = h;
    }
    return { up, overhang, height: hi - lo, fitYaw: buildMm ? fittingYaw(support, up, buildMm, hi - lo) : -1, exact: false };
  });
  const key = (c: Candidate): [number, number] => (objective === 'overhang' ? [c.overhang, c.height] : [c.height, c.overhang]);
  const better = (a: Candidate, b: Candidate) => {
    const [a0, a1] = key(a), [b0, b1] = key(b);
    const tol = 1e-9 * Math.max(1, Math.abs(b0));
    return a0 < b0 - tol || (Math.abs(a0 - b0) <= tol && a1 < b1);
  };
  const anyFitsScreened = screened.some((c) => c.fitYaw >= 0);
  const ranked = screened.filter((c) => !anyFitsScreened || c.fitYaw >= 0).sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  const shortlist = new Set<Candidate>([...ranked.slice(0, EXACT_CANDIDATES), ...screened.slice(0, 6)]);
  // Stage 2: exact measurements; a fit claimed by the support points is confirmed on every vertex.
  const exact: Candidate[] = [];
  let n = 0;
  for (const c of shortlist) {
    checkAbort('chooseOrientation', signal);
    onProgress?.(0.3 + 0.7 * (n++ / shortlist.size));
    const m = overhangFor(mesh, normals, areas, c.up[0], c.up[1], c.up[2], sinMax, bedContactMm, heights);
    let fitYaw = c.fitYaw;
    if (buildMm && fitYaw >= 0 && !fitsIn(extentIn(mesh.positions, rotationFor(c.up, fitYaw)), buildMm)) fitYaw = -1;
    exact.push({ up: c.up, overhang: m.overhangMm2, height: m.heightMm, fitYaw, exact: true });
  }
  const fitting = exact.filter((c) => c.fitYaw >= 0);
  const pool = fitting.length > 0 ? fitting : exact;
  const best = pool.reduce((b, c) => (better(c, b) ? c : b));
  const yawDeg = Math.max(0, best.fitYaw);
  const rotation = rotationFor(best.up, yawDeg);
  onProgress?.(1);
  return {
    objective, up: best.up, yawDeg, rotation, sizeMm: extentIn(mesh.positions, rotation), heightMm: best.height, overhangAreaMm2: best.overhang,
    fits: best.fitYaw >= 0, anyFits: fitting.length > 0,
    candidates: { upDirections: ups.length, yawsPerDirection: YAWS, measuredExactly: shortlist.size },
  };
}

/** The first yaw (of `YAWS`) at which the support points' extent fits `buildMm`, or -1. */
function fittingYaw(support: Float64Array, up: Vec3, buildMm: readonly [number, number, number], heightMm: number): number {
  if (heightMm > buildMm[2]) return -1;
  for (let k = 0; k < YAWS; k++) {
    const yaw = (180 * k) / YAWS;
    if (fitsIn(extentIn(support, rotationFor(up, yaw)), buildMm)) return yaw;
  }
  return -1;
}

/**
 * `mesh` turned into its print orientation and set on the bed: positions = rotation · p, then
 * moved so the lowest point is at z = 0 and the footprint is centred on the bed
 * (`buildMm[0] / 2`, `buildMm[1] / 2`), or on x = y = 0 without a build volume. `rotation` is
 * a proper rotation (as `chooseOrientation` gives), so the winding stays outward; indices are
 * shared with the input. Positions float32, mm.
 */
export function orientForPrint(mesh: Mesh, rotation: Rotation3, buildMm?: readonly [number, number, number]): Mesh {
  const P = mesh.positions, V = P.length / 3;
  const [[a, b, c], [d, e, f], [g, h, i]] = rotation;
  const out = new Float64Array(3 * V);
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let v = 0; v < V; v++) {
    const x = P[3 * v]!, y = P[3 * v + 1]!, z = P[3 * v + 2]!;
    const q = [a * x + b * y + c * z, d * x + e * y + f * z, g * x + h * y + i * z];
    for (let k = 0; k < 3; k++) {
      out[3 * v + k] = q[k]!;
      if (q[k]! < lo[k]!) lo[k] = q[k]!;
      if (q[k]! > hi[k]!) hi[k] = q[k]!;
    }
  }
  const shift = [(buildMm ? buildMm[0] / 2 : 0) - (lo[0]! + hi[0]!) / 2, (buildMm ? buildMm[1] / 2 : 0) - (lo[1]! + hi[1]!) / 2, -lo[2]!];
  const positions = new Float32Array(3 * V);
  for (let v = 0; v < V; v++) for (let k = 0; k < 3; k++) positions[3 * v + k] = out[3 * v + k]! + shift[k]!;
  return { positions, indices: mesh.indices };
}
