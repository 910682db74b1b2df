/**
 * kernel/node/typescript.cjs: TypeScript loaded with V8's code cache. In fresh processes with
 * their own TMPDIR: the first start writes the cache, the next ones read it, and a damaged
 * cache file is rejected by V8 and written again — the compiler works the same every time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SHIM = resolve(import.meta.dirname, '../../kernel/node/typescript.cjs');
const PROBE = `const ts = require(${JSON.stringify(SHIM)}); process.stdout.write(JSON.stringify([ts.version, ts.transpileModule('const a: number = 1; export const b = a as unknown as string;', { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText]));`;

describe('TypeScript through the V8 code cache', () => {
  it('writes the cache once, reads it after, survives a damaged one, and always compiles alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vb-tscache-'));
    try {
      const run = () => JSON.parse(execFileSync(process.execPath, ['-e', PROBE], { env: { ...process.env, TMPDIR: dir }, encoding: 'utf8' })) as [string, string];
      const first = run();
      expect(first[1]).toContain('export const b = a;');
      const cacheDir = readdirSync(dir).find((d) => d.startsWith('voxbook-v8-'))!;
      const files = readdirSync(join(dir, cacheDir));
      expect(files).toHaveLength(1);
      const file = join(dir, cacheDir, files[0]!);
      expect(statSync(file).size).toBeGreaterThan(100_000);
      const written = statSync(file).mtimeMs;
      expect(run()).toEqual(first);
      expect(statSync(file).mtimeMs).toBe(written); // read, not rewritten
      writeFileSync(file, 'not a V8 code cache');
      expect(run()).toEqual(first);
      expect(statSync(file).size).toBeGreaterThan(100_000); // rejected, then written again
      expect(readdirSync(join(dir, cacheDir))).toHaveLength(1); // no partial files left
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
