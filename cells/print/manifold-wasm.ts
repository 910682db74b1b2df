/**
 * manifold-3d (Emmett Lalish et al., https://github.com/elalish/manifold, Apache-2.0), loaded
 * once on first use, in Node and in a browser Web Worker alike.
 *
 * Where its `manifold.wasm` comes from: in Node, from `node_modules/manifold-3d` (the package
 * finds it beside its script); in a browser app, from the URL given to `configureManifold`
 * (the app's kernel worker passes a Vite `?url` import of `manifold-3d/manifold.wasm`, so the
 * file is served from the app's own origin, never a CDN).
 */
import type { ManifoldToplevel } from 'manifold-3d';
import { VoxbookError } from '../core/errors.ts';

export type { ManifoldToplevel };

let wasmUrl: string | undefined;
let loading: Promise<ManifoldToplevel> | undefined;

/**
 * Sets where manifold-3d's `manifold.wasm` is served (browser apps; Node needs nothing).
 * Call before the first `judgeManifold` / `hollowMesh` with drain holes.
 */
export function configureManifold(options: { readonly wasmUrl: string }): void {
  wasmUrl = options.wasmUrl;
}

/**
 * The manifold-3d module, initialised (`Module()` then `setup()`) on the first call.
 * @throws VoxbookError (`code: 'manifold-runtime'`) when the wasm cannot be loaded.
 */
export function loadManifold(): Promise<ManifoldToplevel> {
  loading ??= (async () => {
    try {
      const { default: Module } = await import('manifold-3d');
      const url = wasmUrl;
      const w = await Module(url === undefined ? undefined : { locateFile: () => url });
      w.setup();
      return w;
    } catch (e) {
      loading = undefined;
      throw new VoxbookError('manifold-runtime', `could not start manifold-3d (${String(e)}); in a browser, call configureManifold({ wasmUrl }) with where manifold.wasm is served`, { cause: e });
    }
  })();
  return loading;
}
