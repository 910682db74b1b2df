/**
 * The kernel's Web Worker entry: the same kernel runtime as the Node CLI
 * (kernel/node/worker.ts), serving the protocol over the worker's message port.
 *
 * Cells may import only what is listed in `MODULES`: the browser has no module resolution
 * of its own for bare specifiers, and the bundler must see every import statically.
 */
import { IdbResultStore } from '../kernel/browser/idb-store.ts';
import { serveKernel, webUncaughtSource } from '../kernel/worker-runtime.ts';
import packageJson from '../package.json';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import tfWasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfWasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfWasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import typescriptPackageJson from 'typescript/package.json';
import { setDicomPipelinesUrl } from '../cells/io/dicom-wasm-browser.ts';
import manifoldWasmUrl from 'manifold-3d/manifold.wasm?url';
import { configureManifold } from '../cells/print/manifold-wasm.ts';

type KernelPort = Parameters<typeof serveKernel>[0];

const MODULES: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  voxbook: async () => withOnnxRuntime(await import('../index.ts')),
  // Loaded on first use: tfjs and its wasm backend are large, and most notebooks do not train.
  'voxbook/learn': async () => {
    const learn = withOnnxRuntime(await import('../cells/learn/index.ts'));
    learn.configureLearning({
      wasmPaths: {
        'tfjs-backend-wasm.wasm': tfWasmUrl,
        'tfjs-backend-wasm-simd.wasm': tfWasmSimdUrl,
        'tfjs-backend-wasm-threaded-simd.wasm': tfWasmThreadedSimdUrl,
      },
    });
    return learn;
  },
};

let onnxConfigured = false;
/** onnxruntime's wasm comes from this app's own build (never a CDN): the worker's CSP allows only this origin. */
function withOnnxRuntime<T extends { configureOnnxRuntime(o: { wasmPaths: { wasm: string } }): void }>(api: T): T {
  if (!onnxConfigured) {
    api.configureOnnxRuntime({ wasmPaths: { wasm: ortWasmUrl } });
    onnxConfigured = true;
  }
  return api;
}

const port = self as unknown as KernelPort;

// @itk-wasm/dicom's pipelines (picked DICOM files) from this origin, never its CDN: the dev
// server serves them and the build copies them to /itk-wasm/dicom-pipelines (vite.config.ts).
setDicomPipelinesUrl(`${self.location.origin}/itk-wasm/dicom-pipelines`);
// manifold-3d's wasm (judgeManifold, hollowMesh's drain holes) from this app's own build, never a CDN.
configureManifold({ wasmUrl: manifoldWasmUrl });


// The worker's own Content-Security-Policy (sent with this script, vite.config.ts) lets cells
// reach only this origin. The browser reports a refusal only as "Failed to fetch"; say why.
self.addEventListener('securitypolicyviolation', (event) => {
  const e = event as SecurityPolicyViolationEvent;
  port.postMessage({
    type: 'log',
    level: 'error',
    text: `blocked by the Content-Security-Policy (${e.effectiveDirective}): ${e.blockedURI} — cells in the browser may reach only this page's own origin`,
  });
});

serveKernel(port, {
  importModule: async (specifier) => {
    const load = MODULES[specifier];
    if (!load) {
      throw new Error(`"${specifier}" is not available in the browser; cells can import: ${Object.keys(MODULES).join(', ')}`);
    }
    return load();
  },
  // Cell results outlive the page (a reload, a Stop that ends this worker) in IndexedDB.
  store: new IdbResultStore(),
  versions: {
    voxbook: packageJson.version,
    'voxbook-source': __VOXBOOK_SOURCE__,
    typescript: typescriptPackageJson.version,
    browser: navigator.userAgent,
  },
}, webUncaughtSource(self as unknown as Parameters<typeof webUncaughtSource>[0]));
