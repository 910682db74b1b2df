/**
 * Binary STL, the format every slicer reads.
 *
 * Layout (little-endian): 80-byte header, uint32 triangle count, then 50 bytes per triangle:
 * facet normal (3 × float32), three vertices (9 × float32), uint16 attribute (0).
 * Coordinates are millimetres in Voxbook's patient LPS frame; STL itself carries no units,
 * which is why the default header says so. A binary header must not begin with "solid"
 * (readers take such files for ASCII STL).
 *
 * ASCII form: `solid name` / `facet normal nx ny nz` / `outer loop` / 3 × `vertex x y z` /
 * `endloop` / `endfacet` … `endsolid name`; numbers are the shortest decimals that read back
 * as the same float32, so an ASCII round trip is exact.
 *
 * Source: 3D Systems, "StereoLithography Interface Specification" (1988/1989), binary and
 * ASCII forms.
 */
import { FormatError, ParameterError } from '../core/errors.ts';
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { formatFloat32, TextSink, asText } from './mesh-export.ts';

/** Options of `encodeStl`. */
export interface EncodeStlOptions extends StageOptions {
  /** 'binary' (default, 50 bytes per triangle) or 'ascii' (about 5× larger, human-readable). */
  readonly format?: 'binary' | 'ascii';
  /** Binary: the 80-byte header text. ASCII: the solid's name (default "voxbook"). */
  readonly header?: string;
}

/** The default 80-byte header text (ASCII, padded with spaces). */
export const DEFAULT_STL_HEADER = 'Voxbook binary STL; units mm; LPS patient coordinates';

const HEADER_BYTES = 80;
const RECORD_BYTES = 50;

/**
 * Encodes a mesh as binary (default) or ASCII STL. Facet normals are computed from the
 * winding (unit (p1 − p0) × (p2 − p0); zero for degenerate triangles); `mesh.normals` is
 * not used. Coordinates are written as they are (LPS mm); STL has no frame or units.
 *
 * Shapes: `positions` 3 per vertex (mm), `indices` 3 per triangle; binary output
 * 84 + 50·T bytes. Progress every 64k triangles; the skull's 675k triangles take ~0.1 s
 * binary, ~2.4 s ASCII (137 MB).
 * @throws ParameterError if `header` is longer than 80 bytes, not printable ASCII, or
 *   (binary) begins with "solid".
 * @throws GeometryError if the mesh is empty, has a non-finite coordinate, an index out
 *   of range or more than 2³² vertices (see `checkMesh`); no bytes are produced.
 * @throws AbortError when `signal` fires.
 */
export function encodeStl(mesh: Mesh, options: EncodeStlOptions = {}): Uint8Array {
  if (options.format === 'ascii') return encodeAsciiStl(mesh, options);
  if (options.format !== undefined && options.format !== 'binary') throw new ParameterError(`encodeStl: format must be 'binary' or 'ascii', got ${JSON.stringify(options.format)}`);
  const header = options.header ?? DEFAULT_STL_HEADER;
  if (header.length > HEADER_BYTES || !/^[\x20-\x7e]*$/.test(header)) {
    throw new ParameterError(`encodeStl: header must be at most ${HEADER_BYTES} printable ASCII characters, got ${JSON.stringify(header)}`);
  }
  if (/^\s*solid/i.test(header)) {
    throw new ParameterError('encodeStl: a binary STL header must not begin with "solid" (readers would take the file for ASCII STL)');
  }
  const P = mesh.positions, I = mesh.indices;
  const { T } = checkMesh(mesh, 'encodeStl');
  const out = new Uint8Array(HEADER_BYTES + 4 + RECORD_BYTES * T);
  out.fill(0x20, 0, HEADER_BYTES);
  for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint32(HEADER_BYTES, T, true);
  let o = HEADER_BYTES + 4;
  const normal = new Float64Array(3);
  for (let t = 0; t < T; t++, o += RECORD_BYTES) {
    if ((t & 0xffff) === 0) {
      checkAbort('encodeStl', options.signal);
      options.onProgress?.(t / T);
    }
    const a = I[3 * t]!, b = I[3 * t + 1]!, c = I[3 * t + 2]!;
    const ax = P[3 * a]!, ay = P[3 * a + 1]!, az = P[3 * a + 2]!;
    const bx = P[3 * b]!, by = P[3 * b + 1]!, bz = P[3 * b + 2]!;
    const cx = P[3 * c]!, cy = P[3 * c + 1]!, cz = P[3 * c + 2]!;
    facetNormal(P, a, b, c, normal);
    dv.setFloat32(o, normal[0]!, true);
    dv.setFloat32(o + 4, normal[1]!, true);
    dv.setFloat32(o + 8, normal[2]!, true);
    dv.setFloat32(o + 12, ax, true);
    dv.setFloat32(o + 16, ay, true);
    dv.setFloat32(o + 20, az, true);
    dv.setFloat32(o + 24, bx, true);
    dv.setFloat32(o + 28, by, true);
    dv.setFloat32(o + 32, bz, true);
    dv.setFloat32(o + 36, cx, true);
    dv.setFloat32(o + 40, cy, true);
    dv.setFloat32(o + 44, cz, true);
    // Attribute byte count at o + 48 stays 0.
  }
  options.onProgress?.(1);
  return out;
}

/** The unit normal of triangle (a, b, c) by the right-hand rule into `out`; (0, 0, 0) for a degenerate one. */
function facetNormal(P: Float32Array, a: number, b: number, c: number, out: Float64Array): void {
  const ux = P[3 * b]! - P[3 * a]!, uy = P[3 * b + 1]! - P[3 * a + 1]!, uz = P[3 * b + 2]! - P[3 * a + 2]!;
  const wx = P[3 * c]! - P[3 * a]!, wy = P[3 * c + 1]! - P[3 * a + 1]!, wz = P[3 * c + 2]! - P[3 * a + 2]!;
  const nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
  const len = Math.sqrt(nx * nx + ny * ny + nz * nz);
  out[0] = len > 0 ? nx / len : 0;
  out[1] = len > 0 ? ny / len : 0;
  out[2] = len > 0 ? nz / len : 0;
}

function encodeAsciiStl(mesh: Mesh, options: EncodeStlOptions): Uint8Array {
  const name = options.header ?? 'voxbook';
  if (!/^[\x21-\x7e]*$/.test(name)) throw new ParameterError(`encodeStl: an ASCII solid name must be printable ASCII without spaces, got ${JSON.stringify(name)}`);
  const { V, T } = checkMesh(mesh, 'encodeStl');
  const P = mesh.positions, I = mesh.indices;
  const f = formatFloat32, sink = new TextSink();
  sink.push(`solid ${name}\n`);
  // Each vertex is a corner of ~6 triangles: format its line once.
  const lines = new Array<string | undefined>(V);
  const v = (i: number): string => (lines[i] ??= `      vertex ${f(P[3 * i]!)} ${f(P[3 * i + 1]!)} ${f(P[3 * i + 2]!)}\n`);
  // Normals are informative only (readers recompute them): 6 decimals.
  const n = (x: number): string => String(Number(x.toFixed(6)));
  const normal = new Float64Array(3);
  for (let t = 0; t < T; t++) {
    if ((t & 0x3fff) === 0) {
      checkAbort('encodeStl', options.signal);
      options.onProgress?.(t / T);
    }
    const a = I[3 * t]!, b = I[3 * t + 1]!, c = I[3 * t + 2]!;
    facetNormal(P, a, b, c, normal);
    sink.push(`  facet normal ${n(normal[0]!)} ${n(normal[1]!)} ${n(normal[2]!)}\n    outer loop\n${v(a)}${v(b)}${v(c)}    endloop\n  endfacet\n`);
  }
  sink.push(`endsolid ${name}\n`);
  options.onProgress?.(1);
  return sink.bytes();
}

/**
 * Decodes a binary or ASCII STL into an indexed mesh, welding vertices with bit-identical
 * float32 coordinates (+0 and −0 count as equal) so that shared edges become shared vertex
 * ids and `validateMesh` can check closure. Stored facet normals and attributes are
 * ignored; the winding is kept as stored. A file whose length fits the binary layout is
 * binary (some binary headers begin with "solid"); otherwise one that begins with "solid"
 * is read as ASCII.
 *
 * Shapes: output `positions` 3 per distinct vertex, `indices` 3 per triangle.
 * @param name names the file in errors (default "STL data").
 * @throws FormatError naming `name` if the data is shorter than 84 bytes, its length is not
 *   84 + 50 × the declared triangle count and it is not ASCII STL, an ASCII facet does not
 *   hold 3 vertices or a number does not parse, or a coordinate is not finite.
 */
export function decodeStl(bytes: Uint8Array, name = 'STL data'): Mesh {
  const looksAscii = /^\s*solid/i.test(String.fromCharCode(...bytes.subarray(0, 16)));
  if (bytes.length < HEADER_BYTES + 4) {
    if (looksAscii) return decodeAsciiStl(bytes, name);
    throw new FormatError(name, `${bytes.length} bytes is too short for a binary STL (at least ${HEADER_BYTES + 4}: 80-byte header and triangle count)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const T = dv.getUint32(HEADER_BYTES, true);
  const expected = HEADER_BYTES + 4 + RECORD_BYTES * T;
  if (bytes.length !== expected) {
    if (looksAscii) return decodeAsciiStl(bytes, name);
    throw new FormatError(name, `binary STL declares ${T} triangles, which need ${expected} bytes, but the data has ${bytes.length} bytes (truncated or corrupt); re-export the file`);
  }
  const corners = new Float32Array(9 * T);
  for (let t = 0; t < T; t++) {
    const base = HEADER_BYTES + 4 + RECORD_BYTES * t + 12;
    for (let k = 0; k < 9; k++) corners[9 * t + k] = dv.getFloat32(base + 4 * k, true);
  }
  return weldCorners(corners, name);
}

function decodeAsciiStl(bytes: Uint8Array, name: string): Mesh {
  const lines = asText(bytes).split('\n');
  const coords: number[] = [];
  let inLoop = 0, facets = 0;
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l]!.trim();
    if (line.startsWith('vertex')) {
      const w = line.split(/\s+/);
      if (w.length !== 4) throw new FormatError(name, `line ${l + 1}: "vertex" needs 3 numbers, got ${JSON.stringify(line)}`);
      for (let k = 1; k < 4; k++) {
        const x = Number(w[k]);
        if (Number.isNaN(x) || w[k] === '') throw new FormatError(name, `line ${l + 1}: ${JSON.stringify(w[k])} is not a number`);
        coords.push(x);
      }
      inLoop++;
    } else if (line.startsWith('outer')) inLoop = 0;
    else if (line.startsWith('endloop')) {
      if (inLoop !== 3) throw new FormatError(name, `line ${l + 1}: facet ${facets} has ${inLoop} vertices; ASCII STL facets hold exactly 3`);
      facets++;
    }
  }
  if (coords.length !== 9 * facets) throw new FormatError(name, `ASCII STL has ${coords.length / 3} vertex lines for ${facets} complete facets (truncated?)`);
  return weldCorners(new Float32Array(coords), name);
}

/** Welds 3 corners per triangle (9 float32 per triangle) by exact bit pattern. */
function weldCorners(corners: Float32Array, name: string): Mesh {
  const cb = new Uint32Array(corners.buffer, corners.byteOffset, corners.length);
  const n = corners.length / 3;
  let cap = 1;
  while (cap < 2 * n) cap <<= 1;
  const mask = cap - 1;
  const table = new Int32Array(cap).fill(-1);
  const bits = new Uint32Array(3 * n); // bit patterns of each distinct vertex
  const indices = new Uint32Array(n);
  let nv = 0;
  for (let q = 0; q < n; q++) {
    let x = cb[3 * q]!, y = cb[3 * q + 1]!, z = cb[3 * q + 2]!;
    if ((x & 0x7f800000) === 0x7f800000 || (y & 0x7f800000) === 0x7f800000 || (z & 0x7f800000) === 0x7f800000) {
      throw new FormatError(name, `triangle ${(q / 3) | 0} vertex ${q % 3} has a non-finite coordinate`);
    }
    if (x === 0x80000000) x = 0;
    if (y === 0x80000000) y = 0;
    if (z === 0x80000000) z = 0;
    let h = (Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca77) ^ Math.imul(z, 0xc2b2ae3d)) >>> 0;
    h = (h ^ (h >>> 15)) & mask;
    let id: number;
    for (;;) {
      id = table[h]!;
      if (id < 0) {
        id = nv++;
        table[h] = id;
        bits[3 * id] = x;
        bits[3 * id + 1] = y;
        bits[3 * id + 2] = z;
        break;
      }
      if (bits[3 * id] === x && bits[3 * id + 1] === y && bits[3 * id + 2] === z) break;
      h = (h + 1) & mask;
    }
    indices[q] = id;
  }
  const positions = new Float32Array(bits.buffer.slice(0, 12 * nv));
  return { positions, indices };
}
