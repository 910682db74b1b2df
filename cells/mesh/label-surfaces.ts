/**
 * One closed surface per label of a label map, with shared boundaries between touching labels
 * (the multi-part input of a multi-material print).
 */
import { ParameterError } from '../core/errors.ts';
import type { LabelMap } from '../core/labelmap.ts';
import type { Mesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { det3, IDENTITY3, makeVolume, voxelVolumeMm3, type Vec3 } from '../core/volume.ts';
import { parseHexColor, type MeshPart } from '../io/mesh-export.ts';
import { isosurfaceOfMask } from './isosurface.ts';
import { LABEL_PALETTE } from '../viz/colormaps.ts';

/** Okabe & Ito's colour-blind-safe palette without black; one definition, in cells/viz/colormaps.ts. */
export { LABEL_PALETTE };

/** Options of `labelSurfaces`. */
export interface LabelSurfacesOptions extends StageOptions {
  /**
   * Label values to mesh (integers 1..255), in output order. Default: the label map's table
   * (`labelMap.labels`), or every non-zero value present when the table is empty.
   */
  readonly labels?: readonly number[];
  /** Part names by label value; default the table's name, else "label <value>". */
  readonly names?: Readonly<Record<number, string>>;
  /** Part colours "#RRGGBB" by label value; default the table's colour, else `LABEL_PALETTE`. */
  readonly colors?: Readonly<Record<number, string>>;
}

/** One label's surface: a `MeshPart` plus where it came from. */
export interface LabelPart extends MeshPart {
  readonly color: string;
  /** The label value in the label map. */
  readonly label: number;
  readonly voxels: number;
  /** voxels × voxel volume, mm³ (the mesh encloses this within a fraction of a voxel layer). */
  readonly voxelVolumeMm3: number;
}

/** What `labelSurfaces` returns. */
export interface LabelSurfaces {
  /** One per requested label that has voxels, in the requested order. */
  readonly parts: readonly LabelPart[];
  /** Requested labels without a voxel: no mesh (an empty part could not be written). */
  readonly omitted: readonly { readonly label: number; readonly name: string; readonly reason: string }[];
}

/**
 * Meshes every label of a label map as its own closed, edge-manifold, outward-wound surface
 * (world mm, LPS), such that where label A touches label B the two meshes draw the same
 * surface: the same vertex positions (bit for bit) and the same triangles, wound oppositely.
 *
 * Method: marching cubes on each label's indicator at 0.5 (`isosurfaceOfMask`, border padded
 * so every surface closes), as VTK's discrete marching cubes does (vtkDiscreteFlyingEdges3D).
 * Every vertex is an edge midpoint, so a grid edge from an A voxel to a B voxel gives both
 * meshes the same vertex. Inside a cube whose corners are all A or B, A's case is the
 * complement of B's; the lowest requested label uses the case table that separates inside
 * corners on ambiguous faces, every other label the table that joins them, which is exactly
 * the separating table's complement case reversed (`LABEL_CASE_TABLES`, case-table.ts), so
 * both draw the same triangles there. (These tables break fan ties canonically, so a label's
 * surface can differ from `isosurfaceOfMask`'s default in a few tied fans: same vertices,
 * other diagonals.)
 * Each label is marched inside its bounding box in voxel-index units and mapped to world
 * coordinates by one formula, so shared vertices are identical floats.
 *
 * What does not hold: where three or more regions meet in one cube (A, B and background, or
 * A, B and C), each label's surface cuts its own corners off and a sliver between them belongs
 * to no mesh. Along a line where A, B and the background meet this is a groove in the outer
 * surface of 1/4 voxel cross-section (each label bevels its edge by 1/8; the tests measure
 * it): a notch, not a leak between A and B; where three labels meet inside, a thin void. With three or more labels, a face whose diagonals are two labels other than the
 * lowest (a 2×2 checkerboard of B and C) is cut alike only when it is not ambiguous.
 *
 * Shapes: `labelMap.data` Uint8 [nx, ny, nz], 0 = background. Cost: one pass over the grid,
 * then per label one pass over its bounding box.
 * @throws ParameterError if the data is not a Uint8Array, a label is not an integer in 1..255
 *   or is repeated, or a colour is not "#RRGGBB[AA]".
 * @throws GeometryError for a bad grid (dims, spacing, direction; see `makeVolume`).
 * @throws AbortError when `signal` fires.
 *
 * Sources: W. E. Lorensen & H. E. Cline, SIGGRAPH 1987, doi:10.1145/37402.37422; discrete
 * marching cubes: VTK's vtkDiscreteMarchingCubes (after Lorensen), W. Schroeder et al., "The
 * Visualization Toolkit", 4th ed., Kitware 2006.
 */
export function labelSurfaces(labelMap: LabelMap, options: LabelSurfacesOptions = {}): LabelSurfaces {
  if (!(labelMap.data instanceof Uint8Array)) {
    throw new ParameterError(`labelSurfaces: label map data must be a Uint8Array (0 = background, 1..255 labels), got ${(labelMap.data as unknown as object)?.constructor?.name ?? typeof labelMap.data}; build it with threshold() or new Uint8Array(...)`);
  }
  makeVolume(labelMap);
  const [nx, ny, nz] = labelMap.dims;
  const data = labelMap.data;
  const table = labelMap.labels ?? [];

  // Voxel counts and bounding boxes of every value, one pass.
  const count = new Float64Array(256);
  const lo = new Int32Array(256 * 3).fill(2 ** 30), hi = new Int32Array(256 * 3).fill(-1);
  for (let k = 0, idx = 0; k < nz; k++) {
    checkAbort('labelSurfaces', options.signal);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, idx++) {
        const v = data[idx]!;
        if (v === 0) continue;
        count[v]!++;
        const b = 3 * v;
        if (i < lo[b]!) lo[b] = i;
        if (i > hi[b]!) hi[b] = i;
        if (j < lo[b + 1]!) lo[b + 1] = j;
        if (j > hi[b + 1]!) hi[b + 1] = j;
        if (k < lo[b + 2]!) lo[b + 2] = k;
        hi[b + 2] = k;
      }
    }
  }

  const wanted = options.labels ?? (table.length > 0 ? table.map((l) => l.value) : [...count.keys()].filter((v) => v > 0 && count[v]! > 0));
  const seen = new Set<number>();
  for (const v of wanted) {
    if (!Number.isInteger(v) || v < 1 || v > 255) throw new ParameterError(`labelSurfaces: label ${v} is not an integer in 1..255 (0 is background)`);
    if (seen.has(v)) throw new ParameterError(`labelSurfaces: label ${v} is listed twice`);
    seen.add(v);
  }
  const nameOf = (v: number): string => options.names?.[v] ?? table.find((l) => l.value === v)?.name ?? `label ${v}`;
  const colorOf = (v: number, n: number): string => {
    const given = options.colors?.[v];
    if (given !== undefined) {
      parseHexColor(given, 'labelSurfaces');
      return given.toUpperCase();
    }
    const rgb = table.find((l) => l.value === v)?.color;
    if (rgb) return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`.toUpperCase();
    return LABEL_PALETTE[n % LABEL_PALETTE.length]!;
  };
  const colors = wanted.map((v, n) => colorOf(v, n));

  const present = wanted.filter((v) => count[v]! > 0);
  const lowest = Math.min(...present);
  const work = present.reduce((s, v) => s + (hi[3 * v + 2]! - lo[3 * v + 2]! + 2), 0);
  let done = 0;

  // World = origin + M · index, M = direction · diag(spacing); the same formula for all labels.
  const d = labelMap.direction, sp = labelMap.spacingMm, o = labelMap.originMm;
  const M = [d[0] * sp[0], d[1] * sp[1], d[2] * sp[2], d[3] * sp[0], d[4] * sp[1], d[5] * sp[2], d[6] * sp[0], d[7] * sp[1], d[8] * sp[2]];
  const flip = det3(d) < 0;
  const voxelMm3 = voxelVolumeMm3(labelMap);

  const parts: LabelPart[] = [];
  const omitted: { label: number; name: string; reason: string }[] = [];
  wanted.forEach((v, n) => {
    if (count[v] === 0) {
      omitted.push({ label: v, name: nameOf(v), reason: `no voxel has label ${v}` });
      return;
    }
    const b = 3 * v;
    const l: Vec3 = [lo[b]!, lo[b + 1]!, lo[b + 2]!];
    const dims: Vec3 = [hi[b]! - l[0] + 1, hi[b + 1]! - l[1] + 1, hi[b + 2]! - l[2] + 1];
    const ind = new Uint8Array(dims[0] * dims[1] * dims[2]);
    for (let k = 0, q = 0; k < dims[2]; k++) {
      for (let j = 0; j < dims[1]; j++) {
        const row = l[0] + nx * (l[1] + j + ny * (l[2] + k));
        for (let i = 0; i < dims[0]; i++, q++) ind[q] = data[row + i] === v ? 1 : 0;
      }
    }
    const box = makeVolume({ data: ind, dims, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
    const layers = dims[2] + 1;
    const index = isosurfaceOfMask(box, {
      ambiguity: v === lowest ? 'separate' : 'join',
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: (f: number) => options.onProgress!(Math.min(1, (done + f * layers) / work) * 0.999) } : {}),
    });
    done += layers;
    parts.push({ name: nameOf(v), color: colors[n]!, label: v, voxels: count[v]!, voxelVolumeMm3: count[v]! * voxelMm3, mesh: toWorld(index, l, M, o, flip) });
  });
  options.onProgress?.(1);
  return { parts, omitted };
}

/** Maps a mesh in box-index units (exact half-integers) to world mm; flips winding if asked. */
function toWorld(mesh: Mesh, l: Vec3, M: readonly number[], o: Vec3, flip: boolean): Mesh {
  const P = mesh.positions, out = new Float32Array(P.length);
  for (let p = 0; p < P.length; p += 3) {
    const i = P[p]! + l[0], j = P[p + 1]! + l[1], k = P[p + 2]! + l[2];
    out[p] = o[0] + M[0]! * i + M[1]! * j + M[2]! * k;
    out[p + 1] = o[1] + M[3]! * i + M[4]! * j + M[5]! * k;
    out[p + 2] = o[2] + M[6]! * i + M[7]! * j + M[8]! * k;
  }
  let indices = mesh.indices;
  if (flip) {
    indices = indices.slice();
    for (let t = 0; t < indices.length; t += 3) {
      const x = indices[t + 1]!;
      indices[t + 1] = indices[t + 2]!;
      indices[t + 2] = x;
    }
  }
  return { positions: out, indices };
}
