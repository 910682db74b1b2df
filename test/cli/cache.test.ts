/** `voxbook run` with the persistent cache (kernel/node/store.ts), as a user runs it. */
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, tempDir, voxbook, writeNotebook } from './helpers.ts';

/** Cells that printed `✓ <id> … cached`, and those that ran (`✓ <id> <n> ms`). */
function lines(stdout: string): { cached: string[]; ran: string[] } {
  const cached: string[] = [];
  const ran: string[] = [];
  for (const l of stdout.split('\n')) {
    const m = /^✓ (\S+)\s+(cached|\d+ ms)/.exec(l);
    if (m) (m[2] === 'cached' ? cached : ran).push(m[1]!);
  }
  return { cached, ran };
}

const exported = (out: string, name: string) => readFileSync(join(out, name), 'utf8');

/** Entry files of cell results in a cache folder (not the cells' analyses or executed notebooks, also kept there). */
const resultEntries = (cache: string) => readdirSync(cache).filter((f) => /^[0-9a-f]+\.vbc$/.test(f));

describe('voxbook run with a persistent cache', () => {
  const SMALL = (file: string) => `// %% id="read"
import { readBytes } from 'voxbook';
const text = new TextDecoder().decode(await readBytes(${JSON.stringify(file)}));
// %% id="big"
const big = new Float64Array(2000).map((_, i) => i * text.length);
// %% id="out"
const sum = big.reduce((s, x) => s + x, 0);
display({ [Symbol.for('voxbook.mime')]: () => ({ data: { 'application/vnd.voxbook.file+json': { name: 'sum.txt', mime: 'text/plain', bytes: new TextEncoder().encode(String(sum)) } } }) });
`;

  it('re-runs a cell that fell back because a file was missing, once the file appears (a sample fetched after a phantom run)', async () => {
    const input = join(tempDir('vb-in-'), 'later.txt');
    const nb = writeNotebook(`// %% id="probe"
import { exists, readBytes } from 'voxbook';
const found = (await exists(${JSON.stringify(input)})) ? new TextDecoder().decode(await readBytes(${JSON.stringify(input)})) : 'fallback';
display({ [Symbol.for('voxbook.mime')]: () => ({ data: { 'application/vnd.voxbook.file+json': { name: 'found.txt', mime: 'text/plain', bytes: new TextEncoder().encode(found) } } }) });
`);
    const out = tempDir();
    expect((await voxbook(['run', nb, '--out', out])).code).toBe(0);
    expect(exported(out, 'found.txt')).toBe('fallback');
    const again = await voxbook(['run', nb, '--out', out]);
    expect(lines(again.stdout)).toEqual({ cached: ['probe'], ran: [] });
    writeFileSync(input, 'real data');
    const after = await voxbook(['run', nb, '--out', out]);
    expect(after.code, after.stderr).toBe(0);
    expect(lines(after.stdout).ran).toEqual(['probe']);
    expect(exported(out, 'found.txt')).toBe('real data');
  });

  it('reuses results across processes, with their original time, and re-runs when a file read changes', async () => {
    const input = join(tempDir('vb-in-'), 'in.txt');
    writeFileSync(input, 'abc');
    const nb = writeNotebook(SMALL(input));
    const out = tempDir();
    const first = await voxbook(['run', nb, '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    expect(lines(first.stdout).ran).toEqual(['read', 'big', 'out']);
    expect(exported(out, 'sum.txt')).toBe(String(1999 * 2000 / 2 * 3));
    // The default place: .voxbook/cache beside the notebook.
    expect(resultEntries(join(dirname(nb), '.voxbook', 'cache')).length).toBe(3);

    const second = await voxbook(['run', nb, '--out', out]);
    expect(second.code, second.stderr).toBe(0);
    expect(lines(second.stdout)).toEqual({ cached: ['read', 'big', 'out'], ran: [] });
    expect(second.stdout).toMatch(/✓ read\s+cached \(ran in \d+ ms\)/);
    expect(exported(out, 'sum.txt')).toBe(String(1999 * 2000 / 2 * 3));

    // Same size, new content: the reading cell and everything after it run again.
    writeFileSync(input, 'abcd');
    const third = await voxbook(['run', nb, '--out', out]);
    expect(third.code, third.stderr).toBe(0);
    expect(lines(third.stdout).ran).toEqual(['read', 'big', 'out']);
    expect(exported(out, 'sum.txt')).toBe(String(1999 * 2000 / 2 * 4));
    writeFileSync(input, 'abce');
    const fourth = await voxbook(['run', nb, '--out', out]);
    expect(lines(fourth.stdout).ran).toEqual(['read', 'big', 'out']);
    expect(exported(out, 'sum.txt')).toBe(String(1999 * 2000 / 2 * 4));
  }, 120_000);

  it('recovers from truncated and bit-flipped entries: a miss, re-computed, never a crash or a wrong value', async () => {
    const input = join(tempDir('vb-in-'), 'in.txt');
    writeFileSync(input, 'xy');
    const nb = writeNotebook(SMALL(input));
    const cache = tempDir('vb-cache-');
    const out = tempDir();
    expect((await voxbook(['run', nb, '--out', out, '--cache', cache])).code).toBe(0);
    const files = resultEntries(cache).map((f) => join(cache, f)).sort((a, b) => statSync(b).size - statSync(a).size);
    expect(files.length).toBe(3);
    // The largest (the Float64Array) truncated, the others bit-flipped in their payload.
    truncateSync(files[0]!, Math.floor(statSync(files[0]!).size / 2));
    for (const f of files.slice(1)) {
      const b = readFileSync(f);
      b[b.length - 3] = b[b.length - 3]! ^ 0x01;
      writeFileSync(f, b);
    }
    const r = await voxbook(['run', nb, '--out', out, '--cache', cache]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).ran).toEqual(['read', 'big', 'out']);
    expect(exported(out, 'sum.txt')).toBe(String(1999 * 2000 / 2 * 2));
    const again = await voxbook(['run', nb, '--out', out, '--cache', cache]);
    expect(lines(again.stdout).cached).toEqual(['read', 'big', 'out']);
  }, 120_000);

  it('two concurrent runs on one cache both succeed, and a third takes everything from it', async () => {
    const input = join(tempDir('vb-in-'), 'in.txt');
    writeFileSync(input, 'abc');
    const nb = writeNotebook(SMALL(input));
    const cache = tempDir('vb-cache-');
    const [a, b] = await Promise.all([
      voxbook(['run', nb, '--out', tempDir(), '--cache', cache]),
      voxbook(['run', nb, '--out', tempDir(), '--cache', cache]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(resultEntries(cache)).toHaveLength(3);
    expect(readdirSync(cache).filter((f) => f.includes('.tmp-'))).toEqual([]); // no temporary files left
    const out = tempDir();
    const c = await voxbook(['run', nb, '--out', out, '--cache', cache]);
    expect(lines(c.stdout).cached).toEqual(['read', 'big', 'out']);
    expect(exported(out, 'sum.txt')).toBe(String(1999 * 2000 / 2 * 3));
  }, 120_000);

  it('keeps the cache folder under --cache-max-gb', async () => {
    const nb = writeNotebook(`// %% id="a"\nconst a = new Uint8Array(300_000).fill(1);\n// %% id="b"\nconst b = new Uint8Array(300_000).fill(2);\n// %% id="c"\nconst c = new Uint8Array(300_000).fill(3);\n`);
    const cache = tempDir('vb-cache-');
    const cap = 700_000 / 2 ** 30;
    const r = await voxbook(['run', nb, '--out', tempDir(), '--cache', cache, '--cache-max-gb', String(cap)]);
    expect(r.code, r.stderr).toBe(0);
    expect(resultEntries(cache)).toHaveLength(2);
    const sizes = readdirSync(cache).map((f) => statSync(join(cache, f)).size);
    expect(sizes.reduce((s, n) => s + n, 0)).toBeLessThanOrEqual(700_000);
  }, 60_000);

  it('--no-cache neither reads nor writes a cache', async () => {
    const nb = writeNotebook(`// %% id="a"\nconst a = 1;\n`);
    const r1 = await voxbook(['run', nb, '--out', tempDir(), '--no-cache']);
    expect(r1.code, r1.stderr).toBe(0);
    expect(existsSync(join(dirname(nb), '.voxbook'))).toBe(false);
    expect((await voxbook(['run', nb, '--out', tempDir()])).code).toBe(0);
    const r2 = await voxbook(['run', nb, '--out', tempDir(), '--no-cache']);
    expect(lines(r2.stdout)).toEqual({ cached: [], ran: ['a'] });
  }, 60_000);

  it('does not persist a cell whose values cannot be serialised, and says so in the debug log', async () => {
    const nb = writeNotebook(`// %% id="a"\nclass Model { predict() { return 1; } }\nconst m = new Model();\n// %% id="b"\nconst n = m.predict();\n`);
    const cache = tempDir('vb-cache-');
    const r = await voxbook(['run', nb, '--out', tempDir(), '--cache', cache]);
    expect(r.code, r.stderr).toBe(0);
    expect(resultEntries(cache)).toHaveLength(1);
    process.env.VOXBOOK_DEBUG = 'cache';
    const again = await voxbook(['run', nb, '--out', tempDir(), '--cache', cache]).finally(() => delete process.env.VOXBOOK_DEBUG);
    expect(again.code, again.stderr).toBe(0);
    // "a" runs again; "b" (a number, keyed by the cell that made m) is still taken from the cache.
    expect(lines(again.stdout)).toEqual({ cached: ['b'], ran: ['a'] });
    expect(again.stderr).toMatch(/cell "a" is not persisted: values\.\w+ is (a function|an instance of Model)/);
  }, 60_000);
});

describe('voxbook run notebooks/ct-to-print.nb.ts with a cache', () => {
  const NB = join(ROOT, 'notebooks/ct-to-print.nb.ts');

  it('a second run executes no cell and is faster; -p minHu re-runs only what reads it; a changed DICOM byte re-runs load', async () => {
    const dicom = tempDir('vb-dicom-');
    cpSync(join(ROOT, 'data/ct-head-0051-dicom'), dicom, { recursive: true });
    const cache = tempDir('vb-cache-');
    const args = (...more: string[]) => ['run', NB, '--out', tempDir(), '--cache', cache, '-p', `input=${dicom}`, ...more];
    const first = await voxbook(args());
    expect(first.code, first.stderr).toBe(0);
    expect(lines(first.stdout).ran).toEqual(['parameters', 'load', 'describe', 'histogram', 'preview', 'segment', 'mesh', 'validate', 'printability', 'export']);
    const second = await voxbook(args());
    expect(second.code, second.stderr).toBe(0);
    expect(lines(second.stdout)).toEqual({ cached: ['parameters', 'load', 'describe', 'histogram', 'preview', 'segment', 'mesh', 'validate', 'printability', 'export'], ran: [] });
    console.log(`ct-to-print: first run ${first.ms.toFixed(0)} ms, cached run ${second.ms.toFixed(0)} ms (${(first.ms / second.ms).toFixed(1)}×)`);
    // The goal is 5× (measured ~5× here); asserted with margin so a loaded machine does not fail it.
    expect(second.ms).toBeLessThan(first.ms / 2);

    const minHu = await voxbook(args('-p', 'minHu=300'));
    expect(minHu.code, minHu.stderr).toBe(0);
    const m = lines(minHu.stdout);
    expect(m.cached).toEqual(['load', 'describe']);
    expect(m.ran).toEqual(['parameters', 'histogram', 'preview', 'segment', 'mesh', 'validate', 'printability', 'export']);

    const file = join(dicom, 'IMG0050.dcm');
    const b = readFileSync(file);
    b[b.length - 1] = b[b.length - 1]! ^ 0x01; // one pixel's low bit
    writeFileSync(file, b);
    const edited = await voxbook(args());
    expect(edited.code, edited.stderr).toBe(0);
    expect(lines(edited.stdout).ran).toContain('load');
    expect(lines(edited.stdout).cached).not.toContain('load');
  }, 300_000);
});
