/**
 * PLY (Stanford polygon file): vertices with optional per-vertex RGB, triangles as lists.
 *
 * Written header: `ply`, `format binary_little_endian 1.0` (or `ascii 1.0`), a comment with
 * units and frame, `element vertex V` with `property float x|y|z` (and `property uchar
 * red|green|blue` when coloured), `element face T` with `property list uchar uint
 * vertex_indices`, `end_header`. Binary: 12 (+3) bytes per vertex, 13 per face.
 * Coordinates are millimetres in Voxbook's patient LPS frame; faces counter-clockwise
 * seen from outside.
 *
 * Source: Greg Turk, "The PLY Polygon File Format" (1994), and Paul Bourke's copy of it.
 */
import { FormatError, ParameterError } from '../core/errors.ts';
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { formatFloat32, parseHexColor, TextSink } from './mesh-export.ts';

/** Options of `encodePly`. */
export interface EncodePlyOptions extends StageOptions {
  /** 'binary' (little-endian, default) or 'ascii'. */
  readonly format?: 'binary' | 'ascii';
  /** Per-vertex RGB, 3 bytes per vertex, or one "#RRGGBB" for every vertex; none by default. */
  readonly colors?: Uint8Array | string;
}

/** A decoded PLY: the mesh and its per-vertex RGB when the file has red/green/blue. */
export interface DecodedPly {
  readonly mesh: Mesh;
  readonly colors?: Uint8Array;
}

/**
 * Encodes a mesh as PLY.
 * @throws GeometryError for an empty mesh, a non-finite coordinate, an index out of range
 *   or more than 2³² vertices; ParameterError if `colors` is not 3 bytes per vertex or a
 *   hex colour. Nothing is produced then.
 * @throws AbortError when `signal` fires.
 */
export function encodePly(mesh: Mesh, options: EncodePlyOptions = {}): Uint8Array {
  const format = options.format ?? 'binary';
  if (format !== 'binary' && format !== 'ascii') throw new ParameterError(`encodePly: format must be 'binary' or 'ascii', got ${JSON.stringify(format)}`);
  const { V, T } = checkMesh(mesh, 'encodePly');
  let rgb: Uint8Array | undefined;
  if (typeof options.colors === 'string') {
    const [r, g, b] = parseHexColor(options.colors, 'encodePly');
    rgb = new Uint8Array(3 * V);
    for (let v = 0; v < V; v++) rgb.set([r, g, b], 3 * v);
  } else if (options.colors) {
    if (options.colors.length !== 3 * V) throw new ParameterError(`encodePly: colors must hold 3 bytes (RGB) per vertex, ${3 * V} in all, got ${options.colors.length}`);
    rgb = options.colors;
  }
  const header = ['ply', `format ${format === 'binary' ? 'binary_little_endian' : 'ascii'} 1.0`, 'comment Voxbook PLY; units mm; LPS patient coordinates',
    `element vertex ${V}`, 'property float x', 'property float y', 'property float z',
    ...(rgb ? ['property uchar red', 'property uchar green', 'property uchar blue'] : []),
    `element face ${T}`, 'property list uchar uint vertex_indices', 'end_header', ''].join('\n');
  const P = mesh.positions, I = mesh.indices;
  const progress = (k: number): void => {
    if ((k & 0xffff) === 0) {
      checkAbort('encodePly', options.signal);
      options.onProgress?.(k / (V + T));
    }
  };
  if (format === 'ascii') {
    const sink = new TextSink(), f = formatFloat32;
    sink.push(header);
    for (let v = 0; v < V; v++) {
      progress(v);
      sink.push(`${f(P[3 * v]!)} ${f(P[3 * v + 1]!)} ${f(P[3 * v + 2]!)}${rgb ? ` ${rgb[3 * v]} ${rgb[3 * v + 1]} ${rgb[3 * v + 2]}` : ''}\n`);
    }
    for (let t = 0; t < T; t++) {
      progress(V + t);
      sink.push(`3 ${I[3 * t]} ${I[3 * t + 1]} ${I[3 * t + 2]}\n`);
    }
    options.onProgress?.(1);
    return sink.bytes();
  }
  const head = new TextEncoder().encode(header);
  const vb = rgb ? 15 : 12;
  const out = new Uint8Array(head.length + vb * V + 13 * T);
  out.set(head);
  const dv = new DataView(out.buffer);
  let o = head.length;
  for (let v = 0; v < V; v++, o += vb) {
    progress(v);
    dv.setFloat32(o, P[3 * v]!, true);
    dv.setFloat32(o + 4, P[3 * v + 1]!, true);
    dv.setFloat32(o + 8, P[3 * v + 2]!, true);
    if (rgb) {
      out[o + 12] = rgb[3 * v]!;
      out[o + 13] = rgb[3 * v + 1]!;
      out[o + 14] = rgb[3 * v + 2]!;
    }
  }
  for (let t = 0; t < T; t++, o += 13) {
    progress(V + t);
    out[o] = 3;
    dv.setUint32(o + 1, I[3 * t]!, true);
    dv.setUint32(o + 5, I[3 * t + 1]!, true);
    dv.setUint32(o + 9, I[3 * t + 2]!, true);
  }
  options.onProgress?.(1);
  return out;
}

const SCALARS: Record<string, [number, string]> = {
  char: [1, 'Int8'], int8: [1, 'Int8'], uchar: [1, 'Uint8'], uint8: [1, 'Uint8'],
  short: [2, 'Int16'], int16: [2, 'Int16'], ushort: [2, 'Uint16'], uint16: [2, 'Uint16'],
  int: [4, 'Int32'], int32: [4, 'Int32'], uint: [4, 'Uint32'], uint32: [4, 'Uint32'],
  float: [4, 'Float32'], float32: [4, 'Float32'], double: [8, 'Float64'], float64: [8, 'Float64'],
};

interface Property { name: string; type: string; countType?: string }
interface Element { name: string; count: number; props: Property[] }

/**
 * Decodes ASCII, binary little-endian or binary big-endian PLY. Reads `x y z` (and
 * `red green blue` as bytes; float colours are scaled by 255) of `vertex` and the
 * `vertex_indices` (or `vertex_index`) list of `face`, splitting polygons into fans; other
 * elements and properties are skipped.
 *
 * @param name names the file in errors.
 * @throws FormatError naming `name` for a missing or malformed header, an unknown type,
 *   truncated data, a non-finite coordinate or a face index out of range.
 */
export function decodePly(bytes: Uint8Array, name = 'PLY data'): DecodedPly {
  const headText = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 65536)));
  const end = headText.search(/end_header\r?\n/);
  if (!headText.startsWith('ply') || end < 0) throw new FormatError(name, 'not a PLY file (needs "ply" first and an "end_header" line)');
  const bodyStart = end + headText.slice(end).indexOf('\n') + 1;
  const elements: Element[] = [];
  let format = '';
  for (const raw of headText.slice(0, end).split('\n')) {
    const w = raw.trim().split(/\s+/);
    if (w[0] === 'format') format = w[1] ?? '';
    else if (w[0] === 'element') elements.push({ name: w[1] ?? '', count: Number(w[2]), props: [] });
    else if (w[0] === 'property') {
      const el = elements[elements.length - 1];
      if (!el) throw new FormatError(name, `property before any element: ${raw.trim()}`);
      const prop: Property = w[1] === 'list' ? { name: w[4] ?? '', type: w[3] ?? '', countType: w[2] } : { name: w[2] ?? '', type: w[1] ?? '' };
      for (const t of [prop.type, prop.countType]) if (t !== undefined && !SCALARS[t]) throw new FormatError(name, `unknown PLY type ${JSON.stringify(t)}`);
      el.props.push(prop);
    }
  }
  if (!['ascii', 'binary_little_endian', 'binary_big_endian'].includes(format)) throw new FormatError(name, `unknown PLY format ${JSON.stringify(format)}`);
  for (const el of elements) if (!Number.isInteger(el.count) || el.count < 0) throw new FormatError(name, `element ${el.name} has a bad count`);

  // A reader of one number at a time, ASCII or binary.
  let next: (type: string) => number;
  const little = format === 'binary_little_endian';
  if (format === 'ascii') {
    const tokens = new TextDecoder('latin1').decode(bytes.subarray(bodyStart)).split(/\s+/).filter((s) => s !== '');
    let k = 0;
    next = () => {
      if (k >= tokens.length) throw new FormatError(name, 'data ends before the header\'s element counts are read (truncated)');
      const x = Number(tokens[k++]);
      if (Number.isNaN(x)) throw new FormatError(name, `${JSON.stringify(tokens[k - 1])} is not a number`);
      return x;
    };
  } else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let o = bodyStart;
    next = (type) => {
      const [size, kind] = SCALARS[type]!;
      if (o + size > bytes.length) throw new FormatError(name, 'data ends before the header\'s element counts are read (truncated)');
      const x = (dv as unknown as Record<string, (o: number, le: boolean) => number>)[`get${kind}`]!.call(dv, o, little);
      o += size;
      return x;
    };
  }

  let positions: Float32Array | undefined, colors: Uint8Array | undefined;
  const tris: number[] = [];
  let V = 0;
  for (const el of elements) {
    const isVertex = el.name === 'vertex', isFace = el.name === 'face';
    const px = el.props.findIndex((p) => p.name === 'x'), py = el.props.findIndex((p) => p.name === 'y'), pz = el.props.findIndex((p) => p.name === 'z');
    const rgbAt = ['red', 'green', 'blue'].map((c) => el.props.findIndex((p) => p.name === c));
    const hasRgb = rgbAt.every((i) => i >= 0);
    if (isVertex) {
      if (px < 0 || py < 0 || pz < 0) throw new FormatError(name, 'element vertex lacks x, y or z');
      V = el.count;
      positions = new Float32Array(3 * V);
      if (hasRgb) colors = new Uint8Array(3 * V);
    }
    const values: number[] = new Array<number>(el.props.length).fill(0);
    for (let r = 0; r < el.count; r++) {
      for (let p = 0; p < el.props.length; p++) {
        const prop = el.props[p]!;
        if (prop.countType) {
          const n = next(prop.countType);
          const list: number[] = [];
          for (let i = 0; i < n; i++) list.push(next(prop.type));
          if (isFace && (prop.name === 'vertex_indices' || prop.name === 'vertex_index')) {
            for (const id of list) if (!(id >= 0 && id < V && Number.isInteger(id))) throw new FormatError(name, `face ${r} names vertex ${id} but the file has ${V} vertices`);
            for (let i = 1; i + 1 < list.length; i++) tris.push(list[0]!, list[i]!, list[i + 1]!);
          }
        } else values[p] = next(prop.type);
      }
      if (isVertex) {
        for (const [k, at] of [px, py, pz].entries()) {
          const x = values[at]!;
          if (!Number.isFinite(x)) throw new FormatError(name, `vertex ${r} has a non-finite coordinate`);
          positions![3 * r + k] = x;
        }
        if (colors) {
          for (let k = 0; k < 3; k++) {
            const prop = el.props[rgbAt[k]!]!, x = values[rgbAt[k]!]!;
            colors[3 * r + k] = prop.type.startsWith('float') || prop.type === 'double' ? Math.round(Math.min(1, Math.max(0, x)) * 255) : x;
          }
        }
      }
    }
  }
  if (!positions) throw new FormatError(name, 'no vertex element');
  const mesh: Mesh = { positions, indices: Uint32Array.from(tris) };
  return colors ? { mesh, colors } : { mesh };
}
