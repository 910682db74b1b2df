import { GeometryError, ParameterError } from '../core/errors.ts';
import type { Mesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { parallelAvailable, runShared, type ChunkBody } from '../core/parallel.ts';
import { scratchPool, withScratch, type Scratch } from '../core/scratch.ts';
import { det3, type Mat3, type Vec3, type Volume, type VoxelArray } from '../core/volume.ts';
import { CASE_EDGES, CASE_OFFSETS, LABEL_CASE_TABLES } from './case-table.ts';

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
 * Cost: one pass over the voxels (four mask bytes at a time where a mask gates the test),
 * then work only where the surface is: inside flags are bit rows, and crossed edges and
 * non-empty cubes are found 32 at a time (see `march`); O(nx·ny) scratch per slice. With
 * helper threads (cells/core/parallel.ts) and at least SLABS_MIN_VOXELS voxels, two z-slabs
 * are marched at once (`marchInSlabs`); the output is the same bytes either way.
 *
 * @throws ParameterError if isoValue is not finite.
 * @throws GeometryError if the mask's grid differs from the volume's, or direction is singular.
 * @throws AbortError when `signal` fires (checked once per slice).
 * @throws ParallelJobError if a helper thread failed during a two-slab march.
 *
 * Source: W. E. Lorensen & H. E. Cline, "Marching cubes: a high resolution 3D surface
 * construction algorithm", SIGGRAPH 1987, doi:10.1145/37402.37422; ambiguity rule of
 * Montani, Scateni & Scopigno, The Visual Computer 10:353 (1994); skipping empty space as in
 * flying edges (Schroeder, Maynard & Geveci, LDAV 2015, doi:10.1109/LDAV.2015.7348069).
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
  return march(mask, 0.5, undefined, true, options, options.ambiguity ?? 'default');
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
 * Inside flags of one padded plane as bits: point (pi, pj) is bit pi & 31 of word
 * pj · words + (pi >> 5). Each row has one spare zero word at its end, so reading the word
 * after a row's last one is always valid. `rowMin`/`rowMax` bound each row's inside points
 * (W / −1 when the row has none).
 */
interface BitPlane {
  bits: Uint32Array;
  rowMin: Int32Array;
  rowMax: Int32Array;
}

function bitPlane(scratch: Scratch, words: number, H: number, W: number): BitPlane {
  return { bits: scratch.take(Uint32Array, words * H), rowMin: scratch.take(Int32Array, H, W), rowMax: scratch.take(Int32Array, H, -1) };
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Which case table a march uses: the default one, or a label-surface table (`LABEL_CASE_TABLES`). */
type TableName = 'default' | 'separate' | 'join';

/** What a march reads: the samples (and mask) and the grid; structured-clonable, so a helper thread can rebuild it. */
export interface MarchSource {
  readonly data: VoxelArray;
  readonly mask: Uint8Array | undefined;
  readonly dims: Vec3;
  readonly spacingMm: Vec3;
  readonly originMm: Vec3;
  readonly direction: Mat3;
  readonly iso: number;
  readonly binary: boolean;
  readonly table: TableName;
}

/** Where a march's vertices and triangles go; `grow*` returns a larger array holding the same values (or throws `SLAB_FULL`). */
interface MarchSink {
  positions: Float32Array;
  indices: Uint32Array;
  growPositions(need: number): Float32Array;
  growIndices(need: number): Uint32Array;
}

/** What `marchLayers` returns besides the sink's arrays. */
interface SlabCount {
  /** Vertices and index entries written. */
  readonly nv: number;
  readonly ni: number;
  /** The first `ghost` vertices are the x- and y-edges of the slab's first plane, the slab before's (0 for the first slab). */
  readonly ghost: number;
  /** Id of the first x-edge vertex of the slab's last plane (the next slab's ghosts, in the same order). */
  readonly lastPlaneStart: number;
}

/**
 * Marches of at least this many voxels are cut into two slabs when helper threads are there
 * (the head CT, 7.1M voxels: ~40 ms on one thread); smaller ones do not pay for the copy.
 */
export const SLABS_MIN_VOXELS = 2_000_000;
/** Registered name of the slab job (cells/jobs.ts). */
export const MARCH_SLAB_JOB = 'isosurface-slab';

/**
 * A thread's march temporaries (bit planes, edge ids, and the output before it is cut to size:
 * ~28 MB for a head CT's bone) are kept between calls (cells/core/scratch.ts); only the result
 * is fresh memory. A helper thread takes its slab's bit planes and edge ids from its own.
 */
const SCRATCH = scratchPool('isosurface');
/** A two-slab march's shared arrays: the helper's slab of the volume (and mask), its output, the counts. */
const SLABS_SCRATCH = scratchPool('isosurface-slabs', true);

function march(volume: Volume, iso: number, mask: Volume<Uint8Array> | undefined, binary: boolean, options: StageOptions, table: TableName = 'default'): Mesh {
  const d = volume.direction;
  if (!(Math.abs(det3(d)) > 0)) throw new GeometryError(`isosurface: direction matrix is singular: [${d.join(', ')}]`);
  const [nx, ny, nz] = volume.dims;
  const source: MarchSource = {
    data: volume.data, mask: mask?.data, dims: volume.dims, spacingMm: volume.spacingMm, originMm: volume.originMm,
    direction: d, iso, binary, table,
  };
  if (nx * ny * nz >= SLABS_MIN_VOXELS && parallelAvailable()) return marchInSlabs(source, options);
  return withScratch(SCRATCH, (scratch) => {
    // Room for a surface through ~1/16 of the voxels (a head CT's bone: ~1/20) before growing.
    const sink = scratchSink(scratch, (nx * ny * nz) >> 4);
    const n = marchLayers(scratch, source, 0, nz + 1, sink, options);
    return { positions: sink.positions.slice(0, 3 * n.nv), indices: sink.indices.slice(0, n.ni) };
  });
}

/**
 * Output arrays from `scratch` with room for `room` vertices and 2 · `room` triangles, written
 * before read (so not cleared); on overflow they grow into fresh memory, doubling.
 */
function scratchSink(scratch: Scratch, room: number): MarchSink {
  const sink: MarchSink = {
    positions: scratch.take(Float32Array, Math.max(3 * 1024, 3 * room), null),
    indices: scratch.take(Uint32Array, Math.max(3 * 2048, 6 * room), null),
    growPositions: (need) => (sink.positions = grownF32(sink.positions, need)),
    growIndices: (need) => (sink.indices = grownU32(sink.indices, need)),
  };
  return sink;
}

/**
 * What the slab job shares with a helper thread. Slab 0 (layers 0..split − 1) is always the
 * caller's (`callerFirst`) and reads the caller's own volume; slab 1 (layers split..nz) reads
 * `source`, whose data and mask hold the voxel slices split − 1 .. nz − 1 in shared memory (the
 * rest of those arrays is unused). `counts`: per slab [status, nv, ni, ghost, lastPlaneStart],
 * then the stop flag, then how many of slab 1's layers are marched (for the caller's progress).
 */
export interface MarchSlabJob {
  readonly source: MarchSource;
  readonly split: number;
  /** Slab 1's output, fixed room (a slab that does not fit is marked SLAB_FULL_STATUS). */
  readonly positions: Float32Array;
  readonly indices: Uint32Array;
  readonly counts: Int32Array;
}
const COUNTS = 5;
/** Index of the stop flag in `counts`: set when the caller gives up, so a helper's slab ends at its next layer. */
const STOP = 2 * COUNTS;
/** Index in `counts` of slab 1's layers marched so far, written by whichever thread marches it. */
const SLAB1_DONE = STOP + 1;
const SLAB_DONE = 1, SLAB_FULL_STATUS = 2;
/** Thrown inside a slab (never out of its body): the fixed output is full, or the caller gave up. */
const SLAB_FULL = new Error('isosurface slab output full');
const SLAB_STOPPED = new Error('isosurface slab stopped');

let slabsByHelpers = 0;
/** How many slabs helper threads have run since this module loaded, in this thread's marches (for tests and benches). */
export function marchSlabsByHelpers(): number {
  return slabsByHelpers;
}

/**
 * The march in two slabs of layers, this thread's and (when it is free) a helper's. Slab 1
 * first recomputes plane `split` (its inside bits and x/y-edge vertices, which slab 0 created
 * last, in the same order: its "ghosts"), then marches on. Its vertex ids are mapped to the
 * serial march's: a ghost to slab 0's vertex lastPlaneStart + ghost id, its own vertices after
 * slab 0's. Vertices and triangles come out in the serial order, so the output is the same
 * bytes as a one-thread march (tested). Costs over the serial march: the copy of slab 1's
 * slices to shared memory (none when the volume is shared already) and the id mapping of slab
 * 1's triangles. Should this thread fail (abort), the shared arrays are dropped from their pool,
 * since a helper may still be writing them.
 */
function marchInSlabs(source: MarchSource, options: StageOptions): Mesh {
  const [nx, ny, nz] = source.dims;
  const layers = nz + 1, nxy = nx * ny;
  const sharedBytes = (a: VoxelArray | undefined): number => (a === undefined || a.buffer instanceof SharedArrayBuffer ? 0 : a.BYTES_PER_ELEMENT);
  const { split, crossingsAbove } = balancedSplit(source, sharedBytes(source.data) + sharedBytes(source.mask));
  return withScratch(SLABS_SCRATCH, (shared) => withScratch(SCRATCH, (local) => {
    const from = (split - 1) * nxy; // slab 1 reads voxel slices split − 1 onwards
    // Room for a surface through 1/8 of slab 1's voxels (twice the serial march's start), or
    // twice its estimated vertices (~2.6 per crossed x-edge) if more; triangles 8/3 per vertex.
    const room = Math.max(Math.floor(((layers - split) * nxy) / 8), 6 * crossingsAbove);
    const job: MarchSlabJob = {
      source: { ...source, data: shared.shareable(source.data, from), mask: source.mask && shared.shareable(source.mask, from) },
      split,
      positions: shared.take(Float32Array, Math.max(3 * 1024, 3 * room), null),
      indices: shared.take(Uint32Array, Math.max(3 * 2048, 8 * room), null),
      counts: shared.take(Int32Array, SLAB1_DONE + 1),
    };
    // Slab 0's progress counts the helper's layers too, so a two-thread march reports the
    // whole surface's progress, not only the caller's part (then 1 once both are in).
    const progress0: StageOptions = options.onProgress === undefined ? options : {
      ...options,
      onProgress: (f) => options.onProgress!(f + Atomics.load(job.counts, SLAB1_DONE) / layers),
    };
    const sink0 = scratchSink(local, Math.floor((split * nxy) / 8));
    let callerRanSlab1 = false;
    const body: ChunkBody = (_step, s) => {
      if (s === 0) writeCounts(job.counts, 0, marchLayers(local, source, 0, split, sink0, progress0));
      else {
        callerRanSlab1 = true;
        marchSharedSlab(local, job, options);
      }
    };
    try {
      runShared({ share: true, name: MARCH_SLAB_JOB, payload: job, steps: 1, chunks: 2, callerFirst: true }, body);
    } catch (e) {
      Atomics.store(job.counts, STOP, 1);
      SLABS_SCRATCH.buffers = [];
      throw e;
    }
    if (!callerRanSlab1) slabsByHelpers++;
    const c = (s: number, k: number): number => job.counts[s * COUNTS + k]!;
    let p1 = job.positions, i1 = job.indices;
    const full = c(1, 0) === SLAB_FULL_STATUS;
    if (full) {
      // Rare (the room above was too small): march slab 1 again here, growing; abort checks only.
      const sink1 = scratchSink(local, room);
      writeCounts(job.counts, 1, marchLayers(local, job.source, split, layers, sink1, options.signal ? { signal: options.signal } : {}));
      p1 = sink1.positions;
      i1 = sink1.indices;
    }
    const nv0 = c(0, 1), ni0 = c(0, 2), nv1 = c(1, 1), ni1 = c(1, 2), ghost = c(1, 3);
    const positions = new Float32Array(3 * (nv0 + nv1 - ghost)), indices = new Uint32Array(ni0 + ni1);
    positions.set(sink0.positions.subarray(0, 3 * nv0));
    positions.set(p1.subarray(3 * ghost, 3 * nv1), 3 * nv0);
    indices.set(sink0.indices.subarray(0, ni0));
    // Slab 1's id l: a ghost (l < ghost) is slab 0's vertex lastPlaneStart + l, else nv0 + l − ghost.
    const ghostBase = c(0, 4), ownBase = nv0 - ghost;
    for (let i = 0; i < ni1; i++) {
      const l = i1[i]!;
      indices[ni0 + i] = l < ghost ? ghostBase + l : ownBase + l;
    }
    if (!callerRanSlab1 || full) options.onProgress?.(1);
    return { positions, indices };
  }));
}

/**
 * Costs of a two-slab march, ns, for `balancedSplit`: a layer's march costs about SCAN_NS per
 * voxel plus CROSS_NS per crossed x-edge (each brings ~2.6 vertices and ~5 triangles), copying
 * a slice to shared memory COPY_NS per byte (fitted to the head CT's slabs on a 2-core VM; the
 * split only moves where the threads meet, never the output).
 */
const SCAN_NS = 1, CROSS_NS = 200, COPY_NS = 0.25;
/** Rows sampled for crossed x-edges: every SAMPLE_ROWS-th of each slice. */
const SAMPLE_ROWS = 64;

/**
 * The first layer of slab 1 (1..nz), balancing this thread's share (copying slab 1's slices at
 * `copyBytes` per voxel, then marching slab 0) against the helper's (marching slab 1), and slab
 * 1's estimated crossed x-edges. Surface work per slice is estimated from the crossed x-edges of
 * every SAMPLE_ROWS-th row (1/64 of the voxels: ~0.2 ms on the head CT, whose split is the one
 * every row gives), so a surface crowded in one half (a skull's base) still splits evenly.
 */
function balancedSplit(src: MarchSource, copyBytes: number): { split: number; crossingsAbove: number } {
  const { data, iso, binary } = src;
  const m = src.mask;
  const [nx, ny, nz] = src.dims;
  const layers = nz + 1, nxy = nx * ny;
  // Work of layer pk (which scans slice pk); the top padding layer has no slice to scan.
  const work = new Float64Array(layers), crossed = new Float64Array(layers);
  const firstRow = Math.min(SAMPLE_ROWS, ny) >> 1, rows = Math.ceil((ny - firstRow) / SAMPLE_ROWS);
  for (let k = 0; k < nz; k++) {
    let crossings = 0;
    for (let j = firstRow; j < ny; j += SAMPLE_ROWS) {
      let was = 0;
      const from = k * nxy + j * nx, end = from + nx;
      if (binary) {
        for (let idx = from; idx < end; idx++) {
          const is = data[idx] !== 0 ? 1 : 0;
          crossings += is ^ was;
          was = is;
        }
      } else if (m === undefined) {
        for (let idx = from; idx < end; idx++) {
          const is = data[idx]! > iso ? 1 : 0;
          crossings += is ^ was;
          was = is;
        }
      } else {
        for (let idx = from; idx < end; idx++) {
          const is = data[idx]! > iso && m[idx] !== 0 ? 1 : 0;
          crossings += is ^ was;
          was = is;
        }
      }
      crossings += was;
    }
    crossed[k] = (crossings * ny) / rows;
    work[k] = SCAN_NS * nxy + CROSS_NS * crossed[k]!;
  }
  let below = 0, above = 0;
  for (let pk = 0; pk < layers; pk++) above += work[pk]!;
  let best = 1, bestCost = Infinity;
  for (let s = 1; s < layers; s++) {
    below += work[s - 1]!;
    above -= work[s - 1]!;
    // Slab 1 reads slices s − 1 .. nz − 1.
    const cost = Math.max(COPY_NS * copyBytes * (layers - s) * nxy + below, above);
    if (cost < bestCost) {
      bestCost = cost;
      best = s;
    }
  }
  let crossingsAbove = 0;
  for (let pk = best; pk < layers; pk++) crossingsAbove += crossed[pk]!;
  return { split: best, crossingsAbove };
}

/** Counts of slab `s` into the job's counts, status SLAB_DONE. */
function writeCounts(counts: Int32Array, s: number, n: SlabCount): void {
  const b = s * COUNTS;
  counts[b + 1] = n.nv;
  counts[b + 2] = n.ni;
  counts[b + 3] = n.ghost;
  counts[b + 4] = n.lastPlaneStart;
  counts[b] = SLAB_DONE;
}

/**
 * Slab 1 of `job` into its fixed shared output, on any thread (`options`: the caller's abort
 * checks and progress, or none in a helper). Status SLAB_FULL_STATUS when the output is too
 * small; nothing written when the caller gave up.
 */
function marchSharedSlab(scratch: Scratch, job: MarchSlabJob, options: StageOptions): void {
  const full = (): never => {
    throw SLAB_FULL;
  };
  const sink: MarchSink = { positions: job.positions, indices: job.indices, growPositions: full, growIndices: full };
  try {
    writeCounts(job.counts, 1, marchLayers(scratch, job.source, job.split, job.source.dims[2] + 1, sink, options, job.counts));
  } catch (e) {
    if (e === SLAB_FULL) job.counts[COUNTS] = SLAB_FULL_STATUS;
    else if (e !== SLAB_STOPPED) throw e;
  }
}

/**
 * The slab job's body in a helper thread (cells/jobs.ts): chunk 1 marches slab 1 with the
 * helper's own temporaries. Chunk 0 is always the caller's (`callerFirst`).
 */
export function marchSlabBody(job: MarchSlabJob): ChunkBody {
  return (_step, s) => {
    if (s !== 1) throw new Error(`isosurface: slab ${s} is the caller's`);
    withScratch(SCRATCH, (scratch) => marchSharedSlab(scratch, job, {}));
  };
}

/**
 * The marching loop. Padded grid: W = nx + 2 points per row, H = ny + 2 rows, planes
 * pk = 0..nz + 1; padded point (pi, pj, pk) is voxel (pi − 1, pj − 1, pk − 1), and the
 * border points are outside. Cube layer pk lies between planes pk and pk + 1.
 *
 * Skipping empty space (the idea of flying edges: Schroeder, Maynard & Geveci, "Flying
 * edges: a high-performance scalable isocontouring algorithm", LDAV 2015,
 * doi:10.1109/LDAV.2015.7348069): inside flags are kept as bit rows, so the crossed x-, y-
 * and z-edges of 32 points are found by one XOR of neighbouring rows, and the non-empty
 * cubes of 32 cube positions by one OR / AND of the cube row's four point rows; only set
 * bits are visited. Rows without inside points are skipped whole; where a mask (or the
 * binary volume) gates the inside test, four voxels of it are tested at once.
 * The visiting order (planes, rows, then x) is that of a plain cube-by-cube march, so the
 * output does not depend on the skipping.
 *
 * Per layer, `edges` holds the vertex ids of the crossed x- and y-edges of both planes and
 * of the z-edges between them (entries of uncrossed edges are stale and never read, because
 * the case table only names crossed edges).
 *
 * This marches layers first..end − 1 of `src` into `sink` (the whole march: 0..nz + 1), with
 * its temporaries from `scratch`; `stop[STOP]` (a helper's slab) ends it early by SLAB_STOPPED,
 * and `stop[SLAB1_DONE]` counts its layers marched.
 */
function marchLayers(scratch: Scratch, src: MarchSource, first: number, end: number, sink: MarchSink, options: StageOptions, stop?: Int32Array): SlabCount {
  const { data, iso, binary } = src;
  const table = src.table === 'default' ? undefined : LABEL_CASE_TABLES[src.table];
  const caseOffsets = table?.offsets ?? CASE_OFFSETS, caseEdges = table?.edges ?? CASE_EDGES;
  const [nx, ny, nz] = src.dims;
  const m = src.mask;
  const d = src.direction, sp = src.spacingMm, org = src.originMm;
  const flip = det3(d) < 0;
  // World = o + M · (i, j, k) with M = direction · diag(spacing).
  const m00 = d[0] * sp[0], m01 = d[1] * sp[1], m02 = d[2] * sp[2];
  const m10 = d[3] * sp[0], m11 = d[4] * sp[1], m12 = d[5] * sp[2];
  const m20 = d[6] * sp[0], m21 = d[7] * sp[1], m22 = d[8] * sp[2];
  const o0 = org[0], o1 = org[1], o2 = org[2];
  const outsideValue = iso - 0.5;

  const W = nx + 2, H = ny + 2, S = W * H, nxy = nx * ny;
  const WB = (W >> 5) + 2; // words per bit row: all W points, then at least one zero word
  let lo = bitPlane(scratch, WB, H, W), hi = bitPlane(scratch, WB, H, W);
  // Five edge-id planes in one array: x-edges of plane A and B, y-edges of A and B, z-edges.
  const edges = scratch.take(Int32Array, 5 * S);
  const edgeBase = new Int32Array(12);

  // Where the inside test needs a non-zero byte (the mask, or a binary volume), four bytes
  // of it are read at once when rows start on 4-byte boundaries.
  const gate: Uint8Array | undefined = m ?? (binary && data instanceof Uint8Array ? data : undefined);
  const gate32 = gate !== undefined && (gate.byteOffset & 3) === 0 && (nx & 3) === 0
    ? new Uint32Array(gate.buffer, gate.byteOffset, gate.length >> 2) : undefined;

  let positions = sink.positions, indices = sink.indices;
  let nv = 0, ni = 0;

  // Value as the surface sees it (mask applied); only called for real, in-grid voxels.
  const value = (idx: number): number => {
    const v = data[idx]!;
    return m !== undefined && m[idx] === 0 && v > outsideValue ? outsideValue : v;
  };
  // Adds a vertex at continuous voxel index (fi, fj, fk); returns its id.
  const addVertex = (fi: number, fj: number, fk: number): number => {
    if (nv * 3 + 3 > positions.length) positions = sink.growPositions(nv * 3 + 3);
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
  // Is voxel `idx` inside?
  const inside = (idx: number): boolean => (binary ? data[idx] !== 0 : data[idx]! > iso && (m === undefined || m[idx] !== 0));

  const layers = nz + 1;
  // A slab after the first starts one plane early: steps 1–2 of layer first − 1 make its first
  // plane's inside bits and x/y-edge vertices (its ghosts, the slab before's), then it marches on.
  let ghost = 0, lastPlaneStart = 0;
  for (let pk = first > 0 ? first - 1 : 0; pk < end; pk++) {
    checkAbort('isosurface', options.signal);
    if (stop !== undefined && Atomics.load(stop, STOP) !== 0) throw SLAB_STOPPED;
    const k = pk; // voxel slice of plane pk + 1
    const sliceBase = k * nxy;
    const hb = hi.bits, hMin = hi.rowMin, hMax = hi.rowMax;

    // 1. Inside bits and row bounds of plane pk + 1 (the top padding plane has none); the
    //    plane's buffer held plane pk − 1, whose rows are cleared first.
    let planeAny = false;
    for (let pj = 1; pj <= ny; pj++) {
      const rb = pj * WB;
      if (hMax[pj]! >= 0) {
        for (let w = hMin[pj]! >> 5, e = hMax[pj]! >> 5; w <= e; w++) hb[rb + w] = 0;
      }
      let rlo = W, rhi = -1;
      if (k < nz) {
        const src = sliceBase + (pj - 1) * nx;
        if (gate32 !== undefined) {
          for (let w = src >> 2, wEnd = (src + nx) >> 2; w < wEnd; w++) {
            if (gate32[w] === 0) continue;
            for (let idx = w << 2, end = idx + 4; idx < end; idx++) {
              if (!inside(idx)) continue;
              const pi = idx - src + 1;
              hb[rb + (pi >> 5)]! |= 1 << (pi & 31);
              if (rlo === W) rlo = pi;
              rhi = pi;
            }
          }
        } else {
          for (let i = 0; i < nx; i++) {
            if (!inside(src + i)) continue;
            const pi = i + 1;
            hb[rb + (pi >> 5)]! |= 1 << (pi & 31);
            if (rlo === W) rlo = pi;
            rhi = pi;
          }
        }
      }
      hMin[pj] = rlo;
      hMax[pj] = rhi;
      if (rhi >= 0) planeAny = true;
    }

    // Edge-id slots: plane pk + 1 (hi) writes the slots plane pk (lo) does not use.
    const xLo = (pk & 1) * S, xHi = S - xLo, yLo = 2 * S + xLo, yHi = 2 * S + xHi, zB = 4 * S;
    const lb = lo.bits, lMin = lo.rowMin, lMax = lo.rowMax;

    lastPlaneStart = nv;
    // 2. Vertices on the x- and y-edges of plane pk + 1: bit pi of f ^ (f >> 1) marks the
    //    crossed x-edge from point pi to pi + 1; f(row pj) ^ f(row pj + 1) the crossed y-edges.
    if (planeAny) {
      for (let pj = 1; pj <= ny; pj++) {
        const rhi = hMax[pj]!;
        if (rhi < 0) continue;
        const rb = pj * WB, row = pj * W;
        const vrow = sliceBase + (pj - 1) * nx - 1; // voxel index of padded point (0, pj)
        for (let w = (hMin[pj]! - 1) >> 5, e = rhi >> 5; w <= e; w++) {
          const f = hb[rb + w]!;
          let x = f ^ ((f >>> 1) | (hb[rb + w + 1]! << 31));
          while (x !== 0) {
            const pi = (w << 5) + lowBit(x);
            x &= x - 1;
            const t = pi === 0 || pi === nx ? 0.5 : crossing(vrow + pi, vrow + pi + 1);
            edges[xHi + row + pi] = addVertex(pi - 1 + t, pj - 1, k);
          }
        }
      }
      for (let pj = 0; pj <= ny; pj++) {
        const rhi = Math.max(hMax[pj]!, hMax[pj + 1]!);
        if (rhi < 0) continue;
        const rb = pj * WB, row = pj * W;
        const vrow = sliceBase + (pj - 1) * nx - 1;
        for (let w = Math.min(hMin[pj]!, hMin[pj + 1]!) >> 5, e = rhi >> 5; w <= e; w++) {
          let x = hb[rb + w]! ^ hb[rb + WB + w]!;
          while (x !== 0) {
            const pi = (w << 5) + lowBit(x);
            x &= x - 1;
            const t = pj === 0 || pj === ny ? 0.5 : crossing(vrow + pi, vrow + pi + nx);
            edges[yHi + row + pi] = addVertex(pi - 1, pj - 1 + t, k);
          }
        }
      }
    }

    if (pk < first) {
      ghost = nv;
      const t = lo; lo = hi; hi = t;
      continue;
    }

    // 3. Vertices on the z-edges between planes pk and pk + 1.
    let layerAny = planeAny;
    for (let pj = 1; pj <= ny; pj++) {
      const rhi = Math.max(lMax[pj]!, hMax[pj]!);
      if (rhi < 0) continue;
      layerAny = true;
      const rb = pj * WB, row = pj * W;
      const vrow = sliceBase + (pj - 1) * nx - 1; // plane pk + 1; plane pk is vrow − nxy
      for (let w = Math.min(lMin[pj]!, hMin[pj]!) >> 5, e = rhi >> 5; w <= e; w++) {
        let x = lb[rb + w]! ^ hb[rb + w]!;
        while (x !== 0) {
          const pi = (w << 5) + lowBit(x);
          x &= x - 1;
          const t = pk === 0 || pk === nz ? 0.5 : crossing(vrow + pi - nxy, vrow + pi);
          edges[zB + row + pi] = addVertex(pi - 1, pj - 1, k - 1 + t);
        }
      }
    }

    // 4. Triangles of the cubes of layer pk. Cube pi of row pj has corners at points pi and
    //    pi + 1 of four point rows (a: lo pj, b: lo pj + 1, c: hi pj, d: hi pj + 1); it is
    //    empty when those 8 bits are all 0 or all 1.
    if (layerAny) {
      edgeBase[0] = xLo; edgeBase[1] = xLo + W; edgeBase[2] = xHi; edgeBase[3] = xHi + W;
      edgeBase[4] = yLo; edgeBase[5] = yLo + 1; edgeBase[6] = yHi; edgeBase[7] = yHi + 1;
      edgeBase[8] = zB; edgeBase[9] = zB + 1; edgeBase[10] = zB + W; edgeBase[11] = zB + W + 1;
      for (let pj = 0; pj <= ny; pj++) {
        const rlo = Math.min(lMin[pj]!, lMin[pj + 1]!, hMin[pj]!, hMin[pj + 1]!);
        const rhi = Math.max(lMax[pj]!, lMax[pj + 1]!, hMax[pj]!, hMax[pj + 1]!);
        if (rhi < 0) continue;
        const ra = pj * WB, rb = ra + WB, row = pj * W;
        for (let w = (rlo - 1) >> 5, e = rhi >> 5; w <= e; w++) {
          const a = lb[ra + w]!, b = lb[rb + w]!, c = hb[ra + w]!, dd = hb[rb + w]!;
          const a1 = lb[ra + w + 1]!, b1 = lb[rb + w + 1]!, c1 = hb[ra + w + 1]!, d1 = hb[rb + w + 1]!;
          const any = a | b | c | dd, all = a & b & c & dd;
          const any1 = a1 | b1 | c1 | d1, all1 = a1 & b1 & c1 & d1;
          let x = (any | ((any >>> 1) | (any1 << 31))) & ~(all & ((all >>> 1) | (all1 << 31)));
          while (x !== 0) {
            const bit = lowBit(x);
            x &= x - 1;
            // Corner bits at pi (s = 0) and pi + 1 (s = 1), the latter maybe in the next word.
            const col0 = ((a >>> bit) & 1) | (((b >>> bit) & 1) << 2) | (((c >>> bit) & 1) << 4) | (((dd >>> bit) & 1) << 6);
            const col1 = bit === 31
              ? (a1 & 1) | ((b1 & 1) << 2) | ((c1 & 1) << 4) | ((d1 & 1) << 6)
              : ((a >>> (bit + 1)) & 1) | (((b >>> (bit + 1)) & 1) << 2) | (((c >>> (bit + 1)) & 1) << 4) | (((dd >>> (bit + 1)) & 1) << 6);
            const cs = col0 | (col1 << 1);
            const p = row + (w << 5) + bit;
            const stop3 = caseOffsets[cs + 1]!;
            let e3 = caseOffsets[cs]!;
            if (ni + (stop3 - e3) > indices.length) indices = sink.growIndices(ni + (stop3 - e3));
            for (; e3 < stop3; e3 += 3) {
              const v0 = edges[edgeBase[caseEdges[e3]!]! + p]!;
              const v1 = edges[edgeBase[caseEdges[e3 + 1]!]! + p]!;
              const v2 = edges[edgeBase[caseEdges[e3 + 2]!]! + p]!;
              indices[ni] = v0;
              if (flip) {
                indices[ni + 1] = v2;
                indices[ni + 2] = v1;
              } else {
                indices[ni + 1] = v1;
                indices[ni + 2] = v2;
              }
              ni += 3;
            }
          }
        }
      }
    }

    // Plane pk + 1 becomes the lower plane of the next layer.
    const t = lo; lo = hi; hi = t;
    if (stop !== undefined) Atomics.store(stop, SLAB1_DONE, Math.max(0, pk + 1 - first));
    options.onProgress?.((pk + 1) / layers);
  }
  sink.positions = positions;
  sink.indices = indices;
  return { nv, ni, ghost, lastPlaneStart };
}
