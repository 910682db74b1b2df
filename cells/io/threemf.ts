/**
 * 3MF (3D Manufacturing Format): a zip (OPC package) holding `[Content_Types].xml`,
 * `_rels/.rels` (a relationship of type …/2013/01/3dmodel to the model part) and
 * `3D/3dmodel.model`, the XML model in the core namespace
 * `http://schemas.microsoft.com/3dmanufacturing/core/2015/02`:
 *
 * `<model unit="millimeter">` → `<resources>` with one `<basematerials id="1">` holding a
 * `<base name displaycolor="#RRGGBB[AA]">` per part (sRGB; named by the part's `material`,
 * else by the part's name), then one `<object id type="model"
 * name pid="1" pindex=i>` per part with `<mesh><vertices><vertex x y z/>…</vertices>
 * <triangles><triangle v1 v2 v3/>…</triangles></mesh>`, then `<build>` with an `<item
 * objectid transform>` per object.
 *
 * Coordinates: 3MF's frame is right-handed with z up (towards the print head). Voxbook's
 * LPS is right-handed too (x → patient left, y → posterior, z → superior), so vertices are
 * written as LPS millimetres unchanged: the head stands upright on the plate (superior
 * up), and the counter-clockwise-from-outside winding that `Mesh` promises is exactly what
 * 3MF requires (§4.1.4: triangles counter-clockwise seen from outside, normals by the
 * right-hand rule) — no flip. Each build item's transform only translates, by the same
 * vector for all parts, so that the parts keep their relative placement and their common
 * bounding box starts at (0, 0, 0) on the plate.
 *
 * Source: 3MF Consortium, "3MF Core Specification" v1.3/1.4 (chapters 2–4: parts and
 * relationships, model, resources, build); ECMA-376 Part 2 (OPC) for the package parts.
 */
import { GeometryError, ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { ByteSink, formatFloat32, paletteColor, parseHexColor, type MeshPart } from './mesh-export.ts';
import { zipDeflated } from './zip.ts';
import { checkMesh } from '../core/mesh.ts';

/** The core model namespace (3MF Core Specification §3). */
export const THREEMF_CORE_NS = 'http://schemas.microsoft.com/3dmanufacturing/core/2015/02';
/** The relationship type from the package root to the 3D model part. */
export const THREEMF_MODEL_REL = 'http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel';

/** Options of `encode3mf`. */
export interface Encode3mfOptions extends StageOptions {
  /** Unit of the coordinates; Voxbook meshes are millimetres (default). */
  readonly unit?: 'millimeter';
  /** `<metadata name="Title">`, optional. */
  readonly title?: string;
}

const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };
const xmlEscape = (s: string): string => s.replace(/[<>&"']/g, (c) => ENTITIES[c]!);

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
  <Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
</Types>
`;
const RELS = `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Target="/3D/3dmodel.model" Id="rel0" Type="${THREEMF_MODEL_REL}"/>
</Relationships>
`;

/**
 * Encodes parts as a 3MF package (zip bytes): one object and one base material per part.
 *
 * Shapes: each part's `positions` 3 per vertex (mm, LPS), `indices` 3 per triangle,
 * counter-clockwise seen from outside.
 * @throws GeometryError if a part's mesh is empty, has a non-finite coordinate, an index
 *   out of range, more than 2³² vertices, or a triangle that repeats a vertex (3MF forbids
 *   them; weld or decimate first); ParameterError for no parts, a unit other than
 *   'millimeter' or a bad colour. Nothing is produced then.
 * @throws AbortError when `signal` fires.
 */
export function encode3mf(parts: readonly MeshPart[], options: Encode3mfOptions = {}): Uint8Array {
  if (parts.length === 0) throw new ParameterError('encode3mf: no parts to write');
  const unit = options.unit ?? 'millimeter';
  if (unit !== 'millimeter') throw new ParameterError(`encode3mf: unit must be 'millimeter' (Voxbook meshes are in mm), got ${JSON.stringify(unit)}`);
  const sizes = parts.map((p) => checkMesh(p.mesh, `encode3mf: part "${p.name}"`));
  const colors = parts.map((p, i) => {
    const c = p.color ?? paletteColor(i);
    parseHexColor(c, 'encode3mf');
    return c.toUpperCase();
  });
  const lo = [Infinity, Infinity, Infinity];
  parts.forEach((p, i) => {
    const P = p.mesh.positions, I = p.mesh.indices;
    for (let t = 0; t < sizes[i]!.T; t++) {
      const a = I[3 * t], b = I[3 * t + 1], c = I[3 * t + 2];
      if (a === b || b === c || a === c) throw new GeometryError(`encode3mf: part "${p.name}" triangle ${t} repeats vertex ${a === b ? a : c}; 3MF requires three distinct vertices (remove degenerate triangles first)`);
    }
    for (let k = 0; k < P.length; k++) if (P[k]! < lo[k % 3]!) lo[k % 3] = P[k]!;
  });
  const total = sizes.reduce((s, z) => s + z.V + z.T, 0);
  let done = 0;
  const tick = (k: number): void => {
    if ((k & 0xffff) === 0) {
      checkAbort('encode3mf', options.signal);
      options.onProgress?.((0.8 * done) / total);
    }
    done++;
  };
  const f = formatFloat32;
  // About 60 bytes per vertex and 50 per triangle.
  const x = new ByteSink(sizes.reduce((s, z) => s + 60 * z.V + 50 * z.T, 4096));
  x.text(`<?xml version="1.0" encoding="UTF-8"?>\n<model unit="${unit}" xml:lang="en-US" xmlns="${THREEMF_CORE_NS}">\n`);
  if (options.title !== undefined) x.text(` <metadata name="Title">${xmlEscape(options.title)}</metadata>\n`);
  x.text(' <resources>\n  <basematerials id="1">\n');
  parts.forEach((p, i) => x.text(`   <base name="${xmlEscape(p.material ?? p.name)}" displaycolor="${colors[i]}"/>\n`));
  x.text('  </basematerials>\n');
  parts.forEach((p, i) => {
    const P = p.mesh.positions, I = p.mesh.indices, { V, T } = sizes[i]!;
    x.text(`  <object id="${i + 2}" type="model" name="${xmlEscape(p.name)}" pid="1" pindex="${i}">\n   <mesh>\n    <vertices>\n`);
    for (let v = 0; v < V; v++) {
      tick(v);
      x.text('     <vertex x="');
      x.float32(P[3 * v]!);
      x.text('" y="');
      x.float32(P[3 * v + 1]!);
      x.text('" z="');
      x.float32(P[3 * v + 2]!);
      x.text('"/>\n');
    }
    x.text('    </vertices>\n    <triangles>\n');
    for (let t = 0; t < T; t++) {
      tick(t);
      x.text('     <triangle v1="');
      x.uint(I[3 * t]!);
      x.text('" v2="');
      x.uint(I[3 * t + 1]!);
      x.text('" v3="');
      x.uint(I[3 * t + 2]!);
      x.text('"/>\n');
    }
    x.text('    </triangles>\n   </mesh>\n  </object>\n');
  });
  const move = `1 0 0 0 1 0 0 0 1 ${f(Math.fround(-lo[0]!))} ${f(Math.fround(-lo[1]!))} ${f(Math.fround(-lo[2]!))}`;
  x.text(' </resources>\n <build>\n');
  parts.forEach((_, i) => x.text(`  <item objectid="${i + 2}" transform="${move}"/>\n`));
  x.text(' </build>\n</model>\n');
  const model = x.bytes();
  checkAbort('encode3mf', options.signal);
  options.onProgress?.(0.8);
  const enc = new TextEncoder();
  // zlib's level 4 natively (faster than fflate's 3 and 1.6% smaller on the skull); fflate's 3
  // in the browser (half the time of its 6 on the skull's 43 MB of XML, 2.6% larger).
  const zip = zipDeflated([
    ['[Content_Types].xml', enc.encode(CONTENT_TYPES)],
    ['_rels/.rels', enc.encode(RELS)],
    ['3D/3dmodel.model', model],
  ], { level: 4, fallbackLevel: 3 });
  options.onProgress?.(1);
  return zip;
}
