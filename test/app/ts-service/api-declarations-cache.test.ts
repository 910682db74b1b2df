import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { API_ENTRIES, API_GLOBALS } from '../../../app/ts-service/api-declarations-paths.ts';
import { apiDeclarationsKey, cachedApiDeclarations } from '../../../app/ts-service/api-declarations-cache.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the API declarations cache', () => {
  it('emits once, then reads the same files back; a corrupt entry is a miss and is replaced', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'voxbook-dts-'));
    dirs.push(cache);
    const first = await cachedApiDeclarations(REPO, cache);
    expect(first.has(API_ENTRIES['voxbook']!)).toBe(true);
    expect(first.has(API_GLOBALS)).toBe(true);
    const entries = await readdir(cache);
    expect(entries).toEqual([`api-dts-${await apiDeclarationsKey(REPO)}.json`]);
    const second = await cachedApiDeclarations(REPO, cache);
    expect(new Map(second)).toEqual(new Map(first));
    await writeFile(join(cache, entries[0]!), '{"truncated');
    const third = await cachedApiDeclarations(REPO, cache);
    expect(third.size).toBe(first.size);
    expect(await readdir(cache)).toEqual(entries);
  });

  it('changes its key when a source file changes, and keeps one entry', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'voxbook-dts-repo-'));
    dirs.push(repo);
    await writeFile(join(repo, 'index.ts'), 'export const a = 1;\n');
    const before = await apiDeclarationsKey(repo);
    expect(await apiDeclarationsKey(repo)).toBe(before);
    await writeFile(join(repo, 'index.ts'), 'export const a = 12;\n');
    await utimes(join(repo, 'index.ts'), new Date(), new Date(Date.now() + 5000));
    expect(await apiDeclarationsKey(repo)).not.toBe(before);
  });
});
