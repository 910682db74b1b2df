import { describe, expect, it } from 'vitest';
import { FormatError, ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, makeVolume } from '../../cells/core/volume.ts';
import { decodeStl, encodeStl } from '../../cells/io/stl.ts';
import { isosurface } from '../../cells/mesh/isosurface.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';

function sphereMesh() {
  const n = 40, c = [19.3, 20.1, 19.7], r = 15;
  const data = new Float32Array(n * n * n);
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) data[i + n * (j + n * k)] = r - Math.hypot(i - c[0]!, j - c[1]!, k - c[2]!);
  return isosurface(makeVolume({ data, dims: [n, n, n], spacingMm: [0.8, 0.8, 1.2], originMm: [-16, -16, -24], direction: IDENTITY3 }), { isoValue: 0 });
}

const ascii = (b: Uint8Array, start: number, end: number): string => String.fromCharCode(...b.subarray(start, end));

describe('encodeStl', () => {
  const mesh = sphereMesh();
  const T = mesh.indices.length / 3;
  const bytes = encodeStl(mesh);
  it('writes 84 + 50 bytes per triangle with the count at byte 80', () => {
    expect(bytes.length).toBe(84 + 50 * T);
    expect(new DataView(bytes.buffer).getUint32(80, true)).toBe(T);
  });
  it('writes an ASCII header naming units and frame, padded to 80 bytes, not starting with "solid"', () => {
    const header = ascii(bytes, 0, 80);
    expect(header.trimEnd()).toBe('Voxbook binary STL; units mm; LPS patient coordinates');
    expect(header.startsWith('solid')).toBe(false);
    expect(ascii(encodeStl(mesh, { header: 'case 12' }), 0, 7)).toBe('case 12');
  });
  it('writes unit facet normals that point outward (along the winding)', () => {
    const dv = new DataView(bytes.buffer);
    let outward = 0;
    for (let t = 0; t < T; t += 97) {
      const o = 84 + 50 * t;
      const n = [dv.getFloat32(o, true), dv.getFloat32(o + 4, true), dv.getFloat32(o + 8, true)];
      expect(Math.hypot(n[0]!, n[1]!, n[2]!)).toBeCloseTo(1, 5);
      // Outward on a sphere: the normal agrees with (vertex − centre).
      const cx = -16 + 19.3 * 0.8, cy = -16 + 20.1 * 0.8, cz = -24 + 19.7 * 1.2;
      const p = [dv.getFloat32(o + 12, true) - cx, dv.getFloat32(o + 16, true) - cy, dv.getFloat32(o + 20, true) - cz];
      if (n[0]! * p[0]! + n[1]! * p[1]! + n[2]! * p[2]! > 0) outward++;
    }
    expect(outward).toBe(Math.ceil(T / 97));
  });
  it('rejects a header that begins with "solid" or is too long', () => {
    expect(() => encodeStl(mesh, { header: 'solid skull' })).toThrow(ParameterError);
    expect(() => encodeStl(mesh, { header: 'x'.repeat(81) })).toThrow(ParameterError);
  });
});

describe('decodeStl', () => {
  const mesh = sphereMesh();
  const before = validateMesh(mesh);
  it('round-trips triangle count, welded vertex count and volume', () => {
    const back = decodeStl(encodeStl(mesh), 'sphere.stl');
    const after = validateMesh(back);
    expect(after.triangles).toBe(before.triangles);
    expect(after.vertices).toBe(before.vertices);
    expect(after.volumeMm3).toBeCloseTo(before.volumeMm3, 6);
    expect(after.edgeManifold && after.closed && after.consistentlyOriented).toBe(true);
    expect(after.shells).toBe(1);
  });
  it('welds identical positions, counting +0 and −0 as one', () => {
    const tri = (a: number[], b: number[], c: number[]): number[] => [0, 0, 1, ...a, ...b, ...c];
    const recs = [tri([0, 0, 0], [1, 0, 0], [0, 1, 0]), tri([1, 0, 0], [1, 1, 0], [0, 1, 0]), tri([-0, 0, 0], [0, -1, 0], [1, 0, 0])];
    const bytes = new Uint8Array(84 + 50 * recs.length);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(80, recs.length, true);
    recs.forEach((r, t) => r.forEach((x, i) => dv.setFloat32(84 + 50 * t + 4 * i, x, true)));
    const m = decodeStl(bytes, 'weld.stl');
    expect(m.positions.length / 3).toBe(5);
    expect(Array.from(m.indices)).toEqual([0, 1, 2, 1, 3, 2, 0, 4, 1]);
  });
  it('throws FormatError naming the file for a truncated buffer', () => {
    const bytes = encodeStl(mesh);
    const cut = bytes.subarray(0, bytes.length - 20);
    expect(() => decodeStl(cut, 'skull.stl')).toThrow(FormatError);
    expect(() => decodeStl(cut, 'skull.stl')).toThrow(/skull\.stl: .*truncated/);
    try {
      decodeStl(cut, 'skull.stl');
    } catch (e) {
      expect((e as FormatError).path).toBe('skull.stl');
    }
  });
  it('throws FormatError for data shorter than the 84-byte preamble', () => {
    expect(() => decodeStl(new Uint8Array(40), 'tiny.stl')).toThrow(FormatError);
  });
  it('reads ASCII STL, and throws FormatError for a facet without 3 vertices', () => {
    const text = new TextEncoder().encode('solid cube\n  facet normal 0 0 1\n   outer loop\n    vertex 0 0 0\n    vertex 1 0 0\n    vertex 0 1 0\n   endloop\n  endfacet\nendsolid cube\n');
    const m = decodeStl(text, 'cube.stl');
    expect(Array.from(m.positions)).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(m.indices)).toEqual([0, 1, 2]);
    const bad = new TextEncoder().encode('solid cube\n facet normal 0 0 1\n outer loop\n vertex 0 0 0\n vertex 1 0 0\n endloop\n endfacet\nendsolid\n');
    expect(() => decodeStl(bad, 'cube.stl')).toThrow(FormatError);
  });
  it('throws FormatError for a non-finite coordinate', () => {
    const bytes = new Uint8Array(84 + 50);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(80, 1, true);
    dv.setFloat32(84 + 12, Number.NaN, true);
    expect(() => decodeStl(bytes, 'nan.stl')).toThrow(FormatError);
  });
  it('reads an STL held in a view with a non-zero byte offset', () => {
    const bytes = encodeStl(mesh);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeStl(shifted.subarray(3)).indices.length).toBe(mesh.indices.length);
  });
});
