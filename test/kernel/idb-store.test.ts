import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { checksum, IdbResultStore } from '../../kernel/browser/idb-store.ts';
import { hashBytes, httpStampHolds, type Fetch } from '../../kernel/browser/http-stamps.ts';
import { PersistentCache, type StoredResult } from '../../kernel/store.ts';
import { Kernel } from '../../kernel/runtime.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';

let dbCount = 0;
const dbName = () => `vb-idb-test-${++dbCount}-${Math.random().toString(36).slice(2)}`;

function entry(values: Record<string, unknown>, files: StoredResult['files'] = []): StoredResult {
  return { values, outputs: [{ data: { 'text/plain': 'hi' } }], ms: 12.5, files };
}

/** The raw records of the store's database (as another tab, or damage, would leave them). */
async function raw(name: string) {
  const db = await openDB(name);
  return {
    keys: async (store: 'entries' | 'meta') => (await db.getAllKeys(store)).map(String).sort(),
    get: (store: 'entries' | 'meta', key: string) => db.get(store, key) as Promise<Record<string, unknown> | undefined>,
    put: (store: 'entries' | 'meta', value: unknown) => db.put(store, value),
    close: () => db.close(),
  };
}

/** A tiny HTTP server for stamps: url → bytes and an ETag; counts GETs. */
function fakeServer() {
  const files = new Map<string, { bytes: Uint8Array; etag?: string }>();
  const gets: string[] = [];
  const fetchFn: Fetch = async (url, init) => {
    const f = files.get(url);
    if (!f) return new Response('not here', { status: 404, headers: { 'content-type': 'text/plain' } });
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(f.bytes.length) };
    if (f.etag) headers['etag'] = f.etag;
    if (init?.method === 'HEAD') return new Response(null, { status: 200, headers });
    gets.push(url);
    return new Response(f.bytes.slice() as Uint8Array<ArrayBuffer>, { status: 200, headers });
  };
  return { files, gets, fetchFn };
}

describe('IdbResultStore', () => {
  it('round-trips values with typed arrays, and a second store (another tab) on the same database reads them', async () => {
    const name = dbName();
    const a = new IdbResultStore({ name });
    const v = { vox: new Int16Array([1, -2, 3]), mesh: { positions: new Float32Array([0.5, 1.5]) }, n: 3, s: 'x', m: new Map([[1, 'a']]), big: 10n };
    await a.save('k1', entry(v));
    const b = new IdbResultStore({ name });
    const got = await b.load('k1');
    expect(got?.values).toEqual(v);
    expect(got?.values.vox).toBeInstanceOf(Int16Array);
    expect(got?.ms).toBe(12.5);
    expect(got?.outputs).toEqual([{ data: { 'text/plain': 'hi' } }]);
    expect(await a.load('nope')).toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });

  it('stores the values as they were at save, before and after the database is open', async () => {
    const name = dbName();
    const s = new IdbResultStore({ name });
    const first = { x: new Float64Array([1, 2, 3]) };
    const p1 = s.save('before-open', entry(first));
    first.x[0] = 99;
    await p1;
    const second = { x: new Float64Array([4, 5, 6]) };
    const p2 = s.save('open', entry(second));
    second.x[0] = 99;
    await p2;
    expect((await s.load('before-open'))?.values.x).toEqual(new Float64Array([1, 2, 3]));
    expect((await s.load('open'))?.values.x).toEqual(new Float64Array([4, 5, 6]));
    await s.close();
  });

  it('writes an entry and its meta together: one record each, nothing from a refused write', async () => {
    const name = dbName();
    const s = new IdbResultStore({ name });
    await Promise.all([s.save('k', entry({ a: 1 })), s.save('k', entry({ a: 1 }))]);
    await s.load('k'); // opened now: the next save clones in put()
    expect(() => s.save('f', entry({ f: () => 1 }))).toThrow(/clone/i);
    await s.save('g', entry({ a: 2 }));
    const r = await raw(name);
    expect(await r.keys('entries')).toEqual(['g', 'k']);
    expect(await r.keys('meta')).toEqual(['g', 'k']);
    r.close();
    await s.close();
  });

  it('treats a damaged entry as a miss and deletes it with its meta', async () => {
    const name = dbName();
    const s = new IdbResultStore({ name });
    const good = () => s.save('k', entry({ big: new Float64Array(1000).fill(7), t: 'x' }));
    await good();
    const r = await raw(name);
    const damages: Array<(rec: Record<string, unknown>) => unknown> = [
      // A typed array cut short (as a truncated write would leave it).
      (rec) => ({ ...rec, values: { big: new Float64Array(999).fill(7), t: 'x' } }),
      // A typed array gone.
      (rec) => ({ ...rec, values: { t: 'x' } }),
      // One bit flipped in a typed array, or a string changed: same sizes, another checksum.
      (rec) => {
        const big = new Float64Array(1000).fill(7);
        new Uint8Array(big.buffer)[4000] ^= 0x10;
        return { ...rec, values: { big, t: 'x' } };
      },
      (rec) => ({ ...rec, values: { big: new Float64Array(1000).fill(7), t: 'y' } }),
      (rec) => ({ ...rec, outputs: [{ data: { 'text/plain': 'ho' } }] }),
      // A record of another format, or without outputs, values or time.
      (rec) => ({ ...rec, format: 0 }),
      (rec) => ({ ...rec, outputs: 'hi' }),
      (rec) => ({ ...rec, values: null }),
      (rec) => ({ ...rec, ms: undefined }),
    ];
    for (const damage of damages) {
      await good();
      const rec = (await r.get('entries', 'k'))!;
      await r.put('entries', damage(rec));
      expect(await s.load('k')).toBeUndefined();
      expect(await r.keys('entries')).toEqual([]);
      expect(await r.keys('meta')).toEqual([]);
    }
    // A read that throws (a record the browser cannot read back) is a miss too, and deleted.
    await good();
    const proto = (globalThis as unknown as { IDBObjectStore: { prototype: { get: (...a: unknown[]) => unknown } } }).IDBObjectStore.prototype;
    const get = proto.get;
    proto.get = function () {
      proto.get = get;
      throw new DOMException('the record is damaged', 'DataError');
    };
    expect(await s.load('k')).toBeUndefined();
    expect(await r.keys('entries')).toEqual([]);
    r.close();
    await s.close();
  });

  it('reuses a result that read files over HTTP only while they are unchanged (HEAD, then re-hash)', async () => {
    const name = dbName();
    const srv = fakeServer();
    const url = 'http://127.0.0.1:1/data/input.bin';
    srv.files.set(url, { bytes: new TextEncoder().encode('abcdef'), etag: 'W/"6-1"' });
    const s = new IdbResultStore({ name, fetch: srv.fetchFn });
    const read = { kind: 'file' as const, path: url, size: 6, mtimeMs: 0, bytes: new TextEncoder().encode('abcdef'), validator: 'W/"6-1"' };
    const stamp = s.stamp(read);
    expect(stamp).toEqual({ kind: 'file', path: url, size: 6, mtimeMs: 0, hash: hashBytes(read.bytes), validator: 'W/"6-1"' });
    await s.save('k', entry({ a: 1 }, [stamp]));
    // Same size and validator: a hit on HEAD alone, no download.
    expect(await s.load('k')).toBeDefined();
    expect(srv.gets).toEqual([]);
    // Touched (new validator), same bytes: a hit after one download and re-hash.
    srv.files.set(url, { bytes: new TextEncoder().encode('abcdef'), etag: 'W/"6-2"' });
    expect(await s.load('k')).toBeDefined();
    expect(srv.gets).toEqual([url]);
    // One byte edited, same size: a miss.
    srv.files.set(url, { bytes: new TextEncoder().encode('abcdeX'), etag: 'W/"6-3"' });
    expect(await s.load('k')).toBeUndefined();
    // A server without validators: every lookup re-hashes.
    srv.files.set(url, { bytes: new TextEncoder().encode('abcdef') });
    expect(await s.load('k')).toBeDefined();
    expect(srv.gets.length).toBe(3);
    // Gone (404): a miss.
    srv.files.delete(url);
    expect(await s.load('k')).toBeUndefined();
    // A result that fell back because a file was missing holds while it is missing.
    await s.save('m', entry({ a: 2 }, [s.stamp({ kind: 'missing', path: url })]));
    expect(await s.load('m')).toBeDefined();
    srv.files.set(url, { bytes: new Uint8Array(3) });
    expect(await s.load('m')).toBeUndefined();
    await s.close();
  });

  it('never trusts a file it cannot ask about', async () => {
    const stamp = { kind: 'file' as const, path: 'http://x/a', size: 1, mtimeMs: 0, hash: hashBytes(new Uint8Array(1)), validator: 'v' };
    expect(await httpStampHolds(stamp, async () => { throw new TypeError('Failed to fetch'); })).toBe(false);
    // An HTML fallback page (a single-page app's answer to a path it does not have) is not the file.
    const html: Fetch = async () => new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html', etag: 'v', 'content-length': '1' } });
    expect(await httpStampHolds(stamp, html)).toBe(false);
    expect(await httpStampHolds({ kind: 'missing', path: 'http://x/a', size: 0, mtimeMs: 0, hash: '' }, html)).toBe(true);
    expect(await httpStampHolds({ kind: 'dir', path: 'http://x/', size: 1, mtimeMs: 0, hash: '' }, html)).toBe(false);
  });

  it('keeps the database under its cap, least recently used first', async () => {
    const name = dbName();
    const s = new IdbResultStore({ name, maxBytes: 25_000 });
    const v = () => ({ x: new Uint8Array(8000) });
    await s.save('a', entry(v()));
    await s.save('b', entry(v()));
    expect(await s.load('a')).toBeDefined(); // b is now the least recently used
    await s.save('c', entry(v()));
    await s.save('d', entry(v()));
    const usage = await s.usage();
    expect(Object.keys(usage.sizes).sort()).toEqual(['a', 'c', 'd'].filter((k) => k in usage.sizes).sort());
    expect(usage.sizes).not.toHaveProperty('b');
    expect(usage.sizes).toHaveProperty('d');
    expect(usage.bytes).toBeLessThanOrEqual(25_000);
    expect(usage.sizes['d']).toBeGreaterThan(8000);
    const r = await raw(name);
    expect(await r.keys('entries')).toEqual(await r.keys('meta'));
    r.close();
    await s.close();
  });

  it('when the browser refuses a write for quota, drops the least recently used half and writes again', async () => {
    const name = dbName();
    const s = new IdbResultStore({ name });
    for (const k of ['a', 'b', 'c', 'd']) await s.save(k, entry({ x: new Uint8Array(8000) }));
    expect(await s.load('a')).toBeDefined(); // b, c, d are now older than a
    // The next write's transaction aborts with QuotaExceededError, as a full origin's would.
    const proto = (globalThis as unknown as { IDBObjectStore: { prototype: { put: (...a: unknown[]) => unknown } } }).IDBObjectStore.prototype;
    const put = proto.put;
    proto.put = function (this: { transaction: IDBTransaction }, ...args: unknown[]) {
      proto.put = put;
      const request = put.apply(this, args) as IDBRequest;
      const tx = this.transaction;
      request.addEventListener('success', () => {
        Object.defineProperty(tx, 'error', { value: new DOMException('the origin is over its quota', 'QuotaExceededError') });
        tx.abort();
      });
      return request;
    };
    await s.save('e', entry({ x: new Uint8Array(8000) }));
    const usage = await s.usage();
    expect(Object.keys(usage.sizes).sort()).toEqual(['a', 'd', 'e']);
    expect((await s.load('e'))?.values).toEqual({ x: new Uint8Array(8000) });
    await s.close();
  });

  it('two tabs writing, reading and evicting at once never see half an entry or a wrong value', async () => {
    const name = dbName();
    const tabs = [new IdbResultStore({ name, maxBytes: 60_000 }), new IdbResultStore({ name, maxBytes: 60_000 })];
    const valueOf = (k: number) => ({ x: new Float64Array(1000).fill(k), k });
    const ops: Array<Promise<unknown>> = [];
    const seen: Array<{ key: number; got: StoredResult | undefined }> = [];
    for (let i = 0; i < 60; i++) {
      const tab = tabs[i % 2]!;
      const k = i % 12;
      if (i % 3 === 2) ops.push(tab.load(`k${k}`).then((got) => seen.push({ key: k, got })));
      else ops.push(tab.save(`k${k}`, entry(valueOf(k))));
    }
    await Promise.all(ops);
    expect(seen.length).toBe(20);
    for (const { key, got } of seen) if (got) expect(got.values).toEqual(valueOf(key));
    for (const t of tabs) expect((await t.usage()).bytes).toBeLessThanOrEqual(60_000);
    const r = await raw(name);
    expect(await r.keys('entries')).toEqual(await r.keys('meta'));
    r.close();
    await Promise.all(tabs.map((t) => t.close()));
  });

  it('lets another tab open a newer version of the database instead of blocking it', async () => {
    const name = dbName();
    const s = new IdbResultStore({ name });
    await s.save('k', entry({ a: 1 }));
    const newer = await openDB(name, 2, { blocked: () => { throw new Error('blocked'); } });
    expect(newer.version).toBe(2);
    newer.close();
    // This (older) store now cannot open the database: its lookups fail, and PersistentCache takes that as a miss.
    const cache = new PersistentCache(2 ** 20, s);
    expect(await cache.lookup('k', () => 0)).toBeUndefined();
  });
});

describe('checksum', () => {
  it('is equal after a structured clone and changes with any byte, string or key', () => {
    const buf = new ArrayBuffer(64);
    const x = {
      a: new Int16Array(buf, 2, 5).fill(-3), b: new Uint8Array(buf), m: new Map<unknown, unknown>([[1, new Set(['x', 2n])]]),
      d: new Date(5), e: new RangeError('r'), nested: [1, -0, NaN, undefined, null, 'é', { k: true }],
    };
    expect(checksum(structuredClone(x))).toBe(checksum(x));
    const y = structuredClone(x);
    y.b[63] = 1;
    expect(checksum(y)).not.toBe(checksum(x));
    expect(checksum({ ...x, nested: [1, 0, NaN, undefined, null, 'é', { k: true }] })).not.toBe(checksum(x));
    expect(checksum({ b: 1, a: 2 })).not.toBe(checksum({ a: 1, b: 2 }));
    expect(checksum(['ab', 'c'])).not.toBe(checksum(['a', 'bc']));
  });
});

describe('Kernel with the IndexedDB store', () => {
  const NB = `// %% id="a"\nconst a = new Float32Array([1, 2, 3]);\n// %% id="b"\nconst b = a.length * 2;\nb\n// %% id="f"\nconst f = () => b;\n`;

  async function runOnce(name: string) {
    const msgs: KernelMessage[] = [];
    const k = new Kernel({ importModule: async () => ({}), store: new IdbResultStore({ name }) }, (m) => msgs.push(m));
    await k.open(NB);
    await k.run();
    return msgs;
  }

  it('a second kernel (a reloaded page) takes every persistable cell from it', async () => {
    const name = dbName();
    const first = await runOnce(name);
    expect(first.filter((m) => m.type === 'cell' && m.status === 'running').length).toBe(3);
    const second = await runOnce(name);
    const ran = second.filter((m) => m.type === 'cell' && m.status === 'running').map((m) => (m as { id: string }).id);
    expect(ran).toEqual(['f']);
    const b = second.find((m) => m.type === 'cell' && m.id === 'b' && m.status === 'done') as { cached: boolean; outputs: unknown };
    expect(b.cached).toBe(true);
    expect(JSON.stringify(b.outputs)).toContain('6');
  });
});
