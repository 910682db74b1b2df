/**
 * Entry of a Node helper thread (kernel/node/parallel-pool.ts): runs its share of each shared
 * job posted to it. The jobs come from the package entry 'voxbook/jobs' (cells/jobs.ts), loaded
 * through the package like the kernel's other domain imports.
 */
import { parentPort } from 'node:worker_threads';

if (!parentPort) throw new Error('kernel/node/parallel-worker.ts must run in a worker thread');
const { runHelperJob, warmUpHelper } = (await import('voxbook/jobs')) as typeof import('../../cells/jobs.ts');
try {
  warmUpHelper();
} catch (e) {
  console.error(`voxbook helper thread: warm-up failed: ${e instanceof Error ? e.message : String(e)}`);
}
parentPort.on('message', (job: Parameters<typeof runHelperJob>[0]) => {
  // The caller already knows (runHelperJob failed the job); the thread stays up for the next one.
  try {
    runHelperJob(job);
  } catch (e) {
    console.error(`voxbook helper thread: ${e instanceof Error ? e.message : String(e)}`);
  }
});
parentPort.postMessage('ready');
