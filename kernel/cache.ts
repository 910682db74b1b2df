/**
 * The cache of cell results and the keys they are stored under (DESIGN.md §2). Invariants:
 * - a cell's key is a hash of everything its result depends on: its source, the keys of the
 *   values it reads, the parameter overrides (for the parameters cell only) and the library
 *   versions — so equal keys mean equal results, and a key is never reused for another one;
 * - a value's key (`valueKey`) is its own value when it is a small primitive, so a cell that
 *   reads one parameter is not re-run when another parameter of the same cell changes;
 * - the cache is least-recently-used and bounded by bytes (typed arrays), not entries;
 *   `bytes` is the sum of its entries' sizes; it may exceed the budget only by entries the
 *   caller says are in use (evicting those would free nothing: they are held in scope).
 * The map operations (`get`, `set`, `delete`) are the seam a persistent store overrides
 * (kernel/store.ts: `PersistentCache`).
 */
import { hashString } from './hash.ts';
import type { MimeBundle } from './protocol.ts';

export interface CacheEntry {
  readonly values: Readonly<Record<string, unknown>>;
  readonly outputs: MimeBundle[];
  readonly ms: number;
  /** Bytes of the typed arrays it holds (an estimate of its memory). */
  readonly bytes: number;
}

/** Default cache budget: 1 GiB of typed-array data. */
export const DEFAULT_CACHE_BYTES = 2 ** 30;

/** Bytes of typed arrays reachable from x within a few levels (shared buffers counted once). */
export function binaryBytes(x: unknown, depth = 0, seen = new Set<ArrayBufferLike>()): number {
  if (ArrayBuffer.isView(x)) {
    if (seen.has(x.buffer)) return 0;
    seen.add(x.buffer);
    return x.byteLength;
  }
  if (depth > 4 || x === null || typeof x !== 'object') return 0;
  let n = 0;
  for (const v of Array.isArray(x) ? x : Object.values(x)) n += binaryBytes(v, depth + 1, seen);
  return n;
}

/** What a cell's key is made of. */
export interface CellKeyParts {
  readonly source: string;
  /** Each input name with the key of its value (`valueKey`), in the cell's input order. */
  readonly inputs: ReadonlyArray<readonly [string, string]>;
  /** Parameter overrides, for the parameters cell; null for any other. */
  readonly overrides: ReadonlyArray<readonly [string, unknown]> | null;
  readonly versions: Readonly<Record<string, string>>;
  /**
   * For a cell that calls the `runInfo()` builtin: the run facts it can read that are not
   * among its inputs (the notebook's SHA-256 and the parameters), so a provenance record is
   * never served for another version of the notebook. Absent for other cells.
   */
  readonly runFacts?: string;
}

/** The cache key of a cell's result. */
export function cellKey(p: CellKeyParts): string {
  const parts: unknown[] = [p.source, p.inputs, p.overrides, p.versions];
  if (p.runFacts !== undefined) parts.push(p.runFacts);
  return hashString(JSON.stringify(parts));
}

/**
 * The cache identity of one output value. A primitive (a parameter, a threshold) is keyed by
 * its value, so editing one parameter in a cell that defines several re-runs only the cells
 * that read that one; anything else is keyed by the cell that made it and its name.
 */
export function valueKey(cellKey: string, name: string, value: unknown): string {
  const t = typeof value;
  if (value === null || t === 'undefined' || t === 'boolean' || t === 'number' || (t === 'string' && (value as string).length <= 4096)) {
    return `value:${t}:${Object.is(value, -0) ? '-0' : String(value)}`;
  }
  return `cell:${cellKey}:${name}`;
}

/**
 * Least-recently-used cache bounded by bytes, not entries: one CT run holds a 14 MB volume,
 * masks, a 12 MB mesh and a 34 MB STL, so a count limit says nothing about memory.
 * LRU order is the Map's insertion order.
 */
export class ResultCache {
  protected readonly entries = new Map<string, CacheEntry>();
  private total = 0;

  constructor(readonly budget: number = DEFAULT_CACHE_BYTES) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  /** The entry under `key`, marked as just used; undefined on a miss. */
  get(key: string): CacheEntry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  /**
   * Stores `entry` as the most recently used, then evicts the least recently used entries
   * until the budget holds, skipping `key` and the keys `inUse()` returns (asked only then).
   */
  set(key: string, entry: CacheEntry, inUse: () => Iterable<string> = () => []): void {
    this.drop(key);
    this.entries.set(key, entry);
    this.total += entry.bytes;
    if (this.total <= this.budget) return;
    const keep = new Set(inUse());
    keep.add(key);
    for (const [k, e] of this.entries) {
      if (this.total <= this.budget) break;
      if (keep.has(k)) continue;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }

  /** Drops the entry under `key`, if any (a persistent store drops its copy too). */
  delete(key: string): void {
    this.drop(key);
  }

  /** Drops the entry under `key` from memory only. */
  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.total -= e.bytes;
  }
}
