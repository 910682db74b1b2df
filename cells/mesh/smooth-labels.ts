/**
 * Smoothing of label surfaces that keeps their shared boundaries shared: the parts are
 * smoothed as one network, so a vertex two parts have in common moves once, for both.
 */
import { ParameterError } from '../core/errors.ts';
import type { Mesh } from '../core/mesh.ts';
import { smoothMesh, type SmoothOptions } from './smooth.ts';
import { validateMesh } from './validate.ts';

/** What `smoothLabelSurfaces` returns. */
export interface SmoothedLabels<P extends { readonly name: string; readonly mesh: Mesh }> {
  /** The parts with smoothed meshes (same indices, new positions), in input order. */
  readonly parts: readonly P[];
  /** Per part: (after − before) / before of the enclosed volume. */
  readonly volumeChanges: readonly number[];
  /** Vertices of the joint network, and how many stayed (moved < 0.1 µm: junction vertices, and any the filter left). */
  readonly vertices: number;
  readonly fixedVertices: number;
}

/**
 * Windowed-sinc smoothing (`smoothMesh`: Taubin, Zhang & Golub 1996, VTK's defaults) of
 * several label surfaces at once. The parts' vertices are welded by position into one network
 * (a vertex two parts share, as `labelSurfaces` makes them, becomes one) and each triangle the
 * parts share, wound oppositely, enters once. The network is smoothed as one mesh and the new
 * positions are handed back to every part. So:
 * - shared vertices move identically for both parts: the boundaries stay crack-free;
 * - each part keeps its indices: closed and edge-manifold parts stay so (topologically);
 * - vertices on a junction line (an edge of three or more sheets: where tissue, bone and air
 *   meet) are non-manifold in the network and stay fixed, as VTK does by default.
 *
 * Shapes: parts' meshes in mm; the result's positions Float32 mm.
 * @throws ParameterError for no parts, and whatever `smoothMesh` throws (bad options, NaN).
 * @throws AbortError when `signal` fires.
 */
export function smoothLabelSurfaces<P extends { readonly name: string; readonly mesh: Mesh }>(parts: readonly P[], options: SmoothOptions = {}): SmoothedLabels<P> {
  if (parts.length === 0) throw new ParameterError('smoothLabelSurfaces: no parts to smooth');
  // 1. Weld vertices by exact position (the label surfaces share bit-identical floats):
  //    the three float32 bit patterns of a vertex are its key.
  const totalV = parts.reduce((n, p) => n + p.mesh.positions.length / 3, 0);
  const totalT = parts.reduce((n, p) => n + p.mesh.indices.length / 3, 0);
  const vertices = new TripleSet(totalV);
  const maps = parts.map((p) => {
    const B = new Uint32Array(p.mesh.positions.buffer, p.mesh.positions.byteOffset, p.mesh.positions.length);
    const m = new Uint32Array(B.length / 3);
    for (let v = 0; v < m.length; v++) m[v] = vertices.add(B[3 * v]!, B[3 * v + 1]!, B[3 * v + 2]!);
    return m;
  });
  // 2. The network's triangles: each distinct vertex set (sorted ids as the key) once.
  const triangles = new TripleSet(totalT);
  const tris = new Uint32Array(3 * totalT);
  let nt = 0;
  parts.forEach((p, n) => {
    const I = p.mesh.indices, m = maps[n]!;
    for (let t = 0; t < I.length; t += 3) {
      const a = m[I[t]!]!, b = m[I[t + 1]!]!, c = m[I[t + 2]!]!;
      const lo = Math.min(a, b, c), hi = Math.max(a, b, c);
      if (triangles.add(lo, a + b + c - lo - hi, hi) < nt) continue;
      tris[3 * nt] = a; tris[3 * nt + 1] = b; tris[3 * nt + 2] = c;
      nt++;
    }
  });
  const nv = vertices.size;
  const xyz = new Float32Array(vertices.keys.buffer, 0, 3 * nv);
  const network: Mesh = { positions: xyz.slice(), indices: tris.slice(0, 3 * nt) };
  const smoothed = smoothMesh(network, options).mesh.positions;
  let fixed = 0;
  for (let i = 0; i < network.positions.length; i += 3) {
    const d = Math.hypot(smoothed[i]! - network.positions[i]!, smoothed[i + 1]! - network.positions[i + 1]!, smoothed[i + 2]! - network.positions[i + 2]!);
    if (d < 1e-4) fixed++; // moved by rounding only (the filter normalises coordinates and back)
  }
  // 3. Back to the parts.
  const volumeChanges: number[] = [];
  const out = parts.map((p, n) => {
    const m = maps[n]!, pos = new Float32Array(m.length * 3);
    for (let v = 0; v < m.length; v++) {
      const id = m[v]!;
      pos[3 * v] = smoothed[3 * id]!;
      pos[3 * v + 1] = smoothed[3 * id + 1]!;
      pos[3 * v + 2] = smoothed[3 * id + 2]!;
    }
    const mesh: Mesh = { positions: pos, indices: p.mesh.indices };
    const before = validateMesh(p.mesh).volumeMm3, after = validateMesh(mesh).volumeMm3;
    volumeChanges.push(before === 0 ? 0 : (after - before) / before);
    return { ...p, mesh };
  });
  return { parts: out, volumeChanges, vertices: nv, fixedVertices: fixed };
}

/**
 * A set of triples of 32-bit words, each given the id (0, 1, 2, …) of its first `add`:
 * open addressing with linear probing, load factor ≤ 1/2, capacity fixed at construction.
 * Hashing: multiplicative mixing (Knuth, TAOCP vol. 3 §6.4).
 */
class TripleSet {
  /** The triples in id order, 3 words each. */
  readonly keys: Uint32Array;
  size = 0;
  private readonly slots: Int32Array;
  constructor(capacity: number) {
    let n = 16;
    while (n < 2 * capacity) n *= 2;
    this.slots = new Int32Array(n).fill(-1);
    this.keys = new Uint32Array(3 * capacity);
  }
  /** The id of (a, b, c): its existing one, or the next (= the size before the call). */
  add(a: number, b: number, c: number): number {
    const mask = this.slots.length - 1, K = this.keys;
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d);
    h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f) & mask;
    for (;;) {
      const id = this.slots[h]!;
      if (id < 0) {
        const n = this.size++;
        this.slots[h] = n;
        K[3 * n] = a; K[3 * n + 1] = b; K[3 * n + 2] = c;
        return n;
      }
      if (K[3 * id] === a && K[3 * id + 1] === b && K[3 * id + 2] === c) return id;
      h = (h + 1) & mask;
    }
  }
}
