/**
 * The static viewer (app/static/viewer.ts) as one script, built on demand in Node with
 * Vite's `build()` API — `voxbook run` runs under tsx with no build step, and the app's dev
 * server has no bundle of it either. Library mode, IIFE format: every import (lit, marked,
 * DOMPurify, vtk.js, meshoptimizer's decoder) inlined, assets as `data:` URLs, nothing
 * loaded from anywhere.
 *
 * Cached in `node_modules/.cache/voxbook/static-viewer.json`: the script, the SHA-256 of
 * every source file it was built from (the build's own module list, outside node_modules),
 * and of `node_modules/.package-lock.json` (what is installed) and Vite's version. A lookup
 * re-hashes those files; any change rebuilds. Written atomically, so two processes building
 * at once each leave a whole entry. Nothing is downloaded.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../kernel/node/fs-atomic.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = join(ROOT, 'app/static/viewer.ts');
/** The cache entry: beside Vite's own cache, as tied to this installation as it is. */
export const VIEWER_CACHE = join(ROOT, 'node_modules/.cache/voxbook/static-viewer.json');
const CACHE_FORMAT = 1;

interface CacheEntry {
  readonly format: number;
  /** Repo-relative path → SHA-256 of its bytes. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly script: string;
}

/** The viewer build failed: the message says what Vite reported. */
export class ViewerBuildError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ViewerBuildError';
  }
}

export interface ViewerScript {
  readonly script: string;
  /** Whether it came from the cache. */
  readonly cached: boolean;
  readonly ms: number;
}

/**
 * The viewer script, from the cache when none of its sources changed, else built now
 * (10–30 s on two cores) and cached.
 * @throws ViewerBuildError when Vite fails, or the bundle refers to anything outside itself.
 */
export async function staticViewerScript(options: { readonly cacheFile?: string } = {}): Promise<ViewerScript> {
  const t0 = performance.now();
  const cacheFile = options.cacheFile ?? VIEWER_CACHE;
  const hit = await readCache(cacheFile);
  if (hit) return { script: hit.script, cached: true, ms: performance.now() - t0 };
  const { script, modules } = await buildViewer();
  const inputs: Record<string, string> = {};
  for (const path of [...modules, ...fixedInputs()].sort()) inputs[relative(ROOT, path)] = await sha256File(path);
  // A cache that cannot be written (a read-only installation) costs a build next time, nothing else.
  await writeFileAtomic(cacheFile, JSON.stringify({ format: CACHE_FORMAT, inputs, script } satisfies CacheEntry)).catch(() => undefined);
  return { script, cached: false, ms: performance.now() - t0 };
}

/** Files whose change rebuilds the viewer besides its own sources: what is installed, and the bundler. */
function fixedInputs(): string[] {
  return [join(ROOT, 'node_modules/.package-lock.json'), join(ROOT, 'node_modules/vite/package.json')];
}

async function readCache(file: string): Promise<CacheEntry | undefined> {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(await readFile(file, 'utf8')) as CacheEntry;
  } catch {
    return undefined; // absent or torn: build
  }
  if (entry?.format !== CACHE_FORMAT || typeof entry.script !== 'string' || typeof entry.inputs !== 'object') return undefined;
  for (const [path, sha] of Object.entries(entry.inputs)) {
    if ((await sha256File(join(ROOT, path)).catch(() => '')) !== sha) return undefined;
  }
  return entry;
}

async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Runs Vite's library build of the viewer, in memory; returns the script and the source files in it. */
async function buildViewer(): Promise<{ script: string; modules: string[] }> {
  const { build } = await import('vite');
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      configFile: false,
      root: ROOT,
      logLevel: 'error',
      clearScreen: false,
      // Development-only branches (lit's dev mode warnings) out.
      define: { 'process.env.NODE_ENV': JSON.stringify('production') },
      build: {
        write: false,
        target: 'es2022',
        minify: true,
        // Everything inline: the page loads nothing.
        assetsInlineLimit: () => true,
        cssCodeSplit: false,
        reportCompressedSize: false,
        lib: { entry: ENTRY, formats: ['iife'], name: 'VoxbookStatic', fileName: () => 'viewer.js' },
      },
    });
  } catch (e) {
    throw new ViewerBuildError(`building the static HTML viewer (${relative(ROOT, ENTRY)}) failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? r.output : []));
  const chunks = outputs.filter((o) => o.type === 'chunk');
  const others = outputs.filter((o) => o.type !== 'chunk');
  if (chunks.length !== 1 || others.length > 0) {
    throw new ViewerBuildError(`the static HTML viewer built into ${outputs.map((o) => o.fileName).join(', ')}, not one script; it must have no separate chunks or assets`);
  }
  const chunk = chunks[0]!;
  const modules = chunk.moduleIds
    .map((id) => id.replace(/[?#].*$/, ''))
    .filter((id) => isAbsolute(id) && !id.includes(`${join('node_modules', '')}`) && id.startsWith(ROOT));
  return { script: escapeForInlineScript(chunk.code), modules: [...new Set(modules)] };
}

/**
 * The bundle made safe for an inline `<script>`: `</script` and `<!--` only ever occur in
 * its strings, regular expressions and comments, where `<\/script` and `\x3C!--` mean the same.
 */
function escapeForInlineScript(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '\\x3C!--');
}
