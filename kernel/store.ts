/**
 * The cache of cell results that outlives the process: `ResultCache` (kernel/cache.ts) in
 * memory, backed by a `ResultStore` the host gives the kernel (`KernelHost.store`; Node's is
 * kernel/node/store.ts, the browser's kernel/browser/idb-store.ts). Invariants:
 * - a store is content-addressed by cell key (kernel/cache.ts), so equal keys mean equal
 *   results and writing one key twice, from two processes, is harmless;
 * - a stored entry is returned only if it is whole (its payload hash checks) and every file
 *   the cell read is unchanged (`FileStamp`); anything else is a miss, never an error or a
 *   wrong value;
 * - only values that come back equal are persisted (`unpersistable`): plain objects, arrays,
 *   primitives, typed arrays and the structured-clone builtins. A cell with any other value
 *   (a function, a class instance, a model) is simply not persisted;
 * - a result that depends on files has its own identity (`resultKey`): the hashes of those
 *   files are part of the keys of its values, so the cells that read them re-run when a file
 *   changes even though the reading cell's key did not;
 * - `flush()` resolves when every write started so far has ended (a host about to end the
 *   process waits for it: the kernel does before `run-done`).
 */
import { type CacheEntry, DEFAULT_CACHE_BYTES, ResultCache } from './cache.ts';
import { hashString } from './hash.ts';
import type { MimeBundle } from './protocol.ts';

/** The global through which cells/io reports each file it reads (cells do not import the kernel). */
export const FILE_READS = Symbol.for('voxbook.fileReads');

/** One read observed while a cell ran: a file's bytes, or a folder's listing. */
export type FileRead =
  | {
      readonly kind: 'file'; readonly path: string; readonly size: number; readonly mtimeMs: number; readonly bytes: Uint8Array;
      /** Over HTTP (the browser): the response's ETag, else its Last-Modified, if it had one. */
      readonly validator?: string;
    }
  | { readonly kind: 'dir'; readonly path: string; readonly names: readonly string[] }
  /** A path a cell looked for and did not find (a sample not fetched yet, so it fell back). */
  | { readonly kind: 'missing'; readonly path: string };

/** What is kept of a read to tell later whether the file is unchanged: size and mtime first, hash when they differ. */
export interface FileStamp {
  /** 'missing': the path did not exist; the stamp holds while it still does not. */
  readonly kind: 'file' | 'dir' | 'missing';
  /** Absolute path. */
  readonly path: string;
  /** Bytes of a file; number of names of a folder. */
  readonly size: number;
  /** The file's mtime when it was read (0 for a folder: its listing is compared instead). */
  readonly mtimeMs: number;
  /** Hash of the file's bytes, or of the folder's sorted file names. */
  readonly hash: string;
  /** Over HTTP: the server's ETag or Last-Modified when it was read (kernel/browser/http-stamps.ts). */
  readonly validator?: string;
}

/** A cell result as a store keeps it. */
export interface StoredResult {
  readonly values: Readonly<Record<string, unknown>>;
  readonly outputs: MimeBundle[];
  readonly ms: number;
  readonly files: readonly FileStamp[];
}

/** Where results persist: the platform's part of the cache. */
export interface ResultStore {
  /** The entry under `key` if it is whole and its files are unchanged; otherwise undefined (a corrupt entry is also deleted). */
  load(key: string): Promise<StoredResult | undefined>;
  /** Stores `entry` under `key`. Throws if it cannot be serialised; the caller logs and goes on. */
  save(key: string, entry: StoredResult): Promise<void>;
  delete(key: string): Promise<void>;
  /** The stamp of a read, made right after the cell ran (synchronous: it hashes bytes it is given). */
  stamp(read: FileRead): FileStamp;
}

/** The identity of a result: its cell key, and the hashes of the files it read. */
export function resultKey(key: string, files: readonly FileStamp[]): string {
  if (files.length === 0) return key;
  return hashString(JSON.stringify([key, files.map((f) => [f.kind, f.path, f.hash])]));
}

const TYPED_ARRAY_PROTOS = new Set<unknown>([
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
].map((c) => c.prototype));
const ERROR_PROTOS = new Set<unknown>([Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map((c) => c.prototype));

/**
 * Why `x` would not come back equal from structured clone (a path and a reason), or
 * undefined if it would. Class instances lose their prototype in a clone, symbol keys are
 * dropped, functions cannot be cloned: all of those make a value unpersistable.
 */
export function unpersistable(x: unknown, path = 'value', seen = new Set<object>()): string | undefined {
  const t = typeof x;
  if (t === 'function') return `${path} is a function`;
  if (t === 'symbol') return `${path} is a symbol`;
  if (x === null || t !== 'object') return undefined;
  const o = x as object;
  if (seen.has(o)) return undefined;
  seen.add(o);
  const proto = Object.getPrototypeOf(o);
  if (TYPED_ARRAY_PROTOS.has(proto) || proto === ArrayBuffer.prototype) return undefined;
  if (proto === Date.prototype || proto === RegExp.prototype) return undefined;
  if (proto === Map.prototype) {
    let i = 0;
    for (const [k, v] of o as Map<unknown, unknown>) {
      const why = unpersistable(k, `${path}.key(${i})`, seen) ?? unpersistable(v, `${path}.get(${i})`, seen);
      if (why) return why;
      i++;
    }
    return undefined;
  }
  if (proto === Set.prototype) {
    for (const v of o as Set<unknown>) {
      const why = unpersistable(v, `${path}.<item>`, seen);
      if (why) return why;
    }
    return undefined;
  }
  if (ERROR_PROTOS.has(proto)) return undefined;
  if (Array.isArray(o)) {
    if (proto !== Array.prototype) return `${path} is an instance of ${ctorName(proto)}`;
    for (let i = 0; i < o.length; i++) {
      const v = (o as unknown[])[i];
      if (v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol')) continue;
      const why = unpersistable(v, `${path}[${i}]`, seen);
      if (why) return why;
    }
    return undefined;
  }
  if (proto !== Object.prototype && proto !== null) return `${path} is an instance of ${ctorName(proto)}`;
  if (Object.getOwnPropertySymbols(o).length > 0) return `${path} has symbol-keyed properties`;
  for (const [k, v] of Object.entries(o)) {
    const why = unpersistable(v, `${path}.${k}`, seen);
    if (why) return why;
  }
  return undefined;
}

function ctorName(proto: object): string {
  const c = (proto as { constructor?: { name?: string } }).constructor;
  return typeof c?.name === 'string' && c.name ? c.name : 'a class';
}

/** A memory entry that knows which files it read. */
export interface FiledCacheEntry extends CacheEntry {
  readonly files?: readonly FileStamp[];
}

/**
 * `ResultCache` in memory, in front of a `ResultStore`: lookups try memory then the store
 * (a store hit is kept in memory), stores write through, deletes go to both.
 */
export class PersistentCache extends ResultCache {
  private pending = new Set<Promise<void>>();

  constructor(budget: number = DEFAULT_CACHE_BYTES, readonly store?: ResultStore, private readonly debug: (text: string) => void = () => {}) {
    super(budget);
  }

  /** The entry under `key` from memory or the store; undefined on a miss. */
  async lookup(key: string, bytesOf: (e: StoredResult) => number): Promise<FiledCacheEntry | undefined> {
    const hit = this.get(key);
    if (hit || !this.store) return hit;
    let stored: StoredResult | undefined;
    try {
      stored = await this.store.load(key);
    } catch (e) {
      this.debug(`cache: reading ${key} failed (${String(e)}); running the cell`);
      return undefined;
    }
    if (!stored) return undefined;
    const entry: FiledCacheEntry = { values: stored.values, outputs: stored.outputs, ms: stored.ms, bytes: bytesOf(stored), files: stored.files };
    super.set(key, entry);
    return entry;
  }

  /** Stamps the reads of a cell that just ran (none without a store: nothing outlives the session then). */
  stamp(reads: readonly FileRead[]): FileStamp[] {
    if (!this.store) return [];
    const byPath = new Map<string, FileStamp>();
    for (const r of reads) {
      const s = this.store.stamp(r);
      byPath.set(`${s.kind}:${s.path}`, s);
    }
    return [...byPath.values()];
  }

  /**
   * Keeps the result in memory and writes it to the store. `label` names the cell in the
   * debug log when its values cannot be persisted (it is then kept in memory only).
   */
  override set(key: string, entry: FiledCacheEntry, inUse?: () => Iterable<string>, label = key): void {
    super.set(key, entry, inUse);
    if (!this.store) return;
    const why = unpersistable(entry.values, 'values') ?? unpersistable(entry.outputs, 'outputs');
    if (why) {
      this.debug(`cache: cell "${label}" is not persisted: ${why}`);
      return;
    }
    const stored: StoredResult = { values: entry.values, outputs: entry.outputs, ms: entry.ms, files: entry.files ?? [] };
    let p: Promise<void>;
    try {
      p = this.store.save(key, stored);
    } catch (e) {
      this.debug(`cache: cell "${label}" is not persisted: ${String(e)}`);
      return;
    }
    const tracked = p.catch((e: unknown) => this.debug(`cache: cell "${label}" is not persisted: ${String(e)}`)).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  override delete(key: string): void {
    super.delete(key);
    if (this.store) {
      const p = this.store.delete(key).catch(() => undefined).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  /** An entry of the store itself, not kept in memory (e.g. a cell's analysis). */
  async loadStored(key: string): Promise<StoredResult | undefined> {
    try {
      return await this.store?.load(key);
    } catch {
      return undefined;
    }
  }

  /** Writes an entry to the store only; `flush()` waits for it. */
  saveStored(key: string, entry: StoredResult): void {
    if (!this.store || unpersistable(entry.values)) return;
    let p: Promise<void>;
    try {
      p = this.store.save(key, entry);
    } catch {
      return;
    }
    const tracked = p.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves when every write and delete started so far has ended. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
