/**
 * The shared jobs helper threads can run (cells/core/parallel.ts), by name: a helper receives a
 * `SharedJob`, rebuilds its chunk body from the payload here and claims tickets like the caller.
 * Host-neutral: the Node pool (kernel/node/parallel-pool.ts) and a browser pool import it.
 */
import { failJob, runTickets, type ChunkBody, type SharedJob } from './core/parallel.ts';
import { clenshawBody, CLENSHAW_JOB, type ClenshawJob } from './mesh/smooth.ts';
import { collapsePartBody, COLLAPSE_PART_JOB, type CollapsePartJob } from './mesh/collapse-parts.ts';
import { marchSlabBody, MARCH_SLAB_JOB, type MarchSlabJob } from './mesh/isosurface.ts';

const BODIES: Record<string, (payload: never) => ChunkBody> = {
  [CLENSHAW_JOB]: (payload: ClenshawJob) => clenshawBody(payload),
  [COLLAPSE_PART_JOB]: (payload: CollapsePartJob) => collapsePartBody(payload),
  [MARCH_SLAB_JOB]: (payload: MarchSlabJob) => marchSlabBody(payload),
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
