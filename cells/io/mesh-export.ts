/**
 * The named part that the multi-part writers (OBJ, 3MF) take, and the number and colour
 * formatting the writers share. Their input check is `checkMesh` (cells/core/mesh.ts).
 */
import { ParameterError } from '../core/errors.ts';
import type { Mesh } from '../core/mesh.ts';
import { labelColor } from '../viz/colormaps.ts';

/** One named, coloured mesh of a multi-part export (a label, an anatomical part). */
export interface MeshPart {
  /** Shown by slicers and viewers; whitespace becomes "_" in OBJ. */
  readonly name: string;
  readonly mesh: Mesh;
  /** sRGB display colour "#RRGGBB" or "#RRGGBBAA"; a palette colour when absent. */
  readonly color?: string;
  /** What it is printed with ("rigid bone-like", a filament name); 3MF names its base material so. */
  readonly material?: string;
}

/** The first part's default colour: bone white (a skull is usually the first part). */
export const BONE_COLOR = '#E3DAC9';

/**
 * The colour of part `i` when it names none: bone white for the first, then the colour-blind-safe
 * label palette (Okabe–Ito, `labelColor` of cells/viz/colormaps.ts), cycling.
 */
export function paletteColor(i: number): string {
  return i === 0 ? BONE_COLOR : labelColor(i - 1);
}

/**
 * Parses "#RRGGBB" / "#RRGGBBAA" into [r, g, b, a] bytes.
 * @throws ParameterError for anything else.
 */
export function parseHexColor(color: string, stage: string): [number, number, number, number] {
  const m = /^#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$/.exec(color);
  if (!m) throw new ParameterError(`${stage}: colour ${JSON.stringify(color)} is not sRGB hex "#RRGGBB" or "#RRGGBBAA"`);
  const v = parseInt(m[1]!, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255, m[2] ? parseInt(m[2], 16) : 255];
}

/**
 * A short decimal text that reads back as the same float32: the first of 7, 8, 9
 * significant digits that does, trailing zeros dropped (so 12.3f is "12.3"); "0" for ±0.
 */
export function formatFloat32(v: number): string {
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  for (let p = 7; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return trimZeros(s);
  }
  return trimZeros(v.toPrecision(9));
}

function trimZeros(s: string): string {
  if (s.indexOf('e') >= 0 || s.indexOf('.') < 0) return s;
  let e = s.length;
  while (s.charCodeAt(e - 1) === 48) e--;
  if (s.charCodeAt(e - 1) === 46) e--;
  return s.slice(0, e);
}

/** Concatenates byte chunks. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Collects text in pieces and encodes it to UTF-8 every ~1 MB, so a large mesh never sits
 * in memory as one huge string.
 */
export class TextSink {
  private parts: string[] = [];
  private size = 0;
  private readonly chunks: Uint8Array[] = [];
  private readonly enc = new TextEncoder();
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.parts.length) this.chunks.push(this.enc.encode(this.parts.join('')));
    this.parts = [];
    this.size = 0;
  }
  bytes(): Uint8Array {
    this.flush();
    return concatBytes(this.chunks);
  }
}

/** Decodes bytes (or passes a string through) as text; Latin-1 bytes stay readable. */
export function asText(data: Uint8Array | string): string {
  return typeof data === 'string' ? data : new TextDecoder('utf-8').decode(data);
}

/**
 * Builds text straight into a growing byte array: the writers' hot loops append numbers
 * without making a string per line (the 3MF of a 540k-triangle skull: ~0.35 s instead of
 * ~0.7 s with template strings and `TextSink`). `text` encodes UTF-8; `uint` and `float32`
 * write ASCII digits, `float32` as `formatFloat32` spells it.
 */
export class ByteSink {
  private buf: Uint8Array;
  private n = 0;
  private readonly enc = new TextEncoder();
  /** `capacityBytes`: a first guess of the size (it grows as needed). */
  constructor(capacityBytes = 1 << 16) {
    this.buf = new Uint8Array(Math.max(16, capacityBytes));
  }
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(2 * this.buf.length, this.n + k));
    grown.set(this.buf.subarray(0, this.n));
    this.buf = grown;
  }
  text(s: string): void {
    this.room(s.length);
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) { // not ASCII: let the encoder do the rest
        this.n = n;
        const rest = this.enc.encode(s.slice(i));
        this.room(rest.length);
        this.buf.set(rest, this.n);
        this.n += rest.length;
        return;
      }
      b[n++] = c;
    }
    this.n = n;
  }
  /** A whole number 0 ≤ v < 2³², in decimal. */
  uint(v: number): void {
    this.room(10);
    const b = this.buf;
    if (v < 10) { b[this.n++] = 48 + v; return; }
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    let n = this.n + digits;
    this.n = n;
    while (v >= 10) {
      const q = Math.floor(v / 10);
      b[--n] = 48 + (v - 10 * q);
      v = q;
    }
    b[--n] = 48 + v;
  }
  float32(v: number): void {
    this.text(formatFloat32(v));
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}
