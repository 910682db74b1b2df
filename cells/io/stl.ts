/**
 * Binary STL, the format every slicer reads.
 *
 * Layout (little-endian): 80-byte header, uint32 triangle count, then 50 bytes per triangle:
 * facet normal (3 × float32), three vertices (9 × float32), uint16 attribute (0).
 * Coordinates are millimetres in Voxbook's patient LPS frame; STL itself carries no units,
 * which is why the default header says so. A binary header must not begin with "solid"
 * (readers take such files for ASCII STL).
 *
 * Source: 3D Systems, "StereoLithography Interface Specification" (1988/1989), binary form.
 */
import { FormatError, ParameterError } from '../core/errors.ts';
import type { Mesh } from '../core/mesh.ts';

/** The default 80-byte header text (ASCII, padded with spaces). */
export const DEFAULT_STL_HEADER = 'Voxbook binary STL; units mm; LPS patient coordinates';

const HEADER_BYTES = 80;
const RECORD_BYTES = 50;

/**
 * Encodes a mesh as binary STL. Facet normals are computed from the winding (unit
 * (p1 − p0) × (p2 − p0); zero for degenerate triangles); `mesh.normals` is not used.
 *
 * Shapes: `positions` 3 per vertex (mm), `indices` 3 per triangle; output 84 + 50·T bytes.
 * @throws ParameterError if `header` is longer than 80 bytes, not printable ASCII, or
 *   begins with "solid"; if an index is out of range.
 */
export function encodeStl(mesh: Mesh, options: { readonly header?: string } = {}): Uint8Array {
  const header = options.header ?? DEFAULT_STL_HEADER;
  if (header.length > HEADER_BYTES || !/^[\x20-\x7e]*$/.test(header)) {
    throw new ParameterError(`encodeStl: header must be at most ${HEADER_BYTES} printable ASCII characters, got ${JSON.stringify(header)}`);
  }
  if (/^\s*solid/i.test(header)) {
    throw new ParameterError('encodeStl: a binary STL header must not begin with "solid" (readers would take the file for ASCII STL)');
  }
  const P = mesh.positions, I = mesh.indices;
  const T = (I.length / 3) | 0, V = (P.length / 3) | 0;
  const out = new Uint8Array(HEADER_BYTES + 4 + RECORD_BYTES * T);
  out.fill(0x20, 0, HEADER_BYTES);
  for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint32(HEADER_BYTES, T, true);
  let o = HEADER_BYTES + 4;
  for (let t = 0; t < T; t++, o += RECORD_BYTES) {
    const a = I[3 * t]!, b = I[3 * t + 1]!, c = I[3 * t + 2]!;
    if (a >= V || b >= V || c >= V) throw new ParameterError(`encodeStl: triangle ${t} names vertex ${Math.max(a, b, c)} but the mesh has ${V} vertices`);
    const ax = P[3 * a]!, ay = P[3 * a + 1]!, az = P[3 * a + 2]!;
    const bx = P[3 * b]!, by = P[3 * b + 1]!, bz = P[3 * b + 2]!;
    const cx = P[3 * c]!, cy = P[3 * c + 1]!, cz = P[3 * c + 2]!;
    const ux = bx - ax, uy = by - ay, uz = bz - az, wx = cx - ax, wy = cy - ay, wz = cz - az;
    let nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
    const len = Math.sqrt(nx * nx + ny * ny + nz * nz);
    if (len > 0) {
      nx /= len;
      ny /= len;
      nz /= len;
    }
    dv.setFloat32(o, nx, true);
    dv.setFloat32(o + 4, ny, true);
    dv.setFloat32(o + 8, nz, true);
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
  return out;
}

/**
 * Decodes a binary STL into an indexed mesh, welding vertices with bit-identical
 * coordinates (+0 and −0 count as equal) so that shared edges become shared vertex ids and
 * `validateMesh` can check closure. Stored facet normals and attributes are ignored; the
 * winding is kept as stored.
 *
 * Shapes: output `positions` 3 per distinct vertex, `indices` 3 per triangle.
 * @param name names the file in errors (default "STL data").
 * @throws FormatError naming `name` if the data is shorter than 84 bytes, its length is not
 *   84 + 50 × the declared triangle count (truncated, padded, or ASCII STL, which is not
 *   supported), or a coordinate is not finite.
 */
export function decodeStl(bytes: Uint8Array, name = 'STL data'): Mesh {
  if (bytes.length < HEADER_BYTES + 4) {
    throw new FormatError(name, `${bytes.length} bytes is too short for a binary STL (at least ${HEADER_BYTES + 4}: 80-byte header and triangle count)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const T = dv.getUint32(HEADER_BYTES, true);
  const expected = HEADER_BYTES + 4 + RECORD_BYTES * T;
  if (bytes.length !== expected) {
    const ascii = String.fromCharCode(...bytes.subarray(0, 5)).toLowerCase() === 'solid';
    throw new FormatError(name, ascii
      ? 'looks like an ASCII STL (starts with "solid" and its length does not fit the binary layout); only binary STL is read — re-export as binary'
      : `binary STL declares ${T} triangles, which need ${expected} bytes, but the data has ${bytes.length} bytes (truncated or corrupt); re-export the file`);
  }

  // Open-addressing hash on the three float32 bit patterns.
  const n = 3 * T;
  let cap = 1;
  while (cap < 2 * n) cap <<= 1;
  const mask = cap - 1;
  const table = new Int32Array(cap).fill(-1);
  const bits = new Uint32Array(3 * n); // bit patterns of each distinct vertex
  const indices = new Uint32Array(n);
  let nv = 0;
  for (let t = 0; t < T; t++) {
    const base = HEADER_BYTES + 4 + RECORD_BYTES * t + 12;
    for (let c = 0; c < 3; c++) {
      const o = base + 12 * c;
      let x = dv.getUint32(o, true), y = dv.getUint32(o + 4, true), z = dv.getUint32(o + 8, true);
      if ((x & 0x7f800000) === 0x7f800000 || (y & 0x7f800000) === 0x7f800000 || (z & 0x7f800000) === 0x7f800000) {
        throw new FormatError(name, `triangle ${t} vertex ${c} has a non-finite coordinate`);
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
      indices[3 * t + c] = id;
    }
  }
  const positions = new Float32Array(bits.buffer.slice(0, 12 * nv));
  return { positions, indices };
}
