/**
 * The kernel's Web Worker entry: the same kernel runtime as the Node CLI
 * (kernel/node/worker.ts), serving the protocol over the worker's message port.
 *
 * Cells may import only what is listed in `MODULES`: the browser has no module resolution
 * of its own for bare specifiers, and the bundler must see every import statically.
 */
import { serveKernel } from '../kernel/worker-runtime.ts';
import packageJson from '../package.json';
import typescriptPackageJson from 'typescript/package.json';

type KernelPort = Parameters<typeof serveKernel>[0];

const MODULES: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  voxbook: () => import('../index.ts'),
};

serveKernel(self as unknown as KernelPort, {
  importModule: async (specifier) => {
    const load = MODULES[specifier];
    if (!load) {
      throw new Error(`"${specifier}" is not available in the browser; cells can import: ${Object.keys(MODULES).join(', ')}`);
    }
    return load();
  },
  versions: {
    voxbook: packageJson.version,
    typescript: typescriptPackageJson.version,
    browser: navigator.userAgent,
  },
});
