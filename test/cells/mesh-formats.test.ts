import { describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { DOMParser } from 'linkedom';
import { AbortError, FormatError, GeometryError, ParameterError } from '../../cells/core/errors.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import { decodeStl, encodeStl } from '../../cells/io/stl.ts';
import { decodeObj, encodeObj } from '../../cells/io/obj.ts';
import { decodePly, encodePly } from '../../cells/io/ply.ts';
import { encode3mf, THREEMF_CORE_NS, THREEMF_MODEL_REL } from '../../cells/io/threemf.ts';
import { formatFloat32 } from '../../cells/io/mesh-export.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';
import { torusGrid } from '../mesh-phantoms.ts';

/** A unit tetrahedron, outward counter-clockwise winding. */
const tetra: Mesh = {
  positions: new Float32Array([0, 0, 0, 10.1, 0, 0, 0, 20.3, 0, 0, 0, -30.7]),
  indices: new Uint32Array([0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3]),
};

/** The torus grid of test/mesh-phantoms.ts, off the origin (so no coordinate is a round number). */
const torus = (Rr: number, r: number, u: number, v: number, shift = 0): Mesh => torusGrid(Rr, r, u, v, [shift, -7.25, 101.3]);

const ring = torus(30, 8, 96, 48);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/**
 * STL stores corners, not vertex ids: the reader numbers vertices in order of first use.
 * Same triangles with the same float32 corners, the same vertex count, and a one-to-one
 * renumbering between the two index arrays.
 */
function expectSameTopology(a: Mesh, b: Mesh): void {
  expect(b.indices.length).toBe(a.indices.length);
  expect(b.positions.length).toBe(a.positions.length);
  const map = new Map<number, number>(), back = new Map<number, number>();
  for (let i = 0; i < a.indices.length; i++) {
    const u = a.indices[i]!, v = b.indices[i]!;
    if ((map.get(u) ?? v) !== v || (back.get(v) ?? u) !== u) throw new Error(`corner ${i}: renumbering is not one-to-one`);
    map.set(u, v);
    back.set(v, u);
    for (let k = 0; k < 3; k++) if (a.positions[3 * u + k] !== b.positions[3 * v + k]) throw new Error(`corner ${i}: coordinate ${k} differs`);
  }
  expect(map.size).toBe(a.positions.length / 3);
}

/** Same float32 positions and the same index arrays. */
function expectSame(a: Mesh, b: Mesh): void {
  expect(b.positions.length).toBe(a.positions.length);
  expect(Buffer.from(b.positions.buffer, b.positions.byteOffset, b.positions.byteLength).equals(Buffer.from(a.positions.buffer, a.positions.byteOffset, a.positions.byteLength))).toBe(true);
  expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
}

describe('formatFloat32', () => {
  it('writes the shortest text that reads back as the same float32', () => {
    expect(formatFloat32(Math.fround(12.3))).toBe('12.3');
    expect(formatFloat32(-0)).toBe('0');
    expect(formatFloat32(250)).toBe('250');
    for (const v of ring.positions) expect(Math.fround(Number(formatFloat32(v)))).toBe(v);
  });
});

describe('STL round trips', () => {
  for (const [label, m] of [['tetrahedron', tetra], ['torus', ring]] as const) {
    for (const format of ['binary', 'ascii'] as const) {
      it(`${format} ${label}: same vertices and indices (up to renumbering)`, () => {
        const back = decodeStl(encodeStl(m, { format }));
        expectSameTopology(m, back);
      });
    }
  }
  it('ASCII: solid/facet/endsolid structure, 7 lines per facet', () => {
    const s = text(encodeStl(tetra, { format: 'ascii', header: 'skull' }));
    expect(s.startsWith('solid skull\n  facet normal 0 0 -1\n    outer loop\n      vertex 0 0 0\n      vertex 0 20.3 0\n      vertex 10.1 0 0\n')).toBe(true);
    expect(s.endsWith('endsolid skull\n')).toBe(true);
    expect(s.trimEnd().split('\n').length).toBe(2 + 7 * 4);
  });
  it('binary: 80-byte header then the triangle count', () => {
    const b = encodeStl(ring);
    expect(b.length).toBe(84 + 50 * 96 * 48 * 2);
    expect(new DataView(b.buffer).getUint32(80, true)).toBe(96 * 48 * 2);
    expect(text(b.subarray(0, 80)).trimEnd()).toBe('Voxbook binary STL; units mm; LPS patient coordinates');
  });
  it('the torus read back is still closed with genus 1', () => {
    const v = validateMesh(decodeStl(encodeStl(ring, { format: 'ascii' })));
    expect(v.openEdges).toBe(0);
    expect(v.nonManifoldEdges).toBe(0);
    expect(v.vertices - v.edges + v.triangles).toBe(0); // Euler characteristic 0: genus 1
  });
});

describe('OBJ + MTL', () => {
  const parts = [{ name: 'bone plate', mesh: ring, color: '#E3DAC9' }, { name: 'tip', mesh: tetra, color: '#C8553D' }];
  const { obj, mtl } = encodeObj(parts, { mtlName: 'case.mtl' });
  it('round-trips two parts with names, colours, positions and indices', () => {
    const back = decodeObj(obj, { mtl });
    expect(back.map((p) => p.name)).toEqual(['bone_plate', 'tip']);
    expect(back.map((p) => p.color)).toEqual(['#E3DAC9', '#C8553D']);
    expectSame(ring, back[0]!.mesh);
    expectSame(tetra, back[1]!.mesh);
  });
  it('writes mtllib, o/usemtl per part, 1-based global face numbers, Kd colours', () => {
    const s = text(obj);
    expect(s.split('\n').slice(0, 4)).toEqual(['# Voxbook OBJ; units mm; LPS patient coordinates', 'mtllib case.mtl', 'o bone_plate', 'usemtl bone_plate']);
    const V = ring.positions.length / 3;
    expect(s).toContain(`o tip\nusemtl tip\nv 0 0 0\n`);
    expect(s).toContain(`f ${V + 1} ${V + 3} ${V + 2}\n`);
    expect(text(mtl)).toBe('# Voxbook MTL\nnewmtl bone_plate\nKd 0.8902 0.8549 0.7882\nnewmtl tip\nKd 0.7843 0.3333 0.2392\n');
  });
  it('reads quads and negative indices as triangle fans', () => {
    const [p] = decodeObj('v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf -4/1/1 -3/2/1 -2/3/1 -1/4/1\n');
    expect(Array.from(p!.mesh.indices)).toEqual([0, 1, 2, 0, 2, 3]);
  });
  it('throws FormatError for a face naming a missing vertex', () => {
    expect(() => decodeObj('v 0 0 0\nv 1 0 0\nf 1 2 3\n', { name: 'x.obj' })).toThrow(FormatError);
  });
});

describe('PLY', () => {
  const colors = new Uint8Array(ring.positions.length).map((_, i) => (i * 37) & 255);
  for (const format of ['binary', 'ascii'] as const) {
    it(`${format}: round-trips positions, indices and per-vertex RGB`, () => {
      const back = decodePly(encodePly(ring, { format, colors }));
      expectSame(ring, back.mesh);
      expect(Array.from(back.colors!)).toEqual(Array.from(colors));
      const plain = decodePly(encodePly(tetra, { format }));
      expectSame(tetra, plain.mesh);
      expect(plain.colors).toBeUndefined();
    });
  }
  it('writes the header text exactly; binary body is 15 bytes per vertex and 13 per face', () => {
    const b = encodePly(tetra, { colors: '#FF8000' });
    const head = 'ply\nformat binary_little_endian 1.0\ncomment Voxbook PLY; units mm; LPS patient coordinates\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\nelement face 4\nproperty list uchar uint vertex_indices\nend_header\n';
    expect(text(b.subarray(0, head.length))).toBe(head);
    expect(b.length).toBe(head.length + 15 * 4 + 13 * 4);
    expect(Array.from(b.subarray(head.length + 12, head.length + 15))).toEqual([255, 128, 0]);
  });
  it('reads big-endian PLY with polygons and skips unknown properties', () => {
    const head = 'ply\nformat binary_big_endian 1.0\nelement vertex 4\nproperty double x\nproperty double y\nproperty double z\nproperty float confidence\nelement face 1\nproperty list uchar int vertex_index\nend_header\n';
    const body = new DataView(new ArrayBuffer(4 * 28 + 1 + 16));
    [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]].forEach((p, i) => p.forEach((x, k) => body.setFloat64(28 * i + 8 * k, x)));
    body.setUint8(112, 4);
    [0, 1, 2, 3].forEach((id, k) => body.setInt32(113 + 4 * k, id));
    const bytes = new Uint8Array([...new TextEncoder().encode(head), ...new Uint8Array(body.buffer)]);
    const { mesh } = decodePly(bytes);
    expect(Array.from(mesh.positions)).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]);
    expect(Array.from(mesh.indices)).toEqual([0, 1, 2, 0, 2, 3]);
  });
  it('throws FormatError for truncated data and out-of-range faces', () => {
    const b = encodePly(tetra);
    expect(() => decodePly(b.subarray(0, b.length - 5), 't.ply')).toThrow(FormatError);
    expect(() => decodePly(new TextEncoder().encode('ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n3 0 1 2\n'))).toThrow(FormatError);
  });
});

describe('3MF', () => {
  const parts = [{ name: 'skull & jaw', mesh: ring }, { name: 'plate', mesh: torus(10, 3, 20, 10, 80), color: '#4F86C6' }];
  const zip = unzipSync(encode3mf(parts, { title: 'case 12' }));
  const parse = (name: string): Document => new DOMParser().parseFromString(text(zip[name]!), 'text/xml') as unknown as Document;
  it('holds the three required package parts', () => {
    expect(Object.keys(zip).sort()).toEqual(['3D/3dmodel.model', '[Content_Types].xml', '_rels/.rels']);
    const types = parse('[Content_Types].xml');
    const defaults = Array.from(types.querySelectorAll('Default')).map((d) => [d.getAttribute('Extension'), d.getAttribute('ContentType')]);
    expect(types.documentElement.getAttribute('xmlns')).toBe('http://schemas.openxmlformats.org/package/2006/content-types');
    expect(defaults).toContainEqual(['model', 'application/vnd.ms-package.3dmanufacturing-3dmodel+xml']);
    expect(defaults).toContainEqual(['rels', 'application/vnd.openxmlformats-package.relationships+xml']);
    const rel = parse('_rels/.rels').querySelector('Relationship')!;
    expect(rel.getAttribute('Type')).toBe(THREEMF_MODEL_REL);
    expect(rel.getAttribute('Target')).toBe('/3D/3dmodel.model');
  });
  it('model: core namespace, millimetres, one base material per part with sRGB colours, one object and build item per part', () => {
    const doc = parse('3D/3dmodel.model');
    const model = doc.documentElement;
    expect(model.tagName.toLowerCase()).toBe('model');
    expect(model.getAttribute('xmlns')).toBe(THREEMF_CORE_NS);
    expect(model.getAttribute('unit')).toBe('millimeter');
    const bases = Array.from(doc.querySelectorAll('basematerials > base'));
    expect(bases.map((b) => [b.getAttribute('name'), b.getAttribute('displaycolor')])).toEqual([['skull &amp; jaw', '#E3DAC9'], ['plate', '#4F86C6']]);
    const objects = Array.from(doc.querySelectorAll('resources > object'));
    expect(objects.map((o) => [o.getAttribute('id'), o.getAttribute('name'), o.getAttribute('type'), o.getAttribute('pid'), o.getAttribute('pindex')]))
      .toEqual([['2', 'skull &amp; jaw', 'model', '1', '0'], ['3', 'plate', 'model', '1', '1']]);
    expect(objects[0]!.querySelectorAll('vertex').length).toBe(ring.positions.length / 3);
    expect(objects[0]!.querySelectorAll('triangle').length).toBe(ring.indices.length / 3);
    const items = Array.from(doc.querySelectorAll('build > item'));
    expect(items.map((i) => i.getAttribute('objectid'))).toEqual(['2', '3']);
    // The shared translation puts the parts' common minimum corner at the origin.
    const tr = items[0]!.getAttribute('transform')!.split(' ').map(Number);
    expect(tr.slice(0, 9)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(tr[11]).toBeCloseTo(-(101.3 - 8), 4);
    expect(doc.querySelector('metadata')!.textContent).toBe('case 12');
    // linkedom hands attribute text back still escaped, so the escape is checked on the text.
    expect(text(zip['3D/3dmodel.model']!)).toContain('<base name="skull &amp; jaw" displaycolor="#E3DAC9"/>');
  });
  it('vertices and triangles read back equal to the torus (float32, same indices)', () => {
    const obj = parse('3D/3dmodel.model').querySelector('object')!;
    const positions = Float32Array.from(Array.from(obj.querySelectorAll('vertex')).flatMap((v) => ['x', 'y', 'z'].map((k) => Number(v.getAttribute(k)))));
    const indices = Uint32Array.from(Array.from(obj.querySelectorAll('triangle')).flatMap((t) => ['v1', 'v2', 'v3'].map((k) => Number(t.getAttribute(k)))));
    expectSame(ring, { positions, indices });
    // 3MF's frame is right-handed like LPS: the read-back torus encloses positive volume
    // (counter-clockwise seen from outside), the analytic 2π²Rr² less the faceting.
    const vol = validateMesh({ positions, indices }).volumeMm3;
    expect(vol).toBeGreaterThan(0);
    expect(Math.abs(vol / (2 * Math.PI ** 2 * 30 * 8 ** 2) - 1)).toBeLessThan(0.01);
  });
});

describe('bad input: typed errors, no bytes', () => {
  const nan: Mesh = { positions: Float32Array.from([0, 0, 0, 1, 0, NaN, 0, 1, 0]), indices: Uint32Array.from([0, 1, 2]) };
  const outOfRange: Mesh = { positions: tetra.positions, indices: Uint32Array.from([0, 1, 4]) };
  const empty: Mesh = { positions: new Float32Array(0), indices: new Uint32Array(0) };
  // More than 2^32 vertices cannot be allocated here; a stand-in reports the length.
  const huge = { positions: { length: 3 * (2 ** 32 + 1) } as unknown as Float32Array, indices: Uint32Array.from([0, 1, 2]) };
  const writers: [string, (m: Mesh) => Uint8Array][] = [
    ['STL binary', (m) => encodeStl(m)],
    ['STL ASCII', (m) => encodeStl(m, { format: 'ascii' })],
    ['OBJ', (m) => encodeObj([{ name: 'm', mesh: m }]).obj],
    ['PLY binary', (m) => encodePly(m)],
    ['PLY ASCII', (m) => encodePly(m, { format: 'ascii' })],
    ['3MF', (m) => encode3mf([{ name: 'm', mesh: m }])],
  ];
  for (const [label, write] of writers) {
    it(`${label}: GeometryError for NaN, an index out of range, an empty mesh, > 2^32 vertices`, () => {
      expect(() => write(nan)).toThrow(/non-finite/);
      expect(() => write(outOfRange)).toThrow(/names vertex 4 but the mesh has 4/);
      expect(() => write(empty)).toThrow(/empty/);
      expect(() => write(huge)).toThrow(/more than 2\^32/);
      for (const m of [nan, outOfRange, empty, huge]) expect(() => write(m)).toThrow(GeometryError);
    });
  }
  it('3MF: GeometryError for a triangle repeating a vertex; ParameterError for another unit or a bad colour', () => {
    expect(() => encode3mf([{ name: 'm', mesh: { positions: tetra.positions, indices: Uint32Array.from([0, 1, 1]) } }])).toThrow(GeometryError);
    expect(() => encode3mf([{ name: 'm', mesh: tetra }], { unit: 'inch' as 'millimeter' })).toThrow(ParameterError);
    expect(() => encode3mf([{ name: 'm', mesh: tetra, color: 'bone' }])).toThrow(ParameterError);
    expect(() => encode3mf([])).toThrow(ParameterError);
  });
  it('PLY: ParameterError for colours of the wrong length', () => {
    expect(() => encodePly(tetra, { colors: new Uint8Array(5) })).toThrow(ParameterError);
  });
  it('an aborted signal stops every writer with AbortError', () => {
    const signal = AbortSignal.abort();
    expect(() => encodeStl(ring, { signal })).toThrow(AbortError);
    expect(() => encodeStl(ring, { format: 'ascii', signal })).toThrow(AbortError);
    expect(() => encodeObj(ring, { signal })).toThrow(AbortError);
    expect(() => encodePly(ring, { signal })).toThrow(AbortError);
    expect(() => encode3mf([{ name: 'r', mesh: ring }], { signal })).toThrow(AbortError);
  });
  it('progress runs 0 → 1 once, never backwards', () => {
    const seen: number[] = [];
    encode3mf([{ name: 'r', mesh: torus(30, 8, 400, 200) }], { onProgress: (f) => seen.push(f) });
    expect(seen[0]).toBe(0);
    expect(seen[seen.length - 1]).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  });
});
