/**
 * A disk cache of the emitted API declarations (`api-declarations.ts`), so that only the
 * first dev server after a change to the sources pays the ~4 s emit.
 *
 * Invariants:
 * - the key covers every input of the emit: the size and mtime of each `.ts` file under
 *   cells/, datasets/, kernel/ and of index.ts, package-lock.json (the libraries' types)
 *   and the TypeScript version; any change gives a new key;
 * - the cache holds one entry (`node_modules/.cache/voxbook/api-dts-<key>.json`), written
 *   atomically; older entries are deleted when a new one is written;
 * - an unreadable or malformed entry is a miss, never an error.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { writeFileAtomic } from '../../kernel/node/fs-atomic.ts';
import { emitApiDeclarations } from './api-declarations.ts';

const SOURCE_DIRS = ['cells', 'datasets', 'kernel'];

async function listTs(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await listTs(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
}

/** The cache key of the repo's current sources (hex, 16 characters). */
export async function apiDeclarationsKey(repoRoot: string): Promise<string> {
  const files: string[] = [join(repoRoot, 'index.ts'), join(repoRoot, 'package-lock.json')];
  for (const d of SOURCE_DIRS) await listTs(join(repoRoot, d), files);
  files.sort();
  const hash = createHash('sha256').update(`typescript ${ts.version}\n`);
  for (const f of files) {
    const s = await stat(f).catch(() => undefined);
    hash.update(`${relative(repoRoot, f)} ${s?.size ?? -1} ${s?.mtimeMs ?? -1}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The API declarations (virtual path → text), from the cache in `cacheDir` when its entry
 * matches the sources, else emitted and stored. `cacheDir` defaults to
 * `<repoRoot>/node_modules/.cache/voxbook`.
 */
export async function cachedApiDeclarations(repoRoot: string, cacheDir = join(repoRoot, 'node_modules/.cache/voxbook')): Promise<Map<string, string>> {
  const key = await apiDeclarationsKey(repoRoot);
  const path = join(cacheDir, `api-dts-${key}.json`);
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (parsed && typeof parsed === 'object' && Object.values(parsed).every((v) => typeof v === 'string')) {
      return new Map(Object.entries(parsed as Record<string, string>));
    }
  } catch {
    // A miss: absent, unreadable or malformed.
  }
  const files = emitApiDeclarations(repoRoot);
  await writeFileAtomic(path, JSON.stringify(Object.fromEntries(files)));
  const stale = (await readdir(cacheDir)).filter((n) => /^api-dts-[0-9a-f]+\.json$/.test(n) && n !== `api-dts-${key}.json`);
  await Promise.all(stale.map((n) => rm(join(cacheDir, n), { force: true })));
  return files;
}
