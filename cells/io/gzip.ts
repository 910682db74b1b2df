/**
 * gzip (RFC 1952) decoding that checks what the format lets a reader check.
 *
 * fflate's `gunzipSync` inflates the first member and trusts the rest: it skips the CRC-32
 * and ISIZE of the trailer, ignores later members (bgzip files, `cat a.gz b.gz`) and any
 * trailing bytes, and sizes its output from the last four bytes of the file. One flipped
 * bit then loads "successfully" with changed voxels. `gunzipChecked` decodes every member
 * and refuses the file unless each one is well formed and its trailer matches.
 *
 * Layout of a member (RFC 1952 §2.3): ID1 ID2 (0x1f 0x8b), CM (8 = deflate), FLG, MTIME (4),
 * XFL, OS; then, by FLG bit, FEXTRA (bit 2: XLEN LE16 + XLEN bytes), FNAME (bit 3: zero-
 * terminated), FCOMMENT (bit 4: zero-terminated), FHCRC (bit 1: the low 16 bits of the
 * CRC-32 of the header bytes before it); bit 0 (FTEXT) is a hint; bits 5–7 are reserved
 * and "a compliant decompressor must give an error indication if any reserved bit is
 * non-zero". Then the deflate stream (RFC 1951), then CRC32 (LE32, of the uncompressed
 * bytes) and ISIZE (LE32, their count modulo 2³²). A file is one or more members; its
 * content is the concatenation of theirs (§2.2).
 *
 * The inflating is fflate's streaming `Gunzip`; where a member's deflate stream ends is
 * learned from its public `onmember` callback, which reports the offset of the next
 * member's header (so the 8 bytes before it are this member's trailer).
 */
import { Gunzip } from 'fflate';
import { FormatError, VoxbookError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';

// ---------------------------------------------------------------------------------------
// CRC-32

/**
 * Slicing-by-8 tables for the reflected CRC-32 of ISO 3309 / ITU-T V.42 (polynomial
 * 0x04C11DB7, reflected 0xEDB88320), the CRC of gzip (RFC 1952 §8) and zip.
 * TABLE[n] is the CRC register after shifting byte n through (RFC 1952's `crc_table`);
 * TABLE[256·k + n] advances that by k more zero bytes, so eight bytes are folded per step
 * (M. Kounavis and F. Berry, "A systematic approach to building high performance
 * software-based CRC generators", ISCC 2005).
 */
const TABLE = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[256 * (k - 1) + n]!;
      t[256 * k + n] = (prev >>> 8) ^ t[prev & 0xff]!;
    }
  }
  return t;
})();

/**
 * CRC-32 of `bytes` as gzip and zip compute it (ISO 3309 polynomial 0xEDB88320, reflected,
 * initial value and final XOR 0xFFFFFFFF; RFC 1952 §8), as an unsigned 32-bit number.
 * Pass the result of the previous call as `crc` to continue over several arrays:
 * `crc32(b, crc32(a)) === crc32(a ‖ b)`. Slicing-by-8, about 1.4 GB/s in V8 (Node 20, one core).
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = TABLE;
  let c = ~crc | 0;
  const n = bytes.length;
  let i = 0;
  if (LITTLE_ENDIAN && n >= 64) {
    // Bytes up to a 4-byte boundary one at a time, then two little-endian words per step.
    while (((bytes.byteOffset + i) & 3) !== 0) { c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8); i++; }
    const pairs = (n - i) >>> 3;
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, 2 * pairs);
    for (let j = 0; j < w.length; j += 2) {
      c ^= w[j]!;
      const d = w[j + 1]!;
      c = t[1792 + (c & 0xff)]! ^ t[1536 + ((c >>> 8) & 0xff)]! ^ t[1280 + ((c >>> 16) & 0xff)]! ^ t[1024 + (c >>> 24)]!
        ^ t[768 + (d & 0xff)]! ^ t[512 + ((d >>> 8) & 0xff)]! ^ t[256 + ((d >>> 16) & 0xff)]! ^ t[d >>> 24]!;
    }
    i += 8 * pairs;
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------
// Members

/** True if `bytes` starts with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface GunzipCheckedOptions extends StageOptions {
  /** The stage named in an `AbortError` (default 'gunzip'). */
  readonly stage?: string;
  /**
   * Refuse the file once its decompressed size would pass this many bytes (a guard
   * against decompression bombs; checked as the data arrives). Default: no limit.
   */
  readonly maxOutputBytes?: number;
}

// FLG bits (RFC 1952 §2.3.1). FTEXT (1) is only a hint that the data is "probably ASCII text":
// nothing to check.
const FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;

const ADVICE = 'the file is damaged (an interrupted download or copy, or bad storage): fetch or copy it again';

function hex32(x: number): string {
  return `0x${(x >>> 0).toString(16).padStart(8, '0')}`;
}

function le32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/**
 * Checks the header of the member at `pos` and returns its length in bytes.
 * @throws FormatError on a bad magic, method, reserved flag, field running past the end, or
 *   header CRC-16.
 */
function readHeader(data: Uint8Array, pos: number, member: number, name: string): number {
  const where = `gzip member ${member} (at byte ${pos})`;
  const n = data.length;
  const truncated = (what: string) => new FormatError(name, `truncated: ${where} ends inside its header (${what}); ${ADVICE}`);
  if (n - pos < 10) {
    if (member > 1 && data.subarray(pos).every((x) => x === 0)) {
      throw new FormatError(name, `${n - pos} zero bytes follow the last gzip member (at byte ${pos}): padding that is not part of gzip; strip it (or recompress the file) before loading`);
    }
    throw truncated(`${n - pos} of the 10 fixed bytes`);
  }
  if (data[pos] !== 0x1f || data[pos + 1] !== 0x8b) {
    if (member === 1) throw new FormatError(name, `not gzip: no 1f 8b magic at byte 0`);
    const zeros = data.subarray(pos).every((x) => x === 0);
    throw new FormatError(name, zeros
      ? `${n - pos} zero bytes follow the last gzip member (from byte ${pos}): padding that is not part of gzip; strip it (or recompress the file) before loading`
      : `${n - pos} bytes after gzip member ${member - 1} (from byte ${pos}) are not a gzip member (trailing garbage); ${ADVICE}`);
  }
  const cm = data[pos + 2]!, flg = data[pos + 3]!;
  if (cm !== 8) throw new FormatError(name, `${where}: compression method ${cm} is not deflate (8), the only one RFC 1952 defines; the file is corrupt or not gzip`);
  if (flg & 0xe0) throw new FormatError(name, `${where}: reserved header flag bits are set (FLG = 0x${flg.toString(16)}); RFC 1952 requires refusing such a member: the file is corrupt`);
  let p = pos + 10;
  if (flg & FEXTRA) {
    if (p + 2 > n) throw truncated('FEXTRA length');
    const xlen = data[p]! | (data[p + 1]! << 8);
    p += 2 + xlen;
    if (p > n) throw truncated(`FEXTRA field of ${xlen} bytes`);
  }
  for (const [bit, field] of [[FNAME, 'FNAME'], [FCOMMENT, 'FCOMMENT']] as const) {
    if (flg & bit) {
      while (p < n && data[p] !== 0) p++;
      if (p >= n) throw truncated(`${field} has no terminating zero byte`);
      p++;
    }
  }
  if (flg & FHCRC) {
    if (p + 2 > n) throw truncated('FHCRC');
    const want = data[p]! | (data[p + 1]! << 8);
    const got = crc32(data.subarray(pos, p)) & 0xffff;
    if (want !== got) throw new FormatError(name, `${where}: header CRC-16 is 0x${want.toString(16).padStart(4, '0')} but the header's bytes give 0x${got.toString(16).padStart(4, '0')}; ${ADVICE}`);
    p += 2;
  }
  if (p >= n) throw new FormatError(name, `truncated: ${where} ends after its header, with no compressed data; ${ADVICE}`);
  return p - pos;
}

/** Thrown from `onmember` to stop the stream at a member boundary. */
const STOP = Symbol('stop');

/** A complete, empty-content gzip header, pushed after the input so the stream reports where the last member ended. */
const SENTINEL = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);

interface Decoded {
  /** Decompressed chunks of this member, in order. */
  readonly chunks: Uint8Array[];
  /** Bytes of output. */
  readonly size: number;
  /** Offset just after this member's trailer (absolute). */
  readonly end: number;
}

function fflateCode(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : undefined;
}

/**
 * Inflates the member at `pos` (header already checked) and finds where it ends.
 * Input is pushed in growing windows so each byte is copied O(1) times however many
 * members the file has.
 */
function inflateMember(data: Uint8Array, pos: number, member: number, name: string, outputSoFar: number, maxOutput: number, consumed: (end: number) => void): Decoded {
  const where = `gzip member ${member} (at byte ${pos})`;
  const chunks: Uint8Array[] = [];
  let size = 0;
  let next = -1;
  const g = new Gunzip((chunk) => {
    if (chunk.length === 0) return;
    chunks.push(chunk);
    size += chunk.length;
    if (outputSoFar + size > maxOutput) throw new FormatError(name, `decompresses to more than maxOutputBytes = ${maxOutput} bytes (reached in ${where}); raise the limit if the file is trusted`);
  });
  g.onmember = (offset) => {
    next = offset;
    throw STOP;
  };
  const total = data.length - pos;
  let pushed = 0;
  let window = 1 << 16;
  let stage: 'data' | 'sentinel' = 'data';
  try {
    while (pushed < total) {
      const len = Math.min(window, total - pushed);
      g.push(data.subarray(pos + pushed, pos + pushed + len), false);
      pushed += len;
      consumed(pos + pushed);
      if (window < 1 << 22) window *= 2;
    }
    stage = 'sentinel';
    g.push(SENTINEL, false);
  } catch (e) {
    if (e !== STOP) {
      if (e instanceof VoxbookError) throw e; // our own FormatError (size limit) or AbortError
      const code = fflateCode(e);
      const msg = e instanceof Error ? e.message : String(e);
      if (stage === 'sentinel' || code === 6) {
        // The deflate stream ran to the end of the input without finishing (truncated), or it
        // finished and what follows its trailer is not a gzip header (garbage or a cut trailer).
        throw endError(data, pos, member, name, chunks, stage === 'sentinel');
      }
      throw new FormatError(name, `${where}: corrupt deflate data (${msg}); ${ADVICE}`, { cause: e });
    }
  }
  if (next < 0 || next > total) throw endError(data, pos, member, name, chunks, true);
  return { chunks, size, end: pos + next };
}

/**
 * The error for a member whose end the stream could not report: the input ran out inside
 * its deflate data or trailer, or what follows the trailer is not a (complete) gzip header.
 * The member's trailer (CRC-32 and ISIZE of what it produced) is looked for to say which.
 */
function endError(data: Uint8Array, pos: number, member: number, name: string, chunks: Uint8Array[], mayBeCut: boolean): FormatError {
  const where = `gzip member ${member} (at byte ${pos})`;
  let crc = 0, size = 0;
  for (const c of chunks) { crc = crc32(c, crc); size += c.length; }
  const trailer = new Uint8Array(8);
  const dv = new DataView(trailer.buffer);
  dv.setUint32(0, crc, true);
  dv.setUint32(4, size >>> 0, true);
  for (let t = pos + 10; t + 8 <= data.length; t++) {
    if (data[t] !== trailer[0] || le32(data, t) !== crc || le32(data, t + 4) !== (size >>> 0)) continue;
    const from = t + 8, rest = data.length - from;
    if (data[from] === 0x1f && (rest < 2 || data[from + 1] === 0x8b)) {
      return new FormatError(name, `truncated: gzip member ${member + 1} (at byte ${from}) ends inside its header (file is ${data.length} bytes); ${ADVICE}`);
    }
    return new FormatError(name, data.subarray(from).every((x) => x === 0)
      ? `${rest} zero bytes follow the last gzip member (from byte ${from}): padding that is not part of gzip; strip it (or recompress the file) before loading`
      : `${rest} bytes after gzip member ${member} (from byte ${from}) are not a gzip member (trailing garbage); ${ADVICE}`);
  }
  // The file ends part-way through the trailer?
  for (let k = 1; k < 8 && k <= data.length - pos - 10; k++) {
    if (data.subarray(data.length - k).every((x, i) => x === trailer[i])) {
      return new FormatError(name, `truncated: ${where} ends inside its 8-byte trailer (file is ${data.length} bytes); ${ADVICE}`);
    }
  }
  if (mayBeCut) return new FormatError(name, `truncated: ${where} ends before its compressed data and 8-byte trailer are complete (file is ${data.length} bytes); ${ADVICE}`);
  return new FormatError(name, `${where}: its trailer is missing or wrong (no CRC-32 ${hex32(crc)} / ISIZE ${size >>> 0} after the compressed data), or it is followed by bytes that are not gzip; ${ADVICE}`);
}

/**
 * Decompresses a gzip file, checking everything RFC 1952 lets a reader check: each member's
 * header (magic, method 8, reserved flags clear, FEXTRA/FNAME/FCOMMENT within the file, the
 * header CRC-16 when FHCRC is set), its deflate stream, and its trailer (CRC-32 of the
 * member's output and ISIZE = its length mod 2³²). Multi-member files (bgzip, `cat a.gz
 * b.gz`) decode to the concatenation of their members, as RFC 1952 §2.2 and gzip(1) do.
 *
 * @param bytes the whole file (gzip magic at byte 0).
 * @param name the file name, for error messages.
 * @returns the decompressed bytes (a fresh array, not a view of `bytes`).
 * Cost (Node 20, measured on ch2.nii.gz and Cranium.inv3): 1.15–1.3× fflate's unchecked
 * `gunzipSync` — the CRC-32 is about 8% of that, the rest fflate's streaming buffers — and
 * 2.5–3× node:zlib. Peak memory about twice the output.
 * @throws FormatError naming `name`, the member (1-based) and its byte offset: not gzip, a bad
 *   header, corrupt deflate data, a CRC-32 or ISIZE mismatch, truncation anywhere, or bytes
 *   after the last member that are not a gzip member (trailing garbage, zero padding); or
 *   more output than `options.maxOutputBytes`.
 * @throws AbortError (naming `options.stage`) when `options.signal` has fired, checked between
 *   input windows; `options.onProgress` gets the fraction of compressed bytes read, 0..1.
 */
export function gunzipChecked(bytes: Uint8Array, name: string, options: GunzipCheckedOptions = {}): Uint8Array {
  const maxOutput = options.maxOutputBytes ?? Infinity;
  if (bytes.length < 18) {
    if (!isGzip(bytes)) throw new FormatError(name, `not gzip: no 1f 8b magic at byte 0`);
    throw new FormatError(name, `truncated: ${bytes.length} bytes is shorter than the smallest gzip file (18); ${ADVICE}`);
  }
  const stage = options.stage ?? 'gunzip', { signal, onProgress } = options;
  // Between input windows (64 KiB growing to 4 MiB): abort, and progress by compressed bytes read.
  let read = 0;
  const consumed = (end: number): void => {
    checkAbort(stage, signal);
    if (end <= read) return; // a later member starts inside a window already counted
    read = end;
    onProgress?.(end / bytes.length);
  };
  checkAbort(stage, signal);
  onProgress?.(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  for (let member = 1; pos < bytes.length; member++) {
    const headerLen = readHeader(bytes, pos, member, name);
    const d = inflateMember(bytes, pos, member, name, total, maxOutput, consumed);
    const where = `gzip member ${member} (at byte ${pos})`;
    if (d.end - 8 < pos + headerLen) throw new FormatError(name, `${where}: no room for its 8-byte trailer; ${ADVICE}`);
    let crc = 0;
    for (const c of d.chunks) crc = crc32(c, crc);
    const storedCrc = le32(bytes, d.end - 8), storedSize = le32(bytes, d.end - 4);
    if (crc !== storedCrc) {
      throw new FormatError(name, `${where}: CRC-32 mismatch — the decompressed data gives ${hex32(crc)} but the trailer at byte ${d.end - 8} says ${hex32(storedCrc)}; ${ADVICE}`);
    }
    if ((d.size >>> 0) !== storedSize) {
      throw new FormatError(name, `${where}: ISIZE mismatch — ${d.size} bytes decompressed but the trailer at byte ${d.end - 4} says ${storedSize} (mod 2³²); ${ADVICE}`);
    }
    parts.push(...d.chunks);
    total += d.size;
    pos = d.end;
  }
  if (read < bytes.length) onProgress?.(1);
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
