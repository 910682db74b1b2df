/**
 * Edge-collapse decimation (cells/mesh/edge-collapse.ts) of a large mesh in two parts that can
 * run on two threads (cells/core/parallel.ts), then a seam band, with the same guarantees.
 *
 * Invariants (why the parts cannot interfere, and why the result is what one collapse run on
 * the whole mesh guarantees):
 * 1. Vertices are split by a plane x = m (m the median vertex x) into sides 0 and 1. A vertex
 *    with a neighbour on the other side is a seam vertex. A triangle with vertices on both sides
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
   * Output: part s writes its triangles (global ids) from `3 · offsets[s]` (also where its
   * input starts in `I`), those away from the seam first, then its band triangles; `stats` holds per part [manifold 0|1, away, band,
   * passes, collapses, largest error mm]; `inAway[v] = 1` for vertices used by a triangle away
   * from the seam.
   */
  readonly out: Uint32Array;
  readonly offsets: Int32Array;
  /** Triangles of part 0 and part 1 in `I`. */
  readonly counts: Int32Array;
  readonly stats: Float64Array;
  readonly inAway: Uint8Array;
}
const STATS = 6;

/** The arrays helpers read (SharedArrayBuffers when they run), and this thread's band temporaries. */
const SHARED_SCRATCH = scratchPool('collapse-parts', true);
const JOB_SCRATCH = scratchPool('collapse-parts-unshared');
const BAND_SCRATCH = scratchPool('collapse-parts-band');
/** A part's own temporaries, on whichever thread runs it. */
const PART_SCRATCH = scratchPool('collapse-part');

/**
 * `collapseEdges` over the whole mesh, in parts (invariants above) when it has at least
 * PARTS_MIN_TRIANGLES triangles. Same contract: null, having changed nothing, when the input
 * is not a closed oriented 2-manifold; else the decimated triangles over the input's vertex ids.
 * `afterPass` is called from this thread only (for its own part and the band).
 */
export function collapseEdgesInParts(positions: Float32Array, indices: Uint32Array, options: CollapseOptions): (Collapsed & { readonly helperChunks: number }) | null {
  const T = indices.length / 3, V = positions.length / 3;
  if (T < PARTS_MIN_TRIANGLES) {
    const whole = collapseEdges(positions, indices, options);
    return whole && { ...whole, helperChunks: 0 };
  }
  const share = parallelAvailable(); // always worth it at this size
  return withScratch(share ? SHARED_SCRATCH : JOB_SCRATCH, (scratch) => withScratch(BAND_SCRATCH, (band) => inParts(share, scratch, band, positions, indices, options)));
}

function inParts(share: boolean, scratch: Scratch, bandScratch: Scratch, positions: Float32Array, indices: Uint32Array, options: CollapseOptions): (Collapsed & { readonly helperChunks: number }) | null {
  const T = indices.length / 3, V = positions.length / 3;
  const side = scratch.take(Uint8Array, V, null), seam = scratch.take(Uint8Array, V);
  splitByMedianX(positions, side, bandScratch);
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
  const P = scratch.take(Float32Array, 3 * V, null);
  P.set(positions);
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
  const merged = new Uint32Array(3 * away + bandDone.indices.length);
  merged.set(job.out.subarray(0, 3 * stat(0, 1)), 0);
  merged.set(job.out.subarray(3 * job.offsets[1]!, 3 * (job.offsets[1]! + stat(1, 1))), 3 * stat(0, 1));
  for (let i = 0; i < bandDone.indices.length; i++) merged[3 * away + i] = local.global[bandDone.indices[i]!]!;
  const parts = {
    errorMm: Math.max(stat(0, 5), stat(1, 5), bandDone.errorMm),
    passes: Math.max(stat(0, 3), stat(1, 3)) + bandDone.passes,
    collapses: stat(0, 4) + stat(1, 4) + bandDone.collapses,
    helperChunks: chunksByHelpers,
  };
  if (target === 0 || merged.length / 3 <= target) return { indices: merged, ...parts };
  // The band could not take the rest (topology or maxErrorMm near the seam): go on over the whole.
  const rest = collapseEdges(positions, merged, options);
  if (!rest) return null;
  return { ...parts, indices: rest.indices, errorMm: Math.max(parts.errorMm, rest.errorMm), passes: parts.passes + rest.passes, collapses: parts.collapses + rest.collapses };
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
  const out = job.out, inAway = job.inAway;
  const result = done.indices;
  const band = scratch.take(Uint32Array, result.length, null);
  let away = 0, bandN = 0;
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
    out[o] = ga;
    out[o + 1] = gb;
    out[o + 2] = gc;
    inAway[ga] = 1;
    inAway[gb] = 1;
    inAway[gc] = 1;
  }
  out.set(band.subarray(0, bandN), from + 3 * away);
  bandN /= 3;
  stats[base] = 1;
  stats[base + 1] = away;
  stats[base + 2] = bandN;
  stats[base + 3] = done.passes;
  stats[base + 4] = done.collapses;
  stats[base + 5] = done.errorMm;
}

/** side[v] = 1 when vertex v's x is above the median x (a 4,096-bin histogram, then exact within the median's bin). */
function splitByMedianX(P: Float32Array, side: Uint8Array, scratch: Scratch): void {
  const V = side.length;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < 3 * V; i += 3) {
    const x = P[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const BINS = 4096, scale = hi > lo ? (BINS - 1) / (hi - lo) : 0;
  const bins = scratch.take(Uint16Array, V, null), count = new Int32Array(BINS);
  for (let v = 0; v < V; v++) {
    const k = ((P[3 * v]! - lo) * scale) | 0;
    bins[v] = k;
    count[k]!++;
  }
  let below = 0, k = 0;
  for (; k < BINS && below + count[k]! <= V >> 1; k++) below += count[k]!;
  // Bins below k go to side 0, above to side 1; bin k is split at its own median.
  const inBin = new Float32Array(count[k] ?? 0);
  let m = 0;
  for (let v = 0; v < V; v++) {
    const b = bins[v]!;
    if (b === k) inBin[m++] = P[3 * v]!;
    else side[v] = b > k ? 1 : 0;
  }
  inBin.sort();
  const cut = inBin[Math.max(0, (V >> 1) - below)] ?? Infinity;
  for (let v = 0; v < V; v++) if (bins[v] === k) side[v] = P[3 * v]! >= cut ? 1 : 0;
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
