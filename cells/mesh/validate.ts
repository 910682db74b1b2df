import { ParameterError } from '../core/errors.ts';
import type { Mesh } from '../core/mesh.ts';
import { checkMesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { meshTopology } from './topology.ts';
import type { Vec3 } from '../core/volume.ts';

/** What `validateMesh` finds. Edges are undirected vertex pairs; a triangle has three. */
export interface MeshReport {
  readonly triangles: number;
  readonly vertices: number;
  /** Distinct undirected edges (zero-length edges of degenerate triangles not counted). */
  readonly edges: number;
  /** Edges in exactly one triangle (holes, cracks). */
  readonly openEdges: number;
  /** Edges in more than two triangles, or whose direction repeats (two triangles use a→b). */
  readonly nonManifoldEdges: number;
  /** Every edge is in exactly two triangles, once in each direction (openEdges = nonManifoldEdges = 0). */
  readonly edgeManifold: boolean;
  /** No open edge (an empty mesh is closed). */
  readonly closed: boolean;
  /** No directed edge a→b is used by two triangles (neighbours agree on winding). */
  readonly consistentlyOriented: boolean;
  /** Connected components of triangles, connected through shared edges. */
  readonly shells: number;
  /** Enclosed volume by the divergence theorem, signed: positive when triangles wind outward. mm³. */
  readonly volumeMm3: number;
  /** Total triangle area, mm². */
  readonly areaMm2: number;
  /** Axis-aligned bounds of all vertices, mm (all zero for a mesh without vertices). */
  readonly bbox: { readonly minMm: Vec3; readonly maxMm: Vec3; readonly sizeMm: Vec3 };
  /** Triangles with a repeated vertex id or zero area (sine of every angle < 1e-10). */
  readonly degenerateTriangles: number;
  /** Triangles whose 3 vertex ids (in any order) repeat an earlier triangle's; each extra copy counts once. */
  readonly duplicatedFaces: number;
  /** Vertices on good edges whose triangles form more than one fan (surfaces touching at a point). */
  readonly nonManifoldVertices: number;
  /**
   * The verdict for printing: closed, edge-manifold, consistently oriented, no duplicated
   * face, no triangle with a repeated vertex id, every vertex one fan (an empty mesh passes).
   * Zero-area triangles with three distinct vertices do not fail it (they are counted in
   * `degenerateTriangles`).
   */
  readonly manifold: boolean;
}

/**
 * Checks a triangle mesh for what a slicer needs: closed, edge-manifold, consistently
 * oriented, no duplicated faces or collapsed triangles, one fan per vertex, positive volume;
 * also counts shells and measures area and bounds.
 *
 * Method (O(V + T), no hashing of string keys): the combinatorial checks are `meshTopology`'s
 * (directed edges bucketed by min(a, b) in CSR layout, runs of equal pairs give each edge's
 * triangle count and directions; union-find over triangles for shells; faces bucketed by their
 * lowest vertex for duplicates; a walk of each vertex's link for fans).
 * Volume is Σ p0 · (p1 × p2) / 6 over triangles, relative to the bounding-box centre to
 * limit cancellation (divergence theorem); float64 throughout.
 *
 * Shapes: `positions` 3 per vertex (mm), `indices` 3 per triangle (up to 357 million
 * triangles: half-edge ids are packed in Int32).
 * @throws ParameterError if an array length is not a multiple of 3 or an index names no vertex.
 * @throws AbortError when `signal` fires (checked between passes).
 */
export function validateMesh(mesh: Mesh, options: StageOptions = {}): MeshReport {
  if (mesh.indices.length > 0) checkMesh(mesh, 'validateMesh'); // an empty mesh is reported (empty, closed), not refused
  const P = mesh.positions, I = mesh.indices;
  if (P.length % 3 !== 0 || I.length % 3 !== 0) {
    throw new ParameterError(`validateMesh: positions (${P.length}) and indices (${I.length}) must hold 3 numbers per vertex / triangle`);
  }
  const V = P.length / 3, T = I.length / 3;
  if (3 * T > 0x3fffffff) throw new ParameterError(`validateMesh: ${T} triangles is more than the 357,913,941 supported`);
  let maxIndex = -1;
  for (let i = 0; i < I.length; i++) if (I[i]! > maxIndex) maxIndex = I[i]!;
  if (maxIndex >= V) throw new ParameterError(`validateMesh: indices name vertex ${maxIndex} but the mesh has ${V} vertices`);
  options.onProgress?.(0);

  // Bounding box over all vertices.
  let minX = Infinity, minY = Infinity, minZ = Infinity, maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
  for (let v = 0; v < V; v++) {
    const x = P[3 * v]!, y = P[3 * v + 1]!, z = P[3 * v + 2]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
    if (z < minZ) minZ = z;
    if (z > maxZ) maxZ = z;
  }
  if (V === 0) minX = minY = minZ = maxX = maxY = maxZ = 0;
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2, cz = (minZ + maxZ) / 2;

  // Volume, area, degenerate triangles.
  let vol6 = 0, area2 = 0, degenerate = 0;
  for (let t = 0; t < T; t++) {
    const a = I[3 * t]!, b = I[3 * t + 1]!, c = I[3 * t + 2]!;
    const ax = P[3 * a]! - cx, ay = P[3 * a + 1]! - cy, az = P[3 * a + 2]! - cz;
    const bx = P[3 * b]! - cx, by = P[3 * b + 1]! - cy, bz = P[3 * b + 2]! - cz;
    const qx = P[3 * c]! - cx, qy = P[3 * c + 1]! - cy, qz = P[3 * c + 2]! - cz;
    vol6 += ax * (by * qz - bz * qy) + ay * (bz * qx - bx * qz) + az * (bx * qy - by * qx);
    const ux = bx - ax, uy = by - ay, uz = bz - az, wx = qx - ax, wy = qy - ay, wz = qz - az;
    const nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
    const n2 = nx * nx + ny * ny + nz * nz;
    area2 += Math.sqrt(n2);
    if (a === b || b === c || a === c || n2 <= 1e-20 * (ux * ux + uy * uy + uz * uz) * (wx * wx + wy * wy + wz * wz)) degenerate++;
  }

  checkAbort('validateMesh', options.signal);
  options.onProgress?.(0.2);
  const topo = meshTopology(I, V, { signal: options.signal, onProgress: options.onProgress && ((f) => options.onProgress!(0.2 + 0.8 * f)) });
  const { openEdges: open, nonManifoldEdges: nonManifold } = topo;

  const minMm: Vec3 = [minX, minY, minZ], maxMm: Vec3 = [maxX, maxY, maxZ];
  return {
    triangles: T,
    vertices: V,
    edges: topo.edges,
    openEdges: open,
    nonManifoldEdges: nonManifold,
    edgeManifold: open === 0 && nonManifold === 0,
    closed: open === 0,
    consistentlyOriented: topo.misorientedEdges === 0,
    shells: topo.shells,
    volumeMm3: vol6 / 6,
    areaMm2: area2 / 2,
    bbox: { minMm, maxMm, sizeMm: [maxX - minX, maxY - minY, maxZ - minZ] },
    degenerateTriangles: degenerate,
    duplicatedFaces: topo.duplicatedFaces,
    nonManifoldVertices: topo.nonManifoldVertices,
    manifold: topo.closedManifold,
  };
}
