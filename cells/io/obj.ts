/**
 * Wavefront OBJ with an MTL material library: one `o` object and one material per part.
 *
 * OBJ: `mtllib`, then per part `o name`, `usemtl name`, `v x y z` lines and `f a b c` lines
 * with 1-based vertex numbers counted over the whole file; faces counter-clockwise seen
 * from the front (outside). MTL: `newmtl name`, `Kd r g b` (diffuse colour, 0..1).
 * Coordinates are millimetres in Voxbook's patient LPS frame (OBJ carries no units).
 *
 * Source: Wavefront Technologies, "Object Files (.obj)" and "Material Library File (.mtl)",
 * Advanced Visualizer manual, Appendix B.
 */
import { FormatError, ParameterError } from '../core/errors.ts';
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { asText, formatFloat32, paletteColor, parseHexColor, TextSink, type MeshPart } from './mesh-export.ts';

/** Options of `encodeObj`. */
export interface EncodeObjOptions extends StageOptions {
  /** The MTL file name written after `mtllib` (default "model.mtl"); save the MTL under it. */
  readonly mtlName?: string;
}

/** OBJ names may not hold whitespace; the writer uses these and keeps them unique. */
function objNames(parts: readonly MeshPart[]): string[] {
  const seen = new Set<string>();
  return parts.map((p, i) => {
    let n = p.name.trim().replace(/\s+/g, '_') || `part${i + 1}`;
    if (seen.has(n)) n = `${n}_${i + 1}`;
    seen.add(n);
    return n;
  });
}

/**
 * Encodes parts (or one mesh, named "mesh") as OBJ text and its MTL library.
 *
 * Shapes: each part's `positions` 3 per vertex (mm), `indices` 3 per triangle.
 * @returns `obj` and `mtl` as UTF-8 bytes.
 * @throws GeometryError if a part's mesh is empty, has a non-finite coordinate, an index
 *   out of range or more than 2³² vertices; ParameterError for no parts, a bad colour or an
 *   `mtlName` with whitespace. Nothing is produced then.
 * @throws AbortError when `signal` fires.
 */
export function encodeObj(parts: readonly MeshPart[] | Mesh, options: EncodeObjOptions = {}): { obj: Uint8Array; mtl: Uint8Array } {
  const list: readonly MeshPart[] = 'positions' in parts ? [{ name: 'mesh', mesh: parts }] : parts;
  if (list.length === 0) throw new ParameterError('encodeObj: no parts to write');
  const mtlName = options.mtlName ?? 'model.mtl';
  if (/\s/.test(mtlName) || mtlName === '') throw new ParameterError(`encodeObj: mtlName must be a file name without whitespace, got ${JSON.stringify(mtlName)}`);
  const sizes = list.map((p) => checkMesh(p.mesh, `encodeObj: part "${p.name}"`));
  const colors = list.map((p, i) => parseHexColor(p.color ?? paletteColor(i), 'encodeObj'));
  const names = objNames(list);
  const total = sizes.reduce((s, z) => s + z.V + z.T, 0);
  const f = formatFloat32;
  const obj = new TextSink(), mtl = new TextSink();
  obj.push(`# Voxbook OBJ; units mm; LPS patient coordinates\nmtllib ${mtlName}\n`);
  mtl.push('# Voxbook MTL\n');
  let base = 1, done = 0;
  const tick = (k: number): void => {
    if ((k & 0xffff) === 0) {
      checkAbort('encodeObj', options.signal);
      options.onProgress?.(done / total);
    }
    done++;
  };
  list.forEach((part, p) => {
    const [r, g, b] = colors[p]!;
    mtl.push(`newmtl ${names[p]}\nKd ${(r / 255).toFixed(4)} ${(g / 255).toFixed(4)} ${(b / 255).toFixed(4)}\n`);
    obj.push(`o ${names[p]}\nusemtl ${names[p]}\n`);
    const P = part.mesh.positions, I = part.mesh.indices, { V, T } = sizes[p]!;
    for (let v = 0; v < V; v++) {
      tick(v);
      obj.push(`v ${f(P[3 * v]!)} ${f(P[3 * v + 1]!)} ${f(P[3 * v + 2]!)}\n`);
    }
    for (let t = 0; t < T; t++) {
      tick(t);
      obj.push(`f ${I[3 * t]! + base} ${I[3 * t + 1]! + base} ${I[3 * t + 2]! + base}\n`);
    }
    base += V;
  });
  options.onProgress?.(1);
  return { obj: obj.bytes(), mtl: mtl.bytes() };
}

/**
 * Decodes OBJ text into parts: one per `o` (or `g`) name that has faces. Polygons are
 * split into triangle fans; `f` entries may be `v`, `v/vt`, `v//vn`, `v/vt/vn` and
 * negative (relative). Each part keeps the vertices its faces use, in file order, so a
 * file from `encodeObj` reads back with the same indices. Colours come from `Kd` of the
 * part's `usemtl` material when `mtl` (the MTL text) is given.
 *
 * @param name names the file in errors.
 * @throws FormatError naming `name` for a malformed `v`/`f` line, a face vertex that does
 *   not exist, or a file with no faces.
 */
export function decodeObj(data: Uint8Array | string, options: { readonly mtl?: Uint8Array | string; readonly name?: string } = {}): MeshPart[] {
  const name = options.name ?? 'OBJ data';
  const kd = options.mtl === undefined ? new Map<string, string>() : parseMtl(asText(options.mtl));
  const xyz: number[] = [];
  interface Acc { name: string; material?: string; tris: number[] }
  const accs: Acc[] = [];
  let cur: Acc | undefined;
  let pendingName = 'mesh', pendingMaterial: string | undefined;
  const lines = asText(data).split('\n');
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l]!.trim();
    if (line === '' || line[0] === '#') continue;
    const w = line.split(/\s+/);
    const key = w[0];
    if (key === 'v') {
      if (w.length < 4) throw new FormatError(name, `line ${l + 1}: "v" needs 3 coordinates`);
      for (let k = 1; k < 4; k++) {
        const x = Number(w[k]);
        if (!Number.isFinite(x)) throw new FormatError(name, `line ${l + 1}: ${JSON.stringify(w[k])} is not a finite number`);
        xyz.push(x);
      }
    } else if (key === 'o' || key === 'g') {
      pendingName = w.slice(1).join(' ') || 'mesh';
      cur = undefined;
    } else if (key === 'usemtl') {
      pendingMaterial = w[1];
      if (cur && cur.material !== pendingMaterial) cur = undefined;
    } else if (key === 'f') {
      if (w.length < 4) throw new FormatError(name, `line ${l + 1}: a face needs at least 3 vertices`);
      if (!cur) {
        cur = { name: pendingName, material: pendingMaterial, tris: [] };
        accs.push(cur);
      }
      const nv = xyz.length / 3;
      const ids = w.slice(1).map((tok) => {
        const k = parseInt(tok, 10);
        const id = k < 0 ? nv + k : k - 1;
        if (!Number.isInteger(k) || k === 0 || id < 0 || id >= nv) throw new FormatError(name, `line ${l + 1}: face vertex ${JSON.stringify(tok)} does not name one of the ${nv} vertices defined so far`);
        return id;
      });
      for (let k = 1; k + 1 < ids.length; k++) cur.tris.push(ids[0]!, ids[k]!, ids[k + 1]!);
    }
  }
  const withFaces = accs.filter((a) => a.tris.length > 0);
  if (withFaces.length === 0) throw new FormatError(name, 'no faces ("f" lines) found; is this an OBJ point cloud?');
  const local = new Int32Array(xyz.length / 3).fill(-1);
  return withFaces.map((a) => {
    const used = Array.from(new Set(a.tris)).sort((x, y) => x - y);
    const positions = new Float32Array(3 * used.length);
    used.forEach((g, i) => {
      local[g] = i;
      positions[3 * i] = xyz[3 * g]!;
      positions[3 * i + 1] = xyz[3 * g + 1]!;
      positions[3 * i + 2] = xyz[3 * g + 2]!;
    });
    const indices = Uint32Array.from(a.tris, (g) => local[g]!);
    const color = a.material === undefined ? undefined : kd.get(a.material);
    return color === undefined ? { name: a.name, mesh: { positions, indices } } : { name: a.name, mesh: { positions, indices }, color };
  });
}

/** `newmtl` → "#RRGGBB" from `Kd`. */
function parseMtl(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let cur: string | undefined;
  for (const raw of text.split('\n')) {
    const w = raw.trim().split(/\s+/);
    if (w[0] === 'newmtl') cur = w[1];
    else if (w[0] === 'Kd' && cur !== undefined && w.length >= 4) {
      const hex = w.slice(1, 4).map((s) => Math.round(Math.min(1, Math.max(0, Number(s) || 0)) * 255).toString(16).padStart(2, '0')).join('');
      out.set(cur, `#${hex.toUpperCase()}`);
    }
  }
  return out;
}
