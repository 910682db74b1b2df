/**
 * Where fetched samples live.
 * - Node: `$VOXBOOK_DATA` if set, else `<repo>/data/` (git-ignored). Read on every call,
 *   so tests and tools can point it elsewhere at run time.
 * - Browser / Web Worker: the URL base `/data/` (the dev server serves the cache there),
 *   changeable with `setDataBaseUrl`.
 * No top-level `node:` imports: this module is bundled for the browser too.
 */
import { addSampleCacheUrl, isNode, removeSampleCacheUrl } from '../cells/io/bytes.ts';

let browserBase = '/data/';
// A file missing under it is "not found (HTTP 404) — run `npm run fetch-data`" (cells/io/bytes.ts).
addSampleCacheUrl(browserBase);

/** Sets the URL prefix samples are fetched from in the browser (default `/data/`). */
export function setDataBaseUrl(url: string): void {
  removeSampleCacheUrl(browserBase);
  browserBase = url.endsWith('/') ? url : `${url}/`;
  addSampleCacheUrl(browserBase);
}

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * The cache folder (Node, absolute path, no trailing slash) or URL base (browser, with a
 * trailing slash).
 */
export async function dataCacheDir(): Promise<string> {
  if (!isNode()) return browserBase;
  const spec = 'node:path';
  const path = (await import(/* @vite-ignore */ spec)) as typeof import('node:path');
  const fromEnv = env('VOXBOOK_DATA');
  if (fromEnv) return path.resolve(fromEnv);
  const urlSpec = 'node:url';
  const { fileURLToPath } = (await import(/* @vite-ignore */ urlSpec)) as typeof import('node:url');
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'data');
}

/** Path (Node) or URL (browser) of a cache-relative path such as `mri-colin27/ch2.nii.gz`. */
export async function cachePath(relative: string): Promise<string> {
  const base = await dataCacheDir();
  const rel = relative.replace(/\/+$/, '');
  return base.endsWith('/') ? base + rel : `${base}/${rel}`;
}
