import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeResultStore } from '../../kernel/node/store.ts';
import { PersistentCache, resultKey, unpersistable, type StoredResult } from '../../kernel/store.ts';
import { Kernel } from '../../kernel/runtime.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'vb-store-'));

function entry(values: Record<string, unknown>, files: StoredResult['files'] = []): StoredResult {
  return { values, outputs: [{ data: { 'text/plain': 'hi' } }], ms: 12.5, files };
}

function fileRead(path: string) {
  const bytes = new Uint8Array(readFileSync(path));
  const st = statSync(path);
  return { kind: 'file' as const, path, size: st.size, mtimeMs: st.mtimeMs, bytes };
}

describe('NodeResultStore', () => {
  it('round-trips values with typed arrays, and a second store on the same folder reads them', async () => {
    const d = dir();
    const a = new NodeResultStore(d);
    const v = { vox: new Int16Array([1, -2, 3]), mesh: { positions: new Float32Array([0.5, 1.5]) }, n: 3, s: 'x', m: new Map([[1, 'a']]) };
    await a.save('k1', entry(v));
    const got = await new NodeResultStore(d).load('k1');
    expect(got?.values).toEqual(v);
    expect(got?.values.vox).toBeInstanceOf(Int16Array);
    expect(got?.ms).toBe(12.5);
    expect(got?.outputs).toEqual([{ data: { 'text/plain': 'hi' } }]);
    expect(await a.load('nope')).toBeUndefined();
  });

  it('writes atomically: no temporary file is left behind', async () => {
    const d = dir();
    const s = new NodeResultStore(d);
    await Promise.all([s.save('k', entry({ a: 1 })), s.save('k', entry({ a: 1 }))]);
    expect(readdirSync(d)).toEqual(['k.vbc']);
  });

  it('treats a truncated entry as a miss and deletes it', async () => {
    const d = dir();
    const s = new NodeResultStore(d);
    await s.save('k', entry({ big: new Float64Array(1000).fill(7) }));
    const p = s.pathOf('k');
    for (const len of [statSync(p).size - 1, 30, 5, 0]) {
      await s.save('k', entry({ big: new Float64Array(1000).fill(7) }));
      truncateSync(p, len);
      expect(await s.load('k')).toBeUndefined();
      expect(readdirSync(d)).toEqual([]);
    }
  });

  it('treats a bit-flipped entry as a miss and deletes it (header or payload)', async () => {
    const d = dir();
    const s = new NodeResultStore(d);
    const p = s.pathOf('k');
    for (const at of [3, 14, -10, -4000]) {
      await s.save('k', entry({ big: new Float64Array(1000).fill(7) }));
      const b = readFileSync(p);
      const i = at < 0 ? b.length + at : at;
      b[i] = b[i]! ^ 0x10;
      writeFileSync(p, b);
      expect(await s.load('k')).toBeUndefined();
      expect(readdirSync(d)).toEqual([]);
    }
    // An entry file holding another key is not a hit either.
    await s.save('k', entry({ a: 1 }));
    writeFileSync(s.pathOf('other'), readFileSync(p));
    expect(await s.load('other')).toBeUndefined();
  });

  it('reuses a result only while the files it read are unchanged (size+mtime, then hash)', async () => {
    const d = dir();
    const f = join(dir(), 'input.bin');
    writeFileSync(f, 'abcdef');
    const s = new NodeResultStore(d);
    await s.save('k', entry({ a: 1 }, [s.stamp(fileRead(f))]));
    expect(await s.load('k')).toBeDefined();
    // Touched but the same bytes: still a hit (the hash is checked because mtime changed).
    utimesSync(f, new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(await s.load('k')).toBeDefined();
    // One byte edited, same size: a miss.
    writeFileSync(f, 'abcdeX');
    expect(await s.load('k')).toBeUndefined();
    // Deleted: a miss.
    writeFileSync(f, 'abcdef');
    expect(await s.load('k')).toBeDefined();
    const { rmSync } = await import('node:fs');
    rmSync(f);
    expect(await s.load('k')).toBeUndefined();
  });

  it('reuses a result that listed a folder only while its file names are the same', async () => {
    const d = dir();
    const folder = dir();
    writeFileSync(join(folder, 'a.dcm'), 'a');
    const s = new NodeResultStore(d);
    await s.save('k', entry({ a: 1 }, [s.stamp({ kind: 'dir', path: folder, names: ['a.dcm'] })]));
    expect(await s.load('k')).toBeDefined();
    writeFileSync(join(folder, 'b.dcm'), 'b');
    expect(await s.load('k')).toBeUndefined();
  });

  it('keeps the folder under its cap, least recently used first', async () => {
    const d = dir();
    const s = new NodeResultStore(d, { maxBytes: 25_000 });
    const v = () => ({ x: new Uint8Array(8000) });
    await s.save('a', entry(v()));
    await s.save('b', entry(v()));
    // Make a old and b older, then use a: b is now the least recently used.
    utimesSync(s.pathOf('a'), new Date(2000, 1, 1), new Date(2000, 1, 1));
    utimesSync(s.pathOf('b'), new Date(1999, 1, 1), new Date(1999, 1, 1));
    expect(await s.load('a')).toBeDefined();
    await s.save('c', entry(v()));
    await s.save('d', entry(v()));
    expect(readdirSync(d).sort()).toEqual(['a.vbc', 'c.vbc', 'd.vbc'].filter((n) => readdirSync(d).includes(n)));
    expect(readdirSync(d)).not.toContain('b.vbc');
    expect(readdirSync(d)).toContain('d.vbc');
    const total = readdirSync(d).reduce((n, f) => n + statSync(join(d, f)).size, 0);
    expect(total).toBeLessThanOrEqual(25_000);
  });
});

describe('unpersistable', () => {
  it('accepts plain data, typed arrays and clone builtins', () => {
    expect(unpersistable({ a: [1, 'x', null, undefined], t: new Float32Array(2), d: new Date(0), m: new Map([[1, new Set([2])]]), e: new Error('x'), big: 10n })).toBeUndefined();
  });
  it('names what would not come back equal', () => {
    expect(unpersistable({ f: () => 1 })).toMatch(/value\.f is a function/);
    class Model { predict() { return 1; } }
    expect(unpersistable({ m: [new Model()] })).toMatch(/value\.m\[0\] is an instance of Model/);
    expect(unpersistable({ [Symbol.for('voxbook.mime')]: 1 })).toMatch(/symbol-keyed/);
    expect(unpersistable(new Map([[1, () => 2]]))).toMatch(/function/);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(unpersistable(cyclic)).toBeUndefined();
  });
});

describe('PersistentCache', () => {
  it('writes through, reads through, and does not persist unserialisable values (debug log)', async () => {
    const d = dir();
    const logs: string[] = [];
    const c = new PersistentCache(2 ** 20, new NodeResultStore(d), (t) => logs.push(t));
    c.set('good', { values: { a: new Uint8Array([1]) }, outputs: [], ms: 3, bytes: 1 });
    c.set('bad', { values: { f: () => 1 }, outputs: [], ms: 3, bytes: 0 }, undefined, 'model');
    await c.flush();
    expect(readdirSync(d)).toEqual(['good.vbc']);
    expect(logs.join('\n')).toMatch(/cell "model" is not persisted: values\.f is a function/);
    expect(c.get('bad')).toBeDefined(); // still in memory for this session
    const fresh = new PersistentCache(2 ** 20, new NodeResultStore(d));
    const hit = await fresh.lookup('good', () => 1);
    expect(hit?.values).toEqual({ a: new Uint8Array([1]) });
    expect(await fresh.lookup('bad', () => 0)).toBeUndefined();
    fresh.delete('good');
    await fresh.flush();
    expect(readdirSync(d)).toEqual([]);
  });

  it('gives a result that read files an identity that includes their hashes', () => {
    const f = { kind: 'file' as const, path: '/x', size: 1, mtimeMs: 1, hash: 'aa' };
    expect(resultKey('k', [])).toBe('k');
    expect(resultKey('k', [f])).not.toBe(resultKey('k', [{ ...f, hash: 'bb' }]));
  });
});

describe('Kernel with a store', () => {
  const NB = `// %% id="a"\nconst a = new Float32Array([1, 2, 3]);\n// %% id="b"\nconst b = a.length * 2;\nb\n// %% id="f"\nconst f = () => b;\n`;

  async function runOnce(d: string) {
    const msgs: KernelMessage[] = [];
    const k = new Kernel({ importModule: async () => ({}), store: new NodeResultStore(d) }, (m) => msgs.push(m));
    await k.open(NB);
    await k.run();
    return msgs;
  }

  it('a second kernel on the same folder takes every persistable cell from it', async () => {
    const d = dir();
    const first = await runOnce(d);
    expect(first.filter((m) => m.type === 'cell' && m.status === 'running').length).toBe(3);
    const second = await runOnce(d);
    const ran = second.filter((m) => m.type === 'cell' && m.status === 'running').map((m) => (m as { id: string }).id);
    // "f" holds a function: it is not persisted, so it runs again (from the cached "b").
    expect(ran).toEqual(['f']);
    const b = second.find((m) => m.type === 'cell' && m.id === 'b' && m.status === 'done') as { cached: boolean; ms: number; outputs: unknown };
    expect(b.cached).toBe(true);
    expect(JSON.stringify(b.outputs)).toContain('6');
  });
});
