/**
 * Edge-collapse decimation (cells/mesh/edge-collapse.ts) of a large mesh in two parts that can
 * run on two threads (cells/core/parallel.ts), then a seam band, with the same guarantees.
 *
 * Invariants (why the parts cannot interfere, and why the result is what one collapse run on
 * the whole mesh guarantees):
 * 1. Vertices are split by a plane x = m (m the median x of a strided sample of the vertices)
 *    into sides 0 and 1. A vertex with a neighbour on the other side is a seam vertex. A triangle with vertices on both sides
 *    has only seam vertices (each of its vertices neighbours the other two); it is a cross
 *    triangle and no part holds it.
 * 2. Part s holds the triangles with all three vertices on side s (part 0's in input order,
 *    part 1's in reverse: both are written into one array from its two ends). Its seam vertices, and those
 *    within BAND_RINGS − 1 rings of them, are frozen (never collapsed, never collapsed onto).
 *    Every triangle of a non-seam vertex of side s is in part s, so the rings a collapse a → b
 *    tests (a's and b's, both non-seam) are whole, and its quadrics are those of the whole mesh.
 *    A collapse changes only triangles of a; a non-seam vertex never gains a neighbour on the
 *    other side (that would take collapsing a seam vertex). So the parts touch disjoint
 *    triangles and read disjoint rings, on any threads.
 * 3. Then the seam band: the cross triangles and every part triangle with a frozen vertex, still
 *    at full density, decimated with the band's cut edge frozen (vertices also used by the
 *    triangles away from it), so the seam ends as decimated as the rest (tested: within 3 mm of
 *    the cut plane the skull keeps 0.16 of its triangles at a 0.185 budget, 0.19 elsewhere).
 * 4. The manifold check of edge-collapse.ts (invariant 1 there) is split the same way: each part
 *    checks its free vertices (whole rings), the band the rest (whole rings in the band, since
 *    all their triangles are in it). Should either fail, the result is null as for a whole-mesh
 *    run (the parts' work is dropped).
 * 5. The split depends on the mesh only, never on the number of threads: the result is the same
 *    with or without helper threads (the tests compare bytes).
 * 6. Temporaries come from scratch pools (cells/core/scratch.ts): the job's arrays, shared with
 *    helpers, from one pool; each part's from a pool on the thread that runs it; the band's from
 *    a third. The result (`indices`) is always a fresh array.
 *
 * Budgets: each part takes its free triangles (those with no frozen vertex) to the whole mesh's
 * ratio target / T; the band takes what is left for the total to reach the target. Should the
 * band not reach it (topology, maxErrorMm), one collapse run on the merged mesh continues from
 * there. The band's quadrics are computed from the band as the parts leave it: its input
 * triangles, but for the corners re-pointed by collapses next to it.
 */
import { parallelAvailable, runShared, type ChunkBody } from '../core/parallel.ts';
import { scratchPool, withScratch, type Scratch } from '../core/scratch.ts';
import type { Mesh } from '../core/mesh.ts';
import { compactMesh } from './compact.ts';
import { collapseEdges, type Collapsed, type CollapseOptions } from './edge-collapse.ts';
import { scratchRings, vertexRings } from './rings.ts';

/** Meshes with fewer triangles are decimated in one piece (the split would cost more than it saves). */
export const PARTS_MIN_TRIANGLES = 200_000;
/** The band: triangles with a vertex within BAND_RINGS − 1 rings of the seam (invariant 2). */
const BAND_RINGS = 3;
/** Registered name of the part job (cells/jobs.ts). */
export const COLLAPSE_PART_JOB = 'collapse-part';

/** What the part job shares with helper threads. */
export interface CollapsePartJob {
  /** Input positions (mm, 3 per vertex). */
  readonly P: Float32Array;
  /**
   * The parts' triangles (3 vertex ids each): part 0's from the start in input order, part 1's
   * from the end backwards (`offsets`). Each part renumbers its own in place.
   */
  readonly I: Uint32Array;
  /** Per vertex 1 for seam vertices. */
  readonly seam: Uint8Array;
  /** The budget over the input's triangle count (0 with no budget), and the error bound, mm (Infinity: none). */
  readonly ratio: number;
  readonly maxErrorMm: number;
  /**
   * Output: part s writes its triangles from `3 · offsets[s]` (also where its input starts in
   * `I`): those away from the seam first, over the part's output ids (its away vertices in
   * first-use order, from 0), then its band triangles over global ids. `stats` holds per part
   * [manifold 0|1, away triangles, band triangles, passes, collapses, largest error mm, away
   * vertices]. For a vertex v used away from the seam: `inAway[v] = 1`, `outId[v]` its output
   * id in its part, and its position at `outP[3 · (vertexOffsets[s] + outId[v])]`, its global id
   * at `outGlobal[vertexOffsets[s] + outId[v]]`.
   */
  readonly out: Uint32Array;
  readonly offsets: Int32Array;
  /** Triangles of part 0 and part 1 in `I`. */
  readonly counts: Int32Array;
  readonly stats: Float64Array;
  readonly inAway: Uint8Array;
  readonly outId: Int32Array;
  readonly outP: Float32Array;
  readonly outGlobal: Int32Array;
  /** 0 and the number of vertices on side 0 (at least as many as part 0 can output). */
  readonly vertexOffsets: Int32Array;
}
const STATS = 7;

/** What `collapseEdgesInParts` returns: the decimated mesh, compacted (see `compactMesh`). */
export interface CollapsedMesh extends Omit<Collapsed, 'indices'> {
  readonly mesh: Pick<Mesh, 'positions' | 'indices'>;
  readonly helperChunks: number;
}

/** The arrays helpers read (SharedArrayBuffers when they run), and this thread's band temporaries. */
const SHARED_SCRATCH = scratchPool('collapse-parts', true);
const JOB_SCRATCH = scratchPool('collapse-parts-unshared');
const BAND_SCRATCH = scratchPool('collapse-parts-band');
/** A part's own temporaries, on whichever thread runs it. */
const PART_SCRATCH = scratchPool('collapse-part');

/**
 * `collapseEdges` over the whole mesh, in parts (invariants above) when it has at least
 * PARTS_MIN_TRIANGLES triangles. Same contract: null, having changed nothing, when the input
 * is not a closed oriented 2-manifold; else the decimated mesh, compacted: its vertices in
 * first-use order (`compactMesh`, the same bytes whichever way it was cut).
 * `afterPass` is called from this thread only (for its own part and the band).
 */
export function collapseEdgesInParts(positions: Float32Array, indices: Uint32Array, options: CollapseOptions): CollapsedMesh | null {
  const T = indices.length / 3;
  if (T < PARTS_MIN_TRIANGLES) {
    const whole = collapseEdges(positions, indices, options);
    return whole && { ...whole, mesh: compactMesh(whole.indices, positions), helperChunks: 0 };
  }
  const share = parallelAvailable(); // always worth it at this size
  return withScratch(share ? SHARED_SCRATCH : JOB_SCRATCH, (scratch) => withScratch(BAND_SCRATCH, (band) => inParts(share, scratch, band, positions, indices, options)));
}

function inParts(share: boolean, scratch: Scratch, bandScratch: Scratch, positions: Float32Array, indices: Uint32Array, options: CollapseOptions): CollapsedMesh | null {
  const T = indices.length / 3, V = positions.length / 3;
  const side = scratch.take(Uint8Array, V, null), seam = scratch.take(Uint8Array, V);
  const onSide0 = splitByMedianX(positions, side);
  // Part 0's triangles from the front of I, part 1's from the back; cross ones (invariant 1) aside.
  const I = scratch.take(Uint32Array, 3 * T, null);
  let front = 0, back = 3 * T;
  const cross: number[] = [];
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t]!, b = indices[t + 1]!, c = indices[t + 2]!;
    const sa = side[a]!;
    if (sa === side[b] && sa === side[c]) {
      if (sa === 0) {
        I[front++] = a;
        I[front++] = b;
        I[front++] = c;
      } else {
        I[--back] = c;
        I[--back] = b;
        I[--back] = a;
      }
      continue;
    }
    seam[a] = 1;
    seam[b] = 1;
    seam[c] = 1;
    cross.push(t);
  }
  const counts = Int32Array.of(front / 3, T - back / 3);
  const target = options.targetTriangles;
  // Positions where the helper reads them (a copy only when it runs and they are not shared).
  const P = share ? scratch.shareable(positions) : positions;
  const job: CollapsePartJob = {
    P,
    I,
    seam,
    ratio: target / T,
    maxErrorMm: options.maxErrorMm,
    out: scratch.take(Uint32Array, 3 * T, null),
    offsets: Int32Array.of(0, back / 3),
    counts,
    stats: scratch.take(Float64Array, 2 * STATS),
    inAway: scratch.take(Uint8Array, V),
    outId: scratch.take(Int32Array, V, null),
    outP: scratch.take(Float32Array, 3 * V, null),
    outGlobal: scratch.take(Int32Array, V, null),
    vertexOffsets: Int32Array.of(0, onSide0),
  };
  // Progress from this thread's part, scaled to the whole (the other part keeps about the same pace).
  const afterPass = options.afterPass;
  const body = collapsePartBody(job, afterPass && ((s, triangles) => afterPass((triangles * T) / Math.max(1, counts[s]!))));
  const { chunksByHelpers } = runShared({ share, name: COLLAPSE_PART_JOB, payload: job, steps: 1, chunks: 2 }, body);
  const stat = (s: number, k: number): number => job.stats[s * STATS + k]!;
  if (stat(0, 0) === 0 || stat(1, 0) === 0) return null;

  // The band: cross triangles and both parts' band triangles; frozen where it meets the rest.
  const away = stat(0, 1) + stat(1, 1);
  const bandCount = cross.length + stat(0, 2) + stat(1, 2);
  const band = bandScratch.take(Uint32Array, 3 * bandCount, null);
  let n = 0;
  for (const t of cross) {
    band[n++] = indices[t]!;
    band[n++] = indices[t + 1]!;
    band[n++] = indices[t + 2]!;
  }
  for (let s = 0; s < 2; s++) {
    const from = 3 * (job.offsets[s]! + stat(s, 1));
    band.set(job.out.subarray(from, from + 3 * stat(s, 2)), n);
    n += 3 * stat(s, 2);
  }
  const local = localMesh(positions, band, job.inAway, bandScratch);
  const bandTarget = Math.max(0, bandCount - Math.max(0, away + bandCount - target));
  const bandDone = collapseEdges(local.positions, local.indices, {
    ...options,
    targetTriangles: bandTarget,
    frozen: local.frozen,
    ...(afterPass ? { afterPass: (triangles: number) => afterPass(away + triangles) } : {}),
  });
  if (!bandDone) return null;
  const parts = {
    errorMm: Math.max(stat(0, 5), stat(1, 5), bandDone.errorMm),
    passes: Math.max(stat(0, 3), stat(1, 3)) + bandDone.passes,
    collapses: stat(0, 4) + stat(1, 4) + bandDone.collapses,
    helperChunks: chunksByHelpers,
  };
  const awayTriangles = [stat(0, 1), stat(1, 1)], awayVertices = [stat(0, 6), stat(1, 6)];
  if (target === 0 || away + bandDone.indices.length / 3 <= target) {
    return { ...parts, mesh: assemble(job, awayTriangles, awayVertices, side, positions, bandDone.indices, local.global, bandScratch) };
  }
  // The band could not take the rest (topology or maxErrorMm near the seam): go on over the whole.
  const merged = new Uint32Array(3 * away + bandDone.indices.length);
  let m = 0;
  for (let s = 0; s < 2; s++) {
    const from = 3 * job.offsets[s]!, base = job.vertexOffsets[s]!;
    for (let i = 0; i < 3 * awayTriangles[s]!; i++) merged[m++] = job.outGlobal[base + job.out[from + i]!]!;
  }
  for (let i = 0; i < bandDone.indices.length; i++) merged[m++] = local.global[bandDone.indices[i]!]!;
  const rest = collapseEdges(positions, merged, options);
  if (!rest) return null;
  return { ...parts, mesh: compactMesh(rest.indices, positions), errorMm: Math.max(parts.errorMm, rest.errorMm), passes: parts.passes + rest.passes, collapses: parts.collapses + rest.collapses };
}

/**
 * The result mesh from the parts' compacted away triangles and the band's: part 0's output ids
 * as they are, part 1's after part 0's, then the vertices only the band uses in first-use
 * order — `compactMesh` of [part 0 away, part 1 away, band] over global ids, without that pass.
 */
function assemble(job: CollapsePartJob, awayTriangles: number[], awayVertices: number[], side: Uint8Array, P: Float32Array, band: Uint32Array, bandGlobal: Int32Array, scratch: Scratch): Pick<Mesh, 'positions' | 'indices'> {
  const [t0, t1] = awayTriangles as [number, number], [n0, n1] = awayVertices as [number, number];
  const indices = new Uint32Array(3 * (t0 + t1) + band.length);
  indices.set(job.out.subarray(0, 3 * t0));
  const from1 = 3 * job.offsets[1]!;
  for (let i = 0; i < 3 * t1; i++) indices[3 * t0 + i] = job.out[from1 + i]! + n0;
  // Band vertices: those used away already have ids; the rest get the next ones.
  const bandId = scratch.take(Int32Array, bandGlobal.length, -1);
  const bandOnly = scratch.take(Int32Array, bandGlobal.length, null);
  let next = n0 + n1, o = 3 * (t0 + t1);
  for (let i = 0; i < band.length; i++) {
    const l = band[i]!, g = bandGlobal[l]!;
    let id: number;
    if (job.inAway[g] === 1) id = job.outId[g]! + (side[g] === 1 ? n0 : 0);
    else {
      id = bandId[l]!;
      if (id < 0) {
        bandId[l] = id = next++;
        bandOnly[id - n0 - n1] = g;
      }
    }
    indices[o++] = id;
  }
  const positions = new Float32Array(3 * next);
  positions.set(job.outP.subarray(0, 3 * n0));
  const p1 = 3 * job.vertexOffsets[1]!;
  positions.set(job.outP.subarray(p1, p1 + 3 * n1), 3 * n0);
  for (let k = 0; k < next - n0 - n1; k++) {
    const g = bandOnly[k]!, to = 3 * (n0 + n1 + k);
    positions[to] = P[3 * g]!;
    positions[to + 1] = P[3 * g + 1]!;
    positions[to + 2] = P[3 * g + 2]!;
  }
  return { positions, indices };
}

/**
 * The part job's body: chunk s decimates part s (invariant 2) and writes its triangles, those
 * within BAND_RINGS rings of the seam last, into the job's output. `afterPass` (this thread's
 * abort checks and progress) runs only when given, i.e. in the caller.
 */
export function collapsePartBody(job: CollapsePartJob, afterPass?: (part: number, triangles: number) => void): ChunkBody {
  return (_step, s) => withScratch(PART_SCRATCH, (scratch) => collapsePart(job, s, scratch, afterPass));
}

function collapsePart(job: CollapsePartJob, s: number, scratch: Scratch, afterPass?: (part: number, triangles: number) => void): void {
  // The part's triangles, renumbered in place to local vertex ids (first use order), and its positions.
  const count = job.counts[s]!, from = 3 * job.offsets[s]!;
  const tri = job.I.subarray(from, from + 3 * count);
  const { positions, global, frozen } = localMesh(job.P, tri, job.seam, scratch);
  const L = positions.length / 3;
  // The band's side in this part: vertices within BAND_RINGS − 1 rings of the seam stay as
  // they are here (frozen) and are decimated with the band, from full density, afterwards.
  const rings = vertexRings(tri, L, scratchRings(scratch, L, count));
  let frontier: number[] = [];
  for (let l = 0; l < L; l++) if (frozen[l] === 1) frontier.push(l);
  for (let d = 1; d < BAND_RINGS; d++) {
    const nextFrontier: number[] = [];
    for (const v of frontier) {
      for (let j = rings.start[v]!; j < rings.start[v + 1]!; j++) {
        const w = rings.next[j]!;
        if (frozen[w] === 0) {
          frozen[w] = 1;
          nextFrontier.push(w);
        }
      }
    }
    frontier = nextFrontier;
  }
  let bandInput = 0;
  for (let t = 0; t < tri.length; t += 3) if (frozen[tri[t]!] === 1 || frozen[tri[t + 1]!] === 1 || frozen[tri[t + 2]!] === 1) bandInput++;
  const stats = job.stats, base = s * STATS;
  const done = collapseEdges(positions, tri, {
    // The part's free triangles at the whole mesh's ratio; its band ones kept for the band.
    targetTriangles: Math.floor(job.ratio * (count - bandInput)),
    budgetFreeOnly: true,
    maxErrorMm: job.maxErrorMm,
    frozen,
    rings,
    ...(afterPass ? { afterPass: (triangles: number) => afterPass(s, triangles) } : {}),
  });
  if (!done) {
    stats[base] = 0;
    return;
  }
  // A triangle with a frozen vertex is the band's (frozen vertices never move, so these are
  // the band's input triangles but for the re-pointed corners of collapses next to it).
  // Away from the seam first, then the band; global ids.
  const out = job.out, inAway = job.inAway, outId = job.outId, outP = job.outP, outGlobal = job.outGlobal;
  const result = done.indices;
  const band = scratch.take(Uint32Array, result.length, null);
  const vertexBase = job.vertexOffsets[s]!;
  let away = 0, bandN = 0, ids = 0;
  // The part's away vertices numbered in first-use order (its share of `compactMesh`).
  const idOf = (g: number): number => {
    if (inAway[g] === 1) return outId[g]!;
    inAway[g] = 1;
    outId[g] = ids;
    outGlobal[vertexBase + ids] = g;
    const p = 3 * (vertexBase + ids);
    outP[p] = job.P[3 * g]!;
    outP[p + 1] = job.P[3 * g + 1]!;
    outP[p + 2] = job.P[3 * g + 2]!;
    return ids++;
  };
  for (let t = 0; t < result.length; t += 3) {
    const a = result[t]!, b = result[t + 1]!, c = result[t + 2]!;
    const ga = global[a]!, gb = global[b]!, gc = global[c]!;
    if ((frozen[a]! | frozen[b]! | frozen[c]!) === 1) {
      band[bandN++] = ga;
      band[bandN++] = gb;
      band[bandN++] = gc;
      continue;
    }
    const o = from + 3 * away++;
    out[o] = idOf(ga);
    out[o + 1] = idOf(gb);
    out[o + 2] = idOf(gc);
  }
  out.set(band.subarray(0, bandN), from + 3 * away);
  bandN /= 3;
  stats[base] = 1;
  stats[base + 1] = away;
  stats[base + 2] = bandN;
  stats[base + 3] = done.passes;
  stats[base + 4] = done.collapses;
  stats[base + 5] = done.errorMm;
  stats[base + 6] = ids;
}

/**
 * side[v] = 1 when vertex v's x is at or above the cut, the median x of a strided sample of
 * about 16k vertices (a function of the mesh alone, so the same on any thread count; the parts
 * come out within a percent or so of halves); returns how many vertices are on side 0.
 */
function splitByMedianX(P: Float32Array, side: Uint8Array): number {
  const V = side.length, step = Math.max(1, Math.floor(V / 16384));
  const sample = new Float32Array(Math.ceil(V / step));
  for (let v = 0, k = 0; v < V; v += step) sample[k++] = P[3 * v]!;
  sample.sort();
  const cut = sample[sample.length >> 1]!;
  let onSide0 = 0;
  for (let v = 0; v < V; v++) {
    const s = P[3 * v]! >= cut ? 1 : 0;
    side[v] = s;
    onSide0 += 1 - s;
  }
  return onSide0;
}

/**
 * Renumbers `tri` (ids < V) in place to local ids 0..count−1 in first-use order; `global[l]` is
 * local l's id before.
 */
function renumber(tri: Uint32Array, V: number, scratch: Scratch): { global: Int32Array; count: number } {
  const toLocal = scratch.take(Int32Array, V, -1);
  const global = scratch.take(Int32Array, Math.min(V, tri.length), null);
  let count = 0;
  for (let i = 0; i < tri.length; i++) {
    const g = tri[i]!;
    let l = toLocal[g]!;
    if (l < 0) {
      l = toLocal[g] = count;
      global[count++] = g;
    }
    tri[i] = l;
  }
  return { global, count };
}

/**
 * `tri` renumbered in place to local ids, with its positions, the map back, and `frozen[l]` =
 * `flags[global[l]]` (the seam for a part, the vertices used away from the band for the band).
 */
function localMesh(P: Float32Array, tri: Uint32Array, flags: Uint8Array, scratch: Scratch): { positions: Float32Array; indices: Uint32Array; global: Int32Array; frozen: Uint8Array } {
  const { global, count } = renumber(tri, flags.length, scratch);
  const positions = scratch.take(Float32Array, 3 * count, null), frozen = scratch.take(Uint8Array, count, null);
  for (let l = 0; l < count; l++) {
    const g = global[l]!;
    positions[3 * l] = P[3 * g]!;
    positions[3 * l + 1] = P[3 * g + 1]!;
    positions[3 * l + 2] = P[3 * g + 2]!;
    frozen[l] = flags[g]!;
  }
  return { positions, indices: tri, global, frozen };
}
