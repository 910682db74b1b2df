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
  // 1. Weld vertices by exact position (the label surfaces share bit-identical floats).
  const ids = new Map<string, number>();
  const xyz: number[] = [];
  const maps = parts.map((p) => {
    const P = p.mesh.positions, m = new Uint32Array(P.length / 3);
    for (let v = 0; v < m.length; v++) {
      const k = `${P[3 * v]},${P[3 * v + 1]},${P[3 * v + 2]}`;
      let id = ids.get(k);
      if (id === undefined) {
        id = ids.size;
        ids.set(k, id);
        xyz.push(P[3 * v]!, P[3 * v + 1]!, P[3 * v + 2]!);
      }
      m[v] = id;
    }
    return m;
  });
  // 2. The network's triangles: each distinct vertex set once.
  const seen = new Set<string>();
  const tris: number[] = [];
  parts.forEach((p, n) => {
    const I = p.mesh.indices, m = maps[n]!;
    for (let t = 0; t < I.length; t += 3) {
      const a = m[I[t]!]!, b = m[I[t + 1]!]!, c = m[I[t + 2]!]!;
      const s = [a, b, c].sort((x, y) => x - y).join(',');
      if (seen.has(s)) continue;
      seen.add(s);
      tris.push(a, b, c);
    }
  });
  const network: Mesh = { positions: Float32Array.from(xyz), indices: Uint32Array.from(tris) };
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
  return { parts: out, volumeChanges, vertices: ids.size, fixedVertices: fixed };
}
