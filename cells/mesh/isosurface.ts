import { GeometryError, ParameterError } from '../core/errors.ts';
import type { Mesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { det3, type Volume } from '../core/volume.ts';
import { CASE_EDGES, CASE_OFFSETS, LABEL_CASE_TABLES, type CaseTable } from './case-table.ts';

/** Options of `isosurface`. */
export interface IsosurfaceOptions extends StageOptions {
  /** Inside is value > isoValue (same units as the volume: HU for CT). */
  readonly isoValue: number;
  /**
   * Optional restriction on the same grid: where mask is 0 the value is taken as
   * min(value, isoValue − 0.5), so the surface keeps only the masked components while its
   * vertices stay interpolated from the real values (sub-voxel accurate).
   */
  readonly mask?: Volume<Uint8Array>;
}

/**
 * Isosurface of a scalar volume by marching cubes, as a closed, edge-manifold triangle mesh.
 *
 * - Inside is value > `isoValue`. The grid is treated as padded by one voxel of "outside"
 *   on every side (virtually; nothing is copied), so the surface always closes; where it
 *   crosses into that padding it is capped half a voxel beyond the last sample.
 * - With `mask` (same grid), voxels with mask 0 count as value min(value, isoValue − 0.5).
 * - Vertices lie on cube edges, linearly interpolated, one per crossed edge and shared by
 *   all cubes around that edge (welded by construction through per-slice edge index arrays).
 * - Positions are world millimetres, patient LPS: originMm + direction · (index ∘ spacingMm).
 *   Triangles wind counter-clockwise seen from outside (normals point from inside to
 *   outside, enclosed volume positive), also when det(direction) < 0 (winding is flipped).
 * - Ambiguous faces (inside corners on one diagonal, outside on the other) are always
 *   resolved by separating the inside corners; both cubes sharing a face decide alike, so
 *   there are no cracks (see case-table.ts).
 *
 * Shapes: `volume` [nx, ny, nz], any voxel type; output `positions` Float32 (3 per vertex,
 * mm), `indices` Uint32 (3 per triangle). Nothing above the iso-value gives an empty mesh.
 * Cost: one pass over the voxels, x fastest, O(nx·ny) scratch per slice.
 *
 * @throws ParameterError if isoValue is not finite.
 * @throws GeometryError if the mask's grid differs from the volume's, or direction is singular.
 * @throws AbortError when `signal` fires (checked once per slice).
 *
 * Source: W. E. Lorensen & H. E. Cline, "Marching cubes: a high resolution 3D surface
 * construction algorithm", SIGGRAPH 1987, doi:10.1145/37402.37422; ambiguity rule of
 * Montani, Scateni & Scopigno, The Visual Computer 10:353 (1994).
 */
export function isosurface(volume: Volume, options: IsosurfaceOptions): Mesh {
  const { isoValue, mask } = options;
  if (!Number.isFinite(isoValue)) throw new ParameterError(`isosurface: isoValue must be a finite number, got ${isoValue}`);
  if (mask) checkSameGrid(volume, mask);
  return march(volume, isoValue, mask, false, options);
}

/** Options of `isosurfaceOfMask`. */
export interface MaskSurfaceOptions extends StageOptions {
  /**
   * For label surfaces (cells/mesh/label-surfaces.ts): march with `LABEL_CASE_TABLES`, whose
   * cases c and 255 − c mirror each other. 'separate' cuts the inside corners of an ambiguous
   * cube face off one by one (as the default table), 'join' connects them. Either gives a
   * closed, edge-manifold surface. Absent: the default table (`CASE_EDGES`).
   */
  readonly ambiguity?: 'separate' | 'join';
}

/**
 * Isosurface of a binary mask at 0.5: any non-zero voxel is inside (so 0/1 and 0/255 masks
 * give the same surface), every vertex sits at the midpoint of its edge.
 * Shapes, units, orientation and errors as `isosurface`.
 */
export function isosurfaceOfMask(mask: Volume<Uint8Array>, options: MaskSurfaceOptions = {}): Mesh {
  return march(mask, 0.5, undefined, true, options, options.ambiguity === undefined ? undefined : LABEL_CASE_TABLES[options.ambiguity]);
}

function checkSameGrid(a: Volume, b: Volume): void {
  const same = (x: readonly number[], y: readonly number[], tol: number): boolean =>
    x.length === y.length && x.every((v, i) => Math.abs(v - y[i]!) <= tol * Math.max(1, Math.abs(v)));
  if (!same(a.dims, b.dims, 0)) {
    throw new GeometryError(`isosurface: mask dims [${b.dims.join(', ')}] differ from the volume's [${a.dims.join(', ')}]; resample the mask onto the volume's grid`);
  }
  if (!same(a.spacingMm, b.spacingMm, 1e-6) || !same(a.originMm, b.originMm, 1e-6) || !same(a.direction, b.direction, 1e-6)) {
    throw new GeometryError('isosurface: mask has the volume\'s dims but a different spacing, origin or direction; it must lie on the same grid');
  }
}

/** Growth of the output arrays: start at `initial`, double on overflow. */
function grownF32(a: Float32Array, need: number): Float32Array {
  const b = new Float32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
function grownU32(a: Uint32Array, need: number): Uint32Array {
  const b = new Uint32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/**
 * The marching loop. Padded grid: W = nx + 2 points per row, H = ny + 2 rows, planes
 * pk = 0..nz + 1; padded point (pi, pj, pk) is voxel (pi − 1, pj − 1, pk − 1), and the
 * border points are outside. Cube layer pk lies between planes pk and pk + 1.
 *
 * Invariants per layer: `flagsLo`/`flagsHi` hold inside (1) / outside (0) for planes pk and
 * pk + 1 (border entries stay 0); `rowMin*`/`rowMax*` bound the inside points of each row
 * (W / −1 when the row has none), so rows and row ends without inside points are skipped;
 * `edges` holds the vertex ids of the crossed x- and y-edges of both planes and of the
 * z-edges between them (entries of uncrossed edges are stale and never read, because the
 * case table only names crossed edges).
 */
function march(volume: Volume, iso: number, mask: Volume<Uint8Array> | undefined, binary: boolean, options: StageOptions, table?: CaseTable): Mesh {
  const caseOffsets = table?.offsets ?? CASE_OFFSETS, caseEdges = table?.edges ?? CASE_EDGES;
  const [nx, ny, nz] = volume.dims;
  const data = volume.data;
  const m = mask?.data;
  const d = volume.direction, sp = volume.spacingMm, org = volume.originMm;
  const det = det3(d);
  if (!(Math.abs(det) > 0)) throw new GeometryError(`isosurface: direction matrix is singular: [${d.join(', ')}]`);
  const flip = det < 0;
  // World = o + M · (i, j, k) with M = direction · diag(spacing).
  const m00 = d[0] * sp[0], m01 = d[1] * sp[1], m02 = d[2] * sp[2];
  const m10 = d[3] * sp[0], m11 = d[4] * sp[1], m12 = d[5] * sp[2];
  const m20 = d[6] * sp[0], m21 = d[7] * sp[1], m22 = d[8] * sp[2];
  const o0 = org[0], o1 = org[1], o2 = org[2];
  const outsideValue = iso - 0.5;

  const W = nx + 2, H = ny + 2, S = W * H, nxy = nx * ny;
  let flagsLo = new Uint8Array(S), flagsHi = new Uint8Array(S);
  let rowMinLo = new Int32Array(H).fill(W), rowMaxLo = new Int32Array(H).fill(-1);
  let rowMinHi = new Int32Array(H), rowMaxHi = new Int32Array(H);
  // Five edge-id planes in one array: x-edges of plane A and B, y-edges of A and B, z-edges.
  const edges = new Int32Array(5 * S);
  const edgeBase = new Int32Array(12);

  // Room for a surface through ~1/16 of the voxels (a head CT's bone: ~1/20) before growing;
  // untouched capacity costs little (fresh pages are mapped on first write).
  let positions: Float32Array = new Float32Array(Math.max(3 * 1024, (3 * nx * ny * nz) >> 4));
  let indices: Uint32Array = new Uint32Array(Math.max(3 * 2048, (6 * nx * ny * nz) >> 4));
  let nv = 0, ni = 0;

  // Value as the surface sees it (mask applied); only called for real, in-grid voxels.
  const value = (idx: number): number => {
    const v = data[idx]!;
    return m !== undefined && m[idx] === 0 && v > outsideValue ? outsideValue : v;
  };
  // Adds a vertex at continuous voxel index (fi, fj, fk); returns its id.
  const addVertex = (fi: number, fj: number, fk: number): number => {
    if (nv * 3 + 3 > positions.length) positions = grownF32(positions, nv * 3 + 3);
    const o = nv * 3;
    positions[o] = o0 + m00 * fi + m01 * fj + m02 * fk;
    positions[o + 1] = o1 + m10 * fi + m11 * fj + m12 * fk;
    positions[o + 2] = o2 + m20 * fi + m21 * fj + m22 * fk;
    return nv++;
  };
  // Fraction along an edge from voxel a (one side) to voxel b where the value meets iso.
  const crossing = (a: number, b: number): number => {
    if (binary) return 0.5;
    const va = value(a), vb = value(b);
    return (iso - va) / (vb - va);
  };

  const layers = nz + 1;
  for (let pk = 0; pk <= nz; pk++) {
    checkAbort('isosurface', options.signal);
    const k = pk; // voxel slice of plane pk + 1
    const sliceBase = k * nxy;

    // 1. Inside flags and row bounds of plane pk + 1 (the top padding plane has none).
    let planeAny = false;
    if (k < nz) {
      for (let j = 0; j < ny; j++) {
        const src = sliceBase + j * nx;
        const dst = (j + 1) * W + 1;
        let lo = W, hi = -1;
        if (binary) {
          for (let i = 0; i < nx; i++) {
            const f = data[src + i] !== 0 ? 1 : 0;
            flagsHi[dst + i] = f;
            if (f) { if (lo === W) lo = i + 1; hi = i + 1; }
          }
        } else if (m !== undefined) {
          for (let i = 0; i < nx; i++) {
            const f = data[src + i]! > iso && m[src + i] !== 0 ? 1 : 0;
            flagsHi[dst + i] = f;
            if (f) { if (lo === W) lo = i + 1; hi = i + 1; }
          }
        } else {
          for (let i = 0; i < nx; i++) {
            const f = data[src + i]! > iso ? 1 : 0;
            flagsHi[dst + i] = f;
            if (f) { if (lo === W) lo = i + 1; hi = i + 1; }
          }
        }
        rowMinHi[j + 1] = lo;
        rowMaxHi[j + 1] = hi;
        if (hi >= 0) planeAny = true;
      }
      rowMinHi[0] = rowMinHi[H - 1] = W;
      rowMaxHi[0] = rowMaxHi[H - 1] = -1;
    } else {
      flagsHi.fill(0);
      rowMinHi.fill(W);
      rowMaxHi.fill(-1);
    }

    // Edge-id slots: plane pk + 1 (hi) writes the slots plane pk (lo) does not use.
    const xLo = (pk & 1) * S, xHi = S - xLo, yLo = 2 * S + xLo, yHi = 2 * S + xHi, zB = 4 * S;

    // 2. Vertices on the x- and y-edges of plane pk + 1.
    if (planeAny) {
      for (let pj = 1; pj <= ny; pj++) {
        const lo = rowMinHi[pj]!, hi = rowMaxHi[pj]!;
        if (hi < 0) continue;
        const row = pj * W;
        const vrow = sliceBase + (pj - 1) * nx - 1; // voxel index of padded point (0, pj)
        for (let pi = lo - 1; pi <= hi; pi++) {
          const p = row + pi;
          if (flagsHi[p] === flagsHi[p + 1]) continue;
          const t = pi === 0 || pi === nx ? 0.5 : crossing(vrow + pi, vrow + pi + 1);
          edges[xHi + p] = addVertex(pi - 1 + t, pj - 1, k);
        }
      }
      for (let pj = 0; pj <= ny; pj++) {
        const lo = Math.min(rowMinHi[pj]!, rowMinHi[pj + 1]!), hi = Math.max(rowMaxHi[pj]!, rowMaxHi[pj + 1]!);
        if (hi < 0) continue;
        const row = pj * W;
        const vrow = sliceBase + (pj - 1) * nx - 1;
        for (let pi = lo; pi <= hi; pi++) {
          const p = row + pi;
          if (flagsHi[p] === flagsHi[p + W]) continue;
          const t = pj === 0 || pj === ny ? 0.5 : crossing(vrow + pi, vrow + pi + nx);
          edges[yHi + p] = addVertex(pi - 1, pj - 1 + t, k);
        }
      }
    }

    // 3. Vertices on the z-edges between planes pk and pk + 1.
    let layerAny = planeAny;
    for (let pj = 1; pj <= ny; pj++) {
      const lo = Math.min(rowMinLo[pj]!, rowMinHi[pj]!), hi = Math.max(rowMaxLo[pj]!, rowMaxHi[pj]!);
      if (hi < 0) continue;
      layerAny = true;
      const row = pj * W;
      const vrow = sliceBase + (pj - 1) * nx - 1; // plane pk + 1; plane pk is vrow − nxy
      for (let pi = lo; pi <= hi; pi++) {
        const p = row + pi;
        if (flagsLo[p] === flagsHi[p]) continue;
        const t = pk === 0 || pk === nz ? 0.5 : crossing(vrow + pi - nxy, vrow + pi);
        edges[zB + p] = addVertex(pi - 1, pj - 1, k - 1 + t);
      }
    }

    // 4. Triangles of the cubes of layer pk.
    if (layerAny) {
      edgeBase[0] = xLo; edgeBase[1] = xLo + W; edgeBase[2] = xHi; edgeBase[3] = xHi + W;
      edgeBase[4] = yLo; edgeBase[5] = yLo + 1; edgeBase[6] = yHi; edgeBase[7] = yHi + 1;
      edgeBase[8] = zB; edgeBase[9] = zB + 1; edgeBase[10] = zB + W; edgeBase[11] = zB + W + 1;
      for (let pj = 0; pj <= ny; pj++) {
        let lo = Math.min(rowMinLo[pj]!, rowMinLo[pj + 1]!, rowMinHi[pj]!, rowMinHi[pj + 1]!);
        const hi = Math.max(rowMaxLo[pj]!, rowMaxLo[pj + 1]!, rowMaxHi[pj]!, rowMaxHi[pj + 1]!);
        if (hi < 0) continue;
        lo -= 1; // cube pi spans points pi and pi + 1
        const row = pj * W;
        let p = row + lo;
        // Corner bits of the cube's x = 0 column: corners 0, 2, 4, 6.
        let col = flagsLo[p]! | (flagsLo[p + W]! << 2) | (flagsHi[p]! << 4) | (flagsHi[p + W]! << 6);
        for (let pi = lo; pi <= hi; pi++, p++) {
          const q = p + 1;
          const next = flagsLo[q]! | (flagsLo[q + W]! << 2) | (flagsHi[q]! << 4) | (flagsHi[q + W]! << 6);
          const c = col | (next << 1);
          col = next;
          if (c === 0 || c === 255) continue;
          const end = caseOffsets[c + 1]!;
          let e = caseOffsets[c]!;
          if (ni + (end - e) > indices.length) indices = grownU32(indices, ni + (end - e));
          for (; e < end; e += 3) {
            const a = edges[edgeBase[caseEdges[e]!]! + p]!;
            const b = edges[edgeBase[caseEdges[e + 1]!]! + p]!;
            const cc = edges[edgeBase[caseEdges[e + 2]!]! + p]!;
            indices[ni] = a;
            if (flip) {
              indices[ni + 1] = cc;
              indices[ni + 2] = b;
            } else {
              indices[ni + 1] = b;
              indices[ni + 2] = cc;
            }
            ni += 3;
          }
        }
      }
    }

    // Plane pk + 1 becomes the lower plane of the next layer.
    const f = flagsLo; flagsLo = flagsHi; flagsHi = f;
    const a = rowMinLo; rowMinLo = rowMinHi; rowMinHi = a;
    const b = rowMaxLo; rowMaxLo = rowMaxHi; rowMaxHi = b;
    options.onProgress?.((pk + 1) / layers);
  }

  return { positions: positions.slice(0, nv * 3), indices: indices.slice(0, ni) };
}
