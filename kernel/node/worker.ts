/**
 * Entry of the Node kernel worker (worker_threads): serves the kernel on `parentPort`.
 * Notebook imports resolve with Node's own `import()`, so `import … from 'voxbook'`
 * finds this package through its `exports` (self-reference).
 */
import { parentPort } from 'node:worker_threads';
import { serveKernel } from '../worker-runtime.ts';
import type { HostMessage } from '../protocol.ts';
import { runtimeVersions } from './versions.ts';

if (!parentPort) throw new Error('kernel/node/worker.ts must run in a worker thread');
const port = parentPort;
serveKernel(
  {
    postMessage: (m) => port.postMessage(m),
    addEventListener: (_type, listener) => port.on('message', (data: HostMessage) => listener({ data })),
  },
  { importModule: (specifier) => import(specifier), versions: runtimeVersions() },
);
