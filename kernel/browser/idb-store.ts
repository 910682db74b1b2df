/**
 * The browser `ResultStore` (kernel/store.ts): cell results in IndexedDB (through `idb`),
 * the twin of Node's folder store (kernel/node/store.ts). Invariants:
 * - one database (`voxbook-cache` by default) with two object stores keyed by result key:
 *   `entries` (the result: values and outputs as IndexedDB's structured clone keeps them —
 *   typed arrays included, with no serialisation of ours — plus ms, file stamps, and the
 *   sizes it was written with) and `meta` (bytes and last use, indexed by last use, so the
 *   cap is kept without reading any result);
 * - an entry and its meta are written, used and deleted in one transaction, so a reader (this
 *   tab or another) never sees half an entry; two tabs writing one key write the same content
 *   (content-addressed);
 * - an entry is returned only when it is whole: the right format and key, the expected
 *   shape, its typed arrays as many bytes as when written, and the same `checksum` of its
 *   content. Anything else — or a read that throws — is a miss, and the entry is deleted;
 * - the values are cloned when `save` is called (IndexedDB clones at `put`), so a later cell
 *   that mutates them in place cannot change what was stored;
 * - the store is capped at `maxBytes`: after a write the least recently used entries (a hit
 *   makes an entry young) are deleted until it fits; when the browser's quota refuses a write
 *   the oldest half goes and the write is tried once more;
 * - a cell's files are checked over HTTP on lookup (kernel/browser/http-stamps.ts);
 * - a newer version of the database opened in another tab closes this connection (it is
 *   opened again on next use) rather than blocking that tab.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { FileRead, FileStamp, ResultStore, StoredResult } from '../store.ts';
import { hashString } from '../hash.ts';
import { hashBytes, httpStamp, httpStampHolds, type Fetch } from './http-stamps.ts';

/** Default cap of the browser store: 1 GiB (an origin's quota is shared with checkpoints and notebooks). */
export const DEFAULT_IDB_STORE_BYTES = 2 ** 30;
/** Default database name. */
export const DEFAULT_IDB_NAME = 'voxbook-cache';

const FORMAT = 1;
const DB_VERSION = 1;

/** A result as the `entries` store keeps it. */
interface EntryRecord {
  readonly format: number;
  readonly key: string;
  readonly values: Record<string, unknown>;
  readonly outputs: StoredResult['outputs'];
  readonly ms: number;
  readonly files: readonly FileStamp[];
  /** Typed-array bytes reachable from values and outputs when written, and how many arrays. */
  readonly binaryBytes: number;
  readonly arrays: number;
  /** `checksum([values, outputs])` when written. */
  readonly checksum: string;
}

/** What the cap needs of an entry. */
interface MetaRecord {
  readonly key: string;
  /** Estimated size of the stored entry, bytes. */
  readonly bytes: number;
  /** Last write or hit (ms since 1970, kept increasing within a tab). */
  readonly usedAt: number;
}

interface CacheDB extends DBSchema {
  entries: { key: string; value: EntryRecord };
  meta: { key: string; value: MetaRecord; indexes: { usedAt: number } };
}

export interface IdbStoreOptions {
  /** Database name (default `voxbook-cache`). */
  readonly name?: string;
  /** Cap of the store, bytes (default 1 GiB). */
  readonly maxBytes?: number;
  /** Whether a cell's file is unchanged (default: `httpStampHolds` with the global fetch). */
  readonly stampHolds?: (s: FileStamp) => Promise<boolean>;
  /** The fetch `httpStampHolds` uses (ignored with `stampHolds`). */
  readonly fetch?: Fetch;
  /** Where to say why an entry was dropped (damaged, stale, evicted). */
  readonly debug?: (text: string) => void;
}

/** Counts the typed-array bytes and arrays reachable from `x` (each buffer once), and estimates the rest. */
function measure(x: unknown): { binaryBytes: number; arrays: number; bytes: number } {
  let binaryBytes = 0, arrays = 0, other = 0;
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') { other += 2 * v.length + 8; return; }
    if (v === null || typeof v !== 'object') { other += 8; return; }
    if (seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) { binaryBytes += v.byteLength; arrays++; return; }
    if (v instanceof ArrayBuffer) { binaryBytes += v.byteLength; arrays++; return; }
    if (v instanceof Map) { for (const [k, e] of v) { walk(k); walk(e); } return; }
    if (v instanceof Set) { for (const e of v) walk(e); return; }
    other += 16;
    for (const e of Array.isArray(v) ? v : Object.values(v)) walk(e);
  };
  walk(x);
  return { binaryBytes, arrays, bytes: binaryBytes + other };
}

function isQuotaError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'QuotaExceededError';
}

/**
 * The browser `ResultStore`: results in IndexedDB, each written with its meta in one
 * transaction, capped at `maxBytes` least recently used first. A damaged entry is a miss
 * and is deleted; a result whose files changed on the server is a miss.
 */
export class IdbResultStore implements ResultStore {
  readonly name: string;
  readonly maxBytes: number;
  private readonly debug: (text: string) => void;
  private readonly holds: (s: FileStamp) => Promise<boolean>;
  private opening: Promise<IDBPDatabase<CacheDB>> | undefined;
  /** The open connection once `opening` resolved: `save` then puts synchronously (clones at once). */
  private db: IDBPDatabase<CacheDB> | undefined;
  private lastUse = 0;

  constructor(options: IdbStoreOptions = {}) {
    this.name = options.name ?? DEFAULT_IDB_NAME;
    this.maxBytes = options.maxBytes ?? DEFAULT_IDB_STORE_BYTES;
    this.debug = options.debug ?? (() => {});
    const fetchFn = options.fetch;
    this.holds = options.stampHolds ?? ((s) => httpStampHolds(s, fetchFn));
  }

  /** Opens (or re-opens) the database in `globalThis.indexedDB`; resolves to the connection. */
  open(): Promise<IDBPDatabase<CacheDB>> {
    if (this.opening) return this.opening;
    const forget = (connection?: EventTarget | null) => {
      (connection as IDBDatabase | null | undefined)?.close();
      this.db?.close();
      this.db = undefined;
      this.opening = undefined;
    };
    const opening = openDB<CacheDB>(this.name, DB_VERSION, {
      upgrade(db) {
        db.createObjectStore('entries', { keyPath: 'key' });
        db.createObjectStore('meta', { keyPath: 'key' }).createIndex('usedAt', 'usedAt');
      },
      // Another tab wants a newer schema: let it (this store opens again on next use).
      blocking: (_current, _blocked, event) => forget(event.target),
      terminated: () => forget(),
    });
    this.opening = opening;
    opening.then((db) => { if (this.opening === opening) this.db = db; }, () => { if (this.opening === opening) this.opening = undefined; });
    return opening;
  }

  /** Closes the connection (tests; a page that goes away closes it anyway). */
  async close(): Promise<void> {
    const db = await this.opening?.catch(() => undefined);
    db?.close();
    this.db = undefined;
    this.opening = undefined;
  }

  private now(): number {
    this.lastUse = Math.max(Date.now(), this.lastUse + 1);
    return this.lastUse;
  }

  stamp(read: FileRead): FileStamp {
    return httpStamp(read);
  }

  async load(key: string): Promise<StoredResult | undefined> {
    const db = await this.open();
    let record: EntryRecord | undefined;
    let why: string | undefined;
    const tx = db.transaction(['entries', 'meta'], 'readwrite');
    const done = tx.done;
    done.catch(() => undefined);
    try {
      record = await tx.objectStore('entries').get(key);
      if (record !== undefined) {
        why = damage(key, record);
        if (why) {
          await tx.objectStore('entries').delete(key);
          await tx.objectStore('meta').delete(key);
        } else {
          const meta = await tx.objectStore('meta').get(key);
          // Least recently used goes first: a hit makes the entry young again.
          await tx.objectStore('meta').put({ key, bytes: meta?.bytes ?? measure([record.values, record.outputs]).bytes, usedAt: this.now() });
        }
      }
      await done;
    } catch (e) {
      // An entry the browser cannot read back is a miss; drop it.
      this.debug(`cache: reading ${key} failed (${String(e)}); deleted`);
      try {
        tx.abort();
      } catch {
        // already finished
      }
      await this.delete(key).catch(() => undefined);
      return undefined;
    }
    if (record === undefined) return undefined;
    if (why) {
      this.debug(`cache: ${key} is damaged (${why}); deleted`);
      return undefined;
    }
    for (const f of record.files) {
      if (!(await this.holds(f))) {
        this.debug(`cache: ${key} is stale: ${f.path} changed since the cell read it`);
        return undefined;
      }
    }
    return { values: record.values, outputs: record.outputs, ms: record.ms, files: record.files };
  }

  /**
   * Clones the entry at once — by `put` itself when the database is open (as it is after
   * the first lookup), else by `structuredClone` — and writes it with its meta in one
   * transaction, then keeps the cap.
   * @throws DataCloneError (synchronously) if the values cannot be cloned.
   */
  save(key: string, entry: StoredResult): Promise<void> {
    const size = measure([entry.values, entry.outputs]);
    const record: EntryRecord = {
      format: FORMAT, key, values: entry.values as Record<string, unknown>, outputs: entry.outputs, ms: entry.ms, files: entry.files,
      binaryBytes: size.binaryBytes, arrays: size.arrays, checksum: checksum([entry.values, entry.outputs]),
    };
    const bytes = size.bytes;
    let written: Promise<void> | undefined;
    if (this.db) {
      try {
        written = this.write(this.db, record, bytes);
      } catch (e) {
        if ((e as { name?: unknown }).name === 'DataCloneError') throw e;
        this.db = undefined; // closing (another tab upgrades): open again below
      }
    }
    const copy = written ? record : structuredClone(record);
    written?.catch(() => undefined);
    return (async () => {
      try {
        await (written ?? this.write(await this.open(), copy, bytes));
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        this.debug(`cache: the browser's quota refused ${key}; dropping the least recently used half and trying again`);
        await this.enforceCap(0.5);
        await this.write(await this.open(), copy, bytes);
      }
      await this.enforceCap();
    })();
  }

  /** Issues the entry's and its meta's puts now, in one transaction; resolves when it commits. */
  private write(db: IDBPDatabase<CacheDB>, record: EntryRecord, bytes: number): Promise<void> {
    const tx = db.transaction(['entries', 'meta'], 'readwrite');
    const done = tx.done;
    done.catch(() => undefined);
    try {
      tx.objectStore('entries').put(record).catch(() => undefined);
      tx.objectStore('meta').put({ key: record.key, bytes, usedAt: this.now() }).catch(() => undefined);
    } catch (e) {
      try {
        tx.abort();
      } catch {
        // nothing was issued
      }
      throw e;
    }
    return done;
  }

  async delete(key: string): Promise<void> {
    const tx = (await this.open()).transaction(['entries', 'meta'], 'readwrite');
    await Promise.all([tx.objectStore('entries').delete(key), tx.objectStore('meta').delete(key), tx.done]);
  }

  /** Bytes and count of the entries (from their meta), for reports and tests. */
  async usage(): Promise<{ bytes: number; entries: number; sizes: Record<string, number> }> {
    const metas = await (await this.open()).getAll('meta');
    const sizes: Record<string, number> = {};
    for (const m of metas) sizes[m.key] = m.bytes;
    return { bytes: metas.reduce((n, m) => n + m.bytes, 0), entries: metas.length, sizes };
  }

  /**
   * Deletes the least recently used entries until the store holds at most `fraction` of its
   * cap (1: the cap itself; 0.5 after a quota error: half of what it holds), in one
   * transaction so another tab sees the eviction whole or not at all.
   */
  async enforceCap(fraction = 1): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(['entries', 'meta'], 'readwrite');
    const done = tx.done;
    done.catch(() => undefined);
    const metas = await tx.objectStore('meta').index('usedAt').getAll();
    let total = metas.reduce((n, m) => n + m.bytes, 0);
    const limit = fraction === 1 ? this.maxBytes : Math.min(this.maxBytes, total) * fraction;
    for (const m of metas) {
      if (total <= limit) break;
      tx.objectStore('entries').delete(m.key).catch(() => undefined);
      tx.objectStore('meta').delete(m.key).catch(() => undefined);
      total -= m.bytes;
      this.debug(`cache: evicted ${m.key} (${m.bytes} bytes) to keep the cache under ${limit} bytes`);
    }
    await done;
  }
}

/** Why `record` is not a whole entry for `key`, or undefined if it is. */
function damage(key: string, record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return 'not a record';
  const r = record as Partial<EntryRecord>;
  if (r.format !== FORMAT) return `format ${String(r.format)}, expected ${FORMAT}`;
  if (r.key !== key) return 'foreign key';
  if (r.values === null || typeof r.values !== 'object' || Array.isArray(r.values)) return 'values are not an object';
  if (!Array.isArray(r.outputs)) return 'outputs are not a list';
  if (typeof r.ms !== 'number' || !Array.isArray(r.files)) return 'no time or file stamps';
  if (typeof r.binaryBytes !== 'number' || typeof r.arrays !== 'number') return 'no sizes';
  const size = measure([r.values, r.outputs]);
  if (size.binaryBytes !== r.binaryBytes || size.arrays !== r.arrays) return `typed arrays hold ${size.binaryBytes} bytes in ${size.arrays}, written ${r.binaryBytes} in ${r.arrays}`;
  if (checksum([r.values, r.outputs]) !== r.checksum) return 'checksum differs';
  return undefined;
}

/**
 * A hash of everything structured clone keeps of `x`: each typed array's bytes
 * (`hashBytes`), every string, number and key in order, and the kinds of the containers.
 * Equal after a clone; a flipped bit anywhere (in a large value Chromium keeps outside its
 * checksummed database files) changes it. About 0.15 s for ct-to-print's 78 MB.
 */
export function checksum(x: unknown): string {
  const parts: string[] = [];
  const seen = new Map<object, number>();
  const walk = (v: unknown): void => {
    switch (typeof v) {
      case 'string': parts.push('s', String(v.length), v); return;
      case 'number': parts.push('n', Object.is(v, -0) ? '-0' : String(v)); return;
      case 'bigint': parts.push('b', v.toString()); return;
      case 'boolean': parts.push(v ? 'T' : 'F'); return;
      case 'undefined': parts.push('u'); return;
      default: break;
    }
    if (v === null || typeof v !== 'object') { parts.push('z'); return; }
    const ref = seen.get(v);
    if (ref !== undefined) { parts.push('r', String(ref)); return; }
    seen.set(v, seen.size);
    if (ArrayBuffer.isView(v)) { parts.push('t', v.constructor.name, String(v.byteLength), hashBytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))); return; }
    if (v instanceof ArrayBuffer) { parts.push('B', String(v.byteLength), hashBytes(new Uint8Array(v))); return; }
    if (v instanceof Date) { parts.push('d', String(v.getTime())); return; }
    if (v instanceof RegExp) { parts.push('x', String(v)); return; }
    if (v instanceof Error) { parts.push('e', v.name, v.message); return; }
    if (v instanceof Map) { parts.push('m', String(v.size)); for (const [k, e] of v) { walk(k); walk(e); } return; }
    if (v instanceof Set) { parts.push('S', String(v.size)); for (const e of v) walk(e); return; }
    if (Array.isArray(v)) { parts.push('a', String(v.length)); for (let i = 0; i < v.length; i++) walk(v[i]); return; }
    const keys = Object.keys(v);
    parts.push('o', String(keys.length));
    for (const k of keys) { parts.push(k); walk((v as Record<string, unknown>)[k]); }
  };
  walk(x);
  return hashString(parts.join('\u0000'));
}
