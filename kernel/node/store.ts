/**
 * The Node `ResultStore` (kernel/store.ts): one file per cell key in a folder
 * (`.voxbook/cache/` beside the notebook by default). Invariants:
 * - an entry file is `VBCACHE1`, a 4-byte little-endian header length, a JSON header (key,
 *   payload length, SHA-1 of the payload, ms, file stamps) and the payload (v8.serialize of
 *   values and outputs); it is returned only when all of that checks, and deleted when it
 *   does not (truncated, bit-flipped, foreign) — never a crash, never a wrong value;
 * - files are written to a temporary name in the same folder and renamed into place, so a
 *   reader, another `voxbook run` process or a crash never sees half an entry; two processes
 *   writing one key write the same content (content-addressed);
 * - the folder is capped at `maxBytes`: after a write, the least recently used entries
 *   (oldest mtime; a hit touches its file) are deleted until it fits;
 * - a file the cell read is unchanged when its size and mtime are as recorded, or else
 *   when its bytes hash to the recorded hash; a folder when its sorted file names hash alike.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { FileRead, FileStamp, ResultStore, StoredResult } from '../store.ts';

/** Default cap of a cache folder: 2 GiB. */
export const DEFAULT_STORE_BYTES = 2 * 2 ** 30;

const MAGIC = Buffer.from('VBCACHE1', 'latin1');
const SUFFIX = '.vbc';
/** A temporary file older than this is left over from a process that died mid-write. */
const STALE_TMP_MS = 60 * 60 * 1000;

interface Header {
  readonly key: string;
  readonly payloadBytes: number;
  readonly sha1: string;
  readonly ms: number;
  readonly files: readonly FileStamp[];
}

function sha1(bytes: Uint8Array | string): string {
  return createHash('sha1').update(bytes).digest('hex');
}

function namesHash(names: readonly string[]): string {
  return sha1(names.join('\n'));
}

/** The sorted names of the regular files in `dir` (as cells/io/bytes.ts `listFiles` lists them). */
function listNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
}

/** True if the file or folder is as it was when stamped. */
export function stampHolds(s: FileStamp): boolean {
  if (s.kind === 'missing') return !existsSync(s.path);
  try {
    if (s.kind === 'dir') {
      const names = listNames(s.path);
      return names.length === s.size && namesHash(names) === s.hash;
    }
    const st = statSync(s.path);
    if (st.size !== s.size) return false;
    if (st.mtimeMs === s.mtimeMs) return true;
    return sha1(readFileSync(s.path)) === s.hash;
  } catch {
    return false;
  }
}

export interface NodeStoreOptions {
  /** Cap of the folder, bytes (default 2 GiB). */
  readonly maxBytes?: number;
  /** Where to say why an entry was dropped (corrupt, files changed). */
  readonly debug?: (text: string) => void;
}

/**
 * The Node `ResultStore`: one entry file per result key under `dir` (header with the payload's
 * length and SHA-1, file stamps; v8.serialize payload), written atomically (temp + rename),
 * capped at `maxBytes` least recently used first. A damaged entry is a miss and is deleted.
 */
export class NodeResultStore implements ResultStore {
  readonly dir: string;
  readonly maxBytes: number;
  private readonly debug: (text: string) => void;

  constructor(dir: string, options: NodeStoreOptions = {}) {
    this.dir = resolve(dir);
    this.maxBytes = options.maxBytes ?? DEFAULT_STORE_BYTES;
    this.debug = options.debug ?? (() => {});
  }

  /** The entry file of `key`. */
  pathOf(key: string): string {
    if (!/^[0-9a-zA-Z_-]+$/.test(key)) throw new Error(`not a cache key: ${JSON.stringify(key)}`);
    return join(this.dir, key + SUFFIX);
  }

  stamp(read: FileRead): FileStamp {
    const path = resolve(read.path);
    if (read.kind === 'missing') return { kind: 'missing', path, size: 0, mtimeMs: 0, hash: '' };
    if (read.kind === 'dir') return { kind: 'dir', path, size: read.names.length, mtimeMs: 0, hash: namesHash([...read.names].sort()) };
    return { kind: 'file', path, size: read.size, mtimeMs: read.mtimeMs, hash: sha1(read.bytes) };
  }

  async load(key: string): Promise<StoredResult | undefined> {
    const path = this.pathOf(key);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch {
      return undefined;
    }
    const parsed = this.parse(key, buf);
    if (typeof parsed === 'string') {
      this.debug(`cache: ${path} is damaged (${parsed}); deleted`);
      await rm(path, { force: true }).catch(() => undefined);
      return undefined;
    }
    const changed = parsed.header.files.find((f) => !stampHolds(f));
    if (changed) {
      this.debug(`cache: ${key} is stale: ${changed.path} changed since the cell read it`);
      return undefined;
    }
    // Least recently used goes first: a hit makes the entry young again.
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined);
    return { ...parsed.body, ms: parsed.header.ms, files: parsed.header.files };
  }

  /** The header and body of an entry file, or why it is not a whole entry for `key`. */
  private parse(key: string, buf: Buffer): { header: Header; body: { values: Record<string, unknown>; outputs: StoredResult['outputs'] } } | string {
    if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return 'no header';
    const headerBytes = buf.readUInt32LE(MAGIC.length);
    const start = MAGIC.length + 4 + headerBytes;
    if (start > buf.length) return 'truncated header';
    let header: Header;
    try {
      header = JSON.parse(buf.subarray(MAGIC.length + 4, start).toString('utf8')) as Header;
    } catch {
      return 'unreadable header';
    }
    if (header === null || typeof header !== 'object' || header.key !== key || typeof header.payloadBytes !== 'number' || typeof header.sha1 !== 'string' || typeof header.ms !== 'number' || !Array.isArray(header.files)) return 'foreign header';
    const payload = buf.subarray(start);
    if (payload.length !== header.payloadBytes) return `payload is ${payload.length} bytes, the header says ${header.payloadBytes}`;
    if (sha1(payload) !== header.sha1) return 'payload hash differs';
    let body: unknown;
    try {
      body = deserialize(payload);
    } catch (e) {
      return `payload does not deserialise (${String(e)})`;
    }
    const b = body as { values?: unknown; outputs?: unknown };
    if (b === null || typeof b !== 'object' || typeof b.values !== 'object' || b.values === null || !Array.isArray(b.outputs)) return 'payload is not a result';
    return { header, body: b as { values: Record<string, unknown>; outputs: StoredResult['outputs'] } };
  }

  /** Serialises at once (so later mutation of the values cannot leak in), then writes atomically. */
  save(key: string, entry: StoredResult): Promise<void> {
    const path = this.pathOf(key);
    const payload = serialize({ values: entry.values, outputs: entry.outputs });
    const header: Header = { key, payloadBytes: payload.length, sha1: sha1(payload), ms: entry.ms, files: entry.files };
    const headerBuf = Buffer.from(JSON.stringify(header), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(headerBuf.length);
    return this.write(path, [MAGIC, len, headerBuf, payload]);
  }

  private async write(path: string, parts: Uint8Array[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, Buffer.concat(parts));
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
    await this.enforceCap();
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Deletes the least recently used entries (and stale temporary files) until the folder fits its cap. */
  async enforceCap(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const now = Date.now();
    const entries: Array<{ path: string; size: number; mtimeMs: number }> = [];
    let total = 0;
    for (const n of names) {
      const p = join(this.dir, n);
      const st = await stat(p).catch(() => undefined);
      if (!st?.isFile()) continue;
      if (n.includes(`${SUFFIX}.tmp-`)) {
        if (now - st.mtimeMs > STALE_TMP_MS) await rm(p, { force: true }).catch(() => undefined);
        else total += st.size;
        continue;
      }
      if (!n.endsWith(SUFFIX)) continue;
      entries.push({ path: p, size: st.size, mtimeMs: st.mtimeMs });
      total += st.size;
    }
    if (total <= this.maxBytes) return;
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      await rm(e.path, { force: true }).catch(() => undefined);
      total -= e.size;
      this.debug(`cache: evicted ${e.path} (${e.size} bytes) to keep the cache under ${this.maxBytes} bytes`);
    }
  }
}
