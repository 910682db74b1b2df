/**
 * Byte access that works in Node and in a browser Web Worker.
 *
 * `cells/` must not import `node:` modules at the top level (it is bundled for the
 * browser), so Node's `fs` is reached through a dynamic import whose specifier is not a
 * literal: bundlers leave it alone, and in a browser the branch is never taken.
 */
import { FormatError, InputNotFoundError, VoxbookError } from '../core/errors.ts';

type NodeFs = typeof import('node:fs/promises');
type NodeUrl = typeof import('node:url');

/** True when running under Node (not in a browser or a Web Worker). */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

let fsPromise: Promise<NodeFs> | undefined;
let urlPromise: Promise<NodeUrl> | undefined;

/** Node's `fs/promises`, loaded on first use. Only call when `isNode()`. */
export function nodeFs(): Promise<NodeFs> {
  const spec = 'node:fs/promises';
  fsPromise ??= import(/* @vite-ignore */ spec) as Promise<NodeFs>;
  return fsPromise;
}

function nodeUrl(): Promise<NodeUrl> {
  const spec = 'node:url';
  urlPromise ??= import(/* @vite-ignore */ spec) as Promise<NodeUrl>;
  return urlPromise;
}

/** `http:`, `https:`, `blob:`, `data:`, `file:` …: anything with a URL scheme (but not `C:\`). */
export function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(s) && !/^[a-z]:[\\/]/i.test(s);
}

/** A Node path for `pathOrUrl` (file: URLs converted), or undefined if it must be fetched. */
async function localPath(pathOrUrl: string): Promise<string | undefined> {
  if (!isNode()) return undefined;
  if (pathOrUrl.startsWith('file:')) return (await nodeUrl()).fileURLToPath(pathOrUrl);
  return isUrl(pathOrUrl) ? undefined : pathOrUrl;
}

/**
 * The kernel's file-read registry (kernel/store.ts `FILE_READS`): while a cell runs, the
 * kernel sets a callback here to learn which files the cell read, so a cached result is
 * reused only while they are unchanged. Cells do not import the kernel; this is the seam.
 */
const FILE_READS = Symbol.for('voxbook.fileReads');

type FileReadReport =
  /** Over HTTP, `path` is the absolute URL, `mtimeMs` its Last-Modified (0 if none) and `validator` its ETag or Last-Modified. */
  | { kind: 'file'; path: string; size: number; mtimeMs: number; bytes: Uint8Array; validator?: string }
  | { kind: 'dir'; path: string; names: readonly string[] }
  /** A path looked for and not found: a result that depends on the absence (a fallback) is stale once it appears. */
  | { kind: 'missing'; path: string };

function fileReadHook(): ((r: FileReadReport) => void) | undefined {
  const hook = (globalThis as Record<symbol, unknown>)[FILE_READS];
  return typeof hook === 'function' ? (hook as (r: FileReadReport) => void) : undefined;
}

/** Tells the kernel about a read; a failing hook never fails the read. */
function reportRead(hook: ((r: FileReadReport) => void) | undefined, r: FileReadReport): void {
  try {
    hook?.(r);
  } catch {
    // the registry is the kernel's business
  }
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/**
 * URL prefixes of the sample cache (`/data/` in the browser), set by `datasets/cache.ts`: a
 * missing file under one of them gets the hint to run `npm run fetch-data`.
 */
const sampleCacheBases = new Set<string>();

/** Registers `base` (a URL, absolute or relative to the page) as holding the sample cache. */
export function addSampleCacheUrl(base: string): void {
  sampleCacheBases.add(base.endsWith('/') ? base : `${base}/`);
}

/** Forgets a prefix registered with `addSampleCacheUrl`. */
export function removeSampleCacheUrl(base: string): void {
  sampleCacheBases.delete(base.endsWith('/') ? base : `${base}/`);
}

function pageBase(): string {
  const loc = (globalThis as { location?: { href?: string } }).location;
  return typeof loc?.href === 'string' && /^https?:/i.test(loc.href) ? loc.href : 'http://localhost/';
}

/** True if `url` lies under a registered sample-cache prefix (same origin, path below it). */
export function isSampleCacheUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url, pageBase());
  } catch {
    return false;
  }
  for (const base of sampleCacheBases) {
    try {
      const b = new URL(base, pageBase());
      if (u.origin === b.origin && u.pathname.startsWith(b.pathname)) return true;
    } catch {
      // an unparsable prefix matches nothing
    }
  }
  return false;
}

/** The hint for a URL the server does not have. */
function notFoundHint(url: string): string {
  return isSampleCacheUrl(url) ? 'run `npm run fetch-data`' : 'check the URL';
}

/**
 * The error for a URL the server does not have: an `InputNotFoundError` (so sample loaders
 * can fall back or explain) whose message is `<url>: not found (<what the server said>) — <hint>`.
 */
function httpNotFound(url: string, said: string): InputNotFoundError {
  const e = new InputNotFoundError(url);
  e.message = `${url}: not found (${said}) — ${notFoundHint(url)}`;
  return e;
}

/** True if the URL names an HTML document (so an HTML answer is the file itself, not a fallback page). */
function asksForHtml(url: string): boolean {
  const path = url.replace(/[?#].*$/, '');
  return /\.x?html?$/i.test(path) || path.endsWith('/');
}

function isHtmlContentType(res: Response): boolean {
  return /^\s*(text\/html|application\/xhtml\+xml)\b/i.test(res.headers.get('content-type') ?? '');
}

/** True if `bytes` start (after a BOM and white space) with `<!doctype html` or `<html`. */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  let head = '';
  for (let j = i; j < Math.min(bytes.length, i + 14); j++) head += String.fromCharCode(bytes[j]!);
  head = head.toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

/**
 * All bytes of a file (Node) or URL (browser, or http(s) in Node).
 *
 * Over HTTP, a 404 or 410 is an `InputNotFoundError` with the message
 * `<url>: not found (HTTP 404) — run \`npm run fetch-data\`` (for URLs of the sample cache,
 * `check the URL` otherwise). So is a 200 answer that is an HTML page (by Content-Type or by
 * its first bytes) when the URL does not name an HTML file: that is a server's "single page
 * app" fallback for a path it does not have, not the file.
 *
 * @throws InputNotFoundError naming the path when the file does not exist or the server answers 404/410 or an HTML page.
 * @throws FormatError if the path is a folder.
 * @throws VoxbookError (`code: 'io'`) for other read failures (permissions, network, other HTTP statuses).
 */
export async function readBytes(pathOrUrl: string): Promise<Uint8Array> {
  const p = await localPath(pathOrUrl);
  if (p !== undefined) {
    const fs = await nodeFs();
    const hook = fileReadHook();
    try {
      // Stat before reading: if the file changes in between, the stamp is older than the
      // bytes, so the next lookup re-hashes instead of trusting a newer mtime.
      const st = hook ? await fs.stat(p) : undefined;
      const buf = await fs.readFile(p);
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      if (st) reportRead(hook, { kind: 'file', path: p, size: st.size, mtimeMs: st.mtimeMs, bytes });
      return bytes;
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        reportRead(hook, { kind: 'missing', path: p });
        throw new InputNotFoundError(pathOrUrl);
      }
      if (code === 'EISDIR') throw new FormatError(pathOrUrl, 'is a folder, expected a file');
      throw new VoxbookError('io', `${pathOrUrl}: could not read (${String(e)})`, { cause: e });
    }
  }
  let res: Response;
  try {
    res = await fetch(pathOrUrl);
  } catch (e) {
    throw new VoxbookError('io', `${pathOrUrl}: could not fetch (${String(e)})`, { cause: e });
  }
  // An HTML answer can be a server's fallback page only when a server answered (not data: or blob:).
  const served = !/^(data|blob):/i.test(pathOrUrl);
  // Reads over HTTP are reported in the browser (its cache checks them: kernel/browser/http-stamps.ts).
  // Node's cache checks paths on disk, so a URL read there is not reported, as before.
  const hook = served && !isNode() ? fileReadHook() : undefined;
  const url = hook ? absoluteUrl(pathOrUrl) : pathOrUrl;
  if (res.status === 404 || res.status === 410) {
    reportRead(hook, { kind: 'missing', path: url });
    throw httpNotFound(pathOrUrl, `HTTP ${res.status}`);
  }
  if (!res.ok) {
    throw new VoxbookError('io', `${pathOrUrl}: the server answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
  const htmlWanted = asksForHtml(pathOrUrl);
  if (served && !htmlWanted && isHtmlContentType(res)) {
    void res.body?.cancel().catch(() => undefined);
    reportRead(hook, { kind: 'missing', path: url });
    throw httpNotFound(pathOrUrl, `HTTP ${res.status} with an HTML page instead of the file`);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new VoxbookError('io', `${pathOrUrl}: could not fetch (${String(e)})`, { cause: e });
  }
  if (served && !htmlWanted && looksLikeHtml(bytes)) {
    reportRead(hook, { kind: 'missing', path: url });
    throw httpNotFound(pathOrUrl, `HTTP ${res.status} with an HTML page instead of the file`);
  }
  if (hook) {
    const lastModified = res.headers.get('last-modified');
    const validator = res.headers.get('etag') ?? lastModified ?? undefined;
    reportRead(hook, { kind: 'file', path: url, size: bytes.length, mtimeMs: lastModified ? Date.parse(lastModified) || 0 : 0, bytes, ...(validator ? { validator } : {}) });
  }
  return bytes;
}

/** `url` made absolute against the page (or worker) it is fetched from. */
function absoluteUrl(url: string): string {
  try {
    return new URL(url, pageBase()).href;
  } catch {
    return url;
  }
}

/**
 * SHA-256 of `bytes` (or of several arrays concatenated in the given order) as 64 hex
 * digits, via `globalThis.crypto.subtle` (Node ≥ 20 and browsers in secure contexts).
 */
export async function sha256Hex(bytes: Uint8Array | readonly Uint8Array[]): Promise<string> {
  let all: Uint8Array;
  if (bytes instanceof Uint8Array) all = bytes;
  else {
    let n = 0;
    for (const b of bytes) n += b.length;
    all = new Uint8Array(n);
    let o = 0;
    for (const b of bytes) { all.set(b, o); o += b.length; }
  }
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new VoxbookError('io', 'sha256Hex: crypto.subtle is not available here (a browser needs a secure context: https or localhost)');
  // digest() wants a view on a plain ArrayBuffer; copy only if this one is shared.
  const view = all.buffer instanceof ArrayBuffer ? (all as Uint8Array<ArrayBuffer>) : new Uint8Array(all);
  const digest = new Uint8Array(await subtle.digest('SHA-256', view));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** True if `path` is an existing folder (Node). Always false in a browser and for URLs. */
export async function isDirectory(path: string): Promise<boolean> {
  const p = await localPath(path);
  if (p === undefined) return false;
  try {
    return (await (await nodeFs()).stat(p)).isDirectory();
  } catch {
    reportRead(fileReadHook(), { kind: 'missing', path: p });
    return false;
  }
}

/** True if `path` exists as a file or folder (Node). In a browser: a HEAD request succeeds (and is not an HTML fallback page for a non-HTML URL). */
export async function exists(pathOrUrl: string): Promise<boolean> {
  const p = await localPath(pathOrUrl);
  if (p !== undefined) {
    try {
      await (await nodeFs()).stat(p);
      return true;
    } catch {
      reportRead(fileReadHook(), { kind: 'missing', path: p });
      return false;
    }
  }
  try {
    const res = await fetch(pathOrUrl, { method: 'HEAD' });
    // A server's HTML fallback page for a path it does not have is not the file.
    const found = res.ok && (asksForHtml(pathOrUrl) || !isHtmlContentType(res));
    if (!found && !isNode() && !/^(data|blob):/i.test(pathOrUrl)) reportRead(fileReadHook(), { kind: 'missing', path: absoluteUrl(pathOrUrl) });
    return found;
  } catch {
    // Not reachable now: a result that falls back on this is stale once the file can be read.
    if (!isNode() && !/^(data|blob):/i.test(pathOrUrl)) reportRead(fileReadHook(), { kind: 'missing', path: absoluteUrl(pathOrUrl) });
    return false;
  }
}

/**
 * Names (not paths) of the regular files directly in a folder, sorted (Node only).
 * @throws InputNotFoundError if the folder does not exist.
 * @throws VoxbookError if called outside Node.
 */
export async function listFiles(dir: string): Promise<string[]> {
  const p = await localPath(dir);
  if (p === undefined) throw new VoxbookError('unsupported', `${dir}: listing a folder needs Node (the browser cannot list folders)`);
  const fs = await nodeFs();
  try {
    const entries = await fs.readdir(p, { withFileTypes: true });
    const names = entries.filter((e) => e.isFile()).map((e) => e.name).sort();
    reportRead(fileReadHook(), { kind: 'dir', path: p, names });
    return names;
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputNotFoundError(dir);
    throw new VoxbookError('io', `${dir}: could not list (${String(e)})`, { cause: e });
  }
}

/** Joins a folder and a name with '/', for Node paths and URLs alike. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}/${name}`;
}

/** The last path segment of a path or URL (query and hash dropped). */
export function baseName(pathOrUrl: string): string {
  const s = pathOrUrl.replace(/[?#].*$/, '').replace(/[\\/]+$/, '');
  const i = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
  return i >= 0 ? s.slice(i + 1) : s;
}
