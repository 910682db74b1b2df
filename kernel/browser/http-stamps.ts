/**
 * File stamps in the browser (kernel/store.ts `FileStamp`), where a cell's files come over
 * HTTP (the dev server's `/data/…`, cells/io/bytes.ts reports each read). Invariants:
 * - a stamp records what the read saw: the URL, the byte count, the server's validator
 *   (its `ETag`, else its `Last-Modified`) and a hash of the bytes;
 * - a stamp holds when a `HEAD` request, past the HTTP cache, answers the same size and the
 *   same validator; otherwise (no validator, or either differs) the file is fetched again
 *   and holds only if its bytes hash alike — the browser's twin of Node's "size and mtime,
 *   then hash". A HEAD costs one round trip and no body, so a reload checks a 20 MB scan in
 *   milliseconds; re-hashing on every lookup would download every input again;
 * - a `missing` stamp holds while the server still has no such file (404/410, or an HTML
 *   fallback page for a URL that does not name one);
 * - any failure to ask (network down, a thrown fetch) means "does not hold": a miss, never a
 *   wrong value.
 */
import type { FileRead, FileStamp } from '../store.ts';

/** The `fetch` the checks use (the worker's own by default; a fake in tests). */
export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * A 53-bit hash of bytes (two 32-bit multiply-xorshift lanes over 32-bit words, then the
 * tail bytes), as 14 hex digits. Synchronous, because a stamp is made right after the cell
 * ran (`ResultStore.stamp`) and WebCrypto's digest is async. It detects changes to a file,
 * not an adversary: results are keyed the same way (kernel/hash.ts).
 */
export function hashBytes(bytes: Uint8Array): string {
  let h1 = 0x9e3779b9 ^ bytes.length, h2 = 0x85ebca6b ^ bytes.length;
  const words = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2) : undefined;
  let i = 0;
  if (words) {
    for (let w = 0; w < words.length; w++) {
      const x = words[w]!;
      h1 = Math.imul(h1 ^ x, 2654435761);
      h1 ^= h1 >>> 15;
      h2 = Math.imul(h2 ^ x, 1597334677);
      h2 ^= h2 >>> 13;
    }
    i = words.length * 4;
  }
  for (; i < bytes.length; i++) {
    const x = bytes[i]!;
    h1 = Math.imul(h1 ^ x, 2654435761);
    h2 = Math.imul(h2 ^ x, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/** The stamp of an HTTP read: its URL, size, validator and the hash of its bytes. A folder listing cannot happen over HTTP. */
export function httpStamp(read: FileRead): FileStamp {
  if (read.kind === 'missing') return { kind: 'missing', path: read.path, size: 0, mtimeMs: 0, hash: '' };
  if (read.kind === 'dir') return { kind: 'dir', path: read.path, size: read.names.length, mtimeMs: 0, hash: hashBytes(new TextEncoder().encode([...read.names].sort().join('\n'))) };
  return { kind: 'file', path: read.path, size: read.size, mtimeMs: read.mtimeMs, hash: hashBytes(read.bytes), ...(read.validator ? { validator: read.validator } : {}) };
}

/** The validator a response carries: its ETag, else its Last-Modified, else undefined. */
export function validatorOf(res: Pick<Response, 'headers'>): string | undefined {
  return res.headers.get('etag') ?? res.headers.get('last-modified') ?? undefined;
}

function isHtml(res: Response): boolean {
  return /^\s*(text\/html|application\/xhtml\+xml)\b/i.test(res.headers.get('content-type') ?? '');
}

function namesHtml(url: string): boolean {
  const path = url.replace(/[?#].*$/, '');
  return /\.x?html?$/i.test(path) || path.endsWith('/');
}

/**
 * True if the file behind `s` is as it was when stamped: HEAD (no HTTP cache) with the same
 * size and validator, else a fresh GET whose bytes hash alike. A folder stamp never holds
 * (the browser cannot list one). Never throws.
 */
export async function httpStampHolds(s: FileStamp, fetchFn: Fetch = (u, i) => fetch(u, i)): Promise<boolean> {
  try {
    if (s.kind === 'dir') return false;
    const head = await fetchFn(s.path, { method: 'HEAD', cache: 'no-store' });
    const present = head.ok && (namesHtml(s.path) || !isHtml(head));
    if (s.kind === 'missing') return !present;
    if (!present) return false;
    const length = head.headers.get('content-length');
    if (length !== null && Number(length) !== s.size) return false;
    const validator = validatorOf(head);
    if (length !== null && s.validator !== undefined && validator === s.validator) return true;
    const res = await fetchFn(s.path, { cache: 'no-store' });
    if (!res.ok) return false;
    const bytes = new Uint8Array(await res.arrayBuffer());
    return bytes.length === s.size && hashBytes(bytes) === s.hash;
  } catch {
    return false;
  }
}
