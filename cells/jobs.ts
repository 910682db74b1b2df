/**
 * The shared jobs helper threads can run (cells/core/parallel.ts), by name: a helper receives a
 * `SharedJob`, rebuilds its chunk body from the payload here and claims tickets like the caller.
 * Host-neutral: the Node pool (kernel/node/parallel-pool.ts) and a browser pool import it.
 */
import { failJob, runTickets, type ChunkBody, type SharedJob } from './core/parallel.ts';
import { clenshawBody, CLENSHAW_JOB, type ClenshawJob } from './mesh/smooth.ts';
import { collapsePartBody, COLLAPSE_PART_JOB, type CollapsePartJob } from './mesh/collapse-parts.ts';
import { isosurface, marchSlabBody, MARCH_SLAB_JOB, type MarchSlabJob } from './mesh/isosurface.ts';
import { distanceBody, DISTANCE_JOB, type DistanceJob } from './mesh/distance.ts';
import { rayBody, RAY_JOB, type RayJob } from './mesh/thickness.ts';
import { IDENTITY3, makeVolume, type Vec3 } from './core/volume.ts';

const BODIES: Record<string, (payload: never) => ChunkBody> = {
  [CLENSHAW_JOB]: (payload: ClenshawJob) => clenshawBody(payload),
  [COLLAPSE_PART_JOB]: (payload: CollapsePartJob) => collapsePartBody(payload),
  [MARCH_SLAB_JOB]: (payload: MarchSlabJob) => marchSlabBody(payload),
  [DISTANCE_JOB]: (payload: DistanceJob) => distanceBody(payload),
  [RAY_JOB]: (payload: RayJob) => rayBody(payload),
};

/**
 * Runs a helper's share of `job`. Should the body throw (or the job be unknown), the job is
 * failed (`failJob`), so the caller throws `ParallelJobError` instead of waiting, and the
 * error is re-thrown here for the host to log.
 */
export function runHelperJob(job: SharedJob): void {
  try {
    const make = BODIES[job.name];
    if (!make) throw new Error(`no shared job named '${job.name}' (cells/jobs.ts)`);
    runTickets(job.control, job.steps, job.chunks, make(job.payload as never), undefined, true);
  } catch (e) {
    failJob(job.control);
    throw e;
  }
}

/**
 * Runs the isosurface march a few times on a small synthetic volume (int16, masked, like a CT's
 * bone), so that a helper's first real slab runs optimised code: V8 tiers a thread's code up over
 * its first calls, and a cold helper's first slab of the head CT took 114–179 ms against 26 ms
 * warm — longer than the caller's whole one-thread march. A helper calls it before it reports
 * ready (~0.1 s of its own core). The other jobs' chunks run long enough to be optimised within
 * their first call.
 */
export function warmUpHelper(): void {
  const n = 40, c = (n - 1) / 2;
  const data = new Int16Array(n * n * n), inside = new Uint8Array(n * n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    const v = Math.round(400 - 30 * Math.hypot(i - c, j - c, k - c));
    data[i + n * (j + n * k)] = v;
    inside[i + n * (j + n * k)] = v > 0 ? 1 : 0;
  }
  const grid = { dims: [n, n, n] as Vec3, spacingMm: [1, 1, 1] as Vec3, originMm: [0, 0, 0] as Vec3, direction: IDENTITY3 };
  const volume = makeVolume({ data, ...grid }), mask = makeVolume({ data: inside, ...grid });
  for (let k = 0; k < 12; k++) isosurface(volume, { isoValue: 225.5, mask });
}
