/**
 * A digest of the library code a notebook's cells run (cells/, datasets/, index.ts): mixed
 * into every cache key through the run's versions, so that after an edit to a stage, or an
 * upgrade of Voxbook, no result computed by the old code is served. The version number alone
 * does not change when the code does.
 *
 * Cost: one read of ~3 MB of source and a SHA-256, ~10 ms, once per process.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Folders and files of the repository whose code cells run. */
export const LIBRARY_SOURCES = ['cells', 'datasets', 'index.ts'] as const;

/** Code files below `root` (TypeScript, JavaScript, kernels' wasm), sorted by path. */
function codeFiles(root: string, entry: string): string[] {
  const path = join(root, entry);
  if (!entry.includes('/') && /\.[cm]?[jt]s$/.test(entry)) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) {
        if (d.name !== 'node_modules' && !d.name.startsWith('.')) walk(p);
      } else if (/\.([cm]?[jt]s|wasm)$/.test(d.name)) out.push(p);
    }
  };
  walk(path);
  return out;
}

/**
 * SHA-256 over each library source file's path (relative to `root`) and bytes, in path
 * order; the first 16 hex digits. A file that cannot be read counts by its path alone.
 */
export function librarySourceDigest(root: string): string {
  const h = createHash('sha256');
  const files = LIBRARY_SOURCES.flatMap((e) => {
    try {
      return codeFiles(root, e);
    } catch {
      return [];
    }
  }).sort();
  for (const f of files) {
    h.update(relative(root, f).replaceAll('\\', '/'));
    h.update('\0');
    try {
      h.update(readFileSync(f));
    } catch {
      // unreadable: its path still counts
    }
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
