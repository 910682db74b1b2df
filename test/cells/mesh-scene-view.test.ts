/**
 * `meshView(parts)` and `fourView`: the several-mesh bundle (application/vnd.voxbook.meshes+json),
 * its checks, the single-mesh bundle left as it was, and the static export's round trip of a
 * scene whose big part is decimated on its own.
 */
import { describe, expect, it } from 'vitest';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { fourView, meshView, MESHES_MIME, type MeshSceneData } from '../../cells/viz/mesh-view.ts';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { decodeDocument } from '../../app/static/decode.ts';
import { encodeDocument } from '../../app/static/encode.ts';
import { isMeshSceneData, sceneBounds, FOUR_VIEW_CAMERAS, distanceMm } from '../../app/renderers/mesh-scene-geometry.ts';
import { chooseMime } from '../../app/renderers/choose.ts';
import { sphereMesh } from '../mesh-phantoms.ts';

const small = sphereMesh(10, [-20, 0, 0], { n: 28, originMm: [-35, -15, -15] });
const other = sphereMesh(10, [20, 0, 0], { n: 28, originMm: [5, -15, -15] });

describe('meshView with parts', () => {
  it('keeps the one-mesh bundle exactly as before', () => {
    const b = meshView(small, { name: 'skull', color: [1, 2, 3] })[MIME_METHOD]();
    expect(Object.keys(b.data).sort()).toEqual(['application/vnd.voxbook.mesh+json', 'text/plain']);
    const m = b.data['application/vnd.voxbook.mesh+json'] as Record<string, unknown>;
    expect(Object.keys(m).sort()).toEqual(['color', 'indices', 'name', 'positions', 'triangles']);
    expect(m['positions']).toBe(small.positions);
    expect(m['color']).toEqual([1, 2, 3]);
    expect(m['triangles']).toBe(small.indices.length / 3);
  });

  it('carries every part with its colour, opacity and per-vertex colours, sharing the arrays', () => {
    const colors = new Uint8Array(other.positions.length).fill(200);
    const v = meshView([
      { name: 'skull', mesh: small, color: '#E3DAC9' },
      { name: 'skin', mesh: other, color: '#C8553D80', colors },
      { name: 'third', mesh: small, color: [10, 20, 30], opacity: 0.25 },
    ], { name: 'head' });
    const b = v[MIME_METHOD]();
    expect(chooseMime(b)).toBe(MESHES_MIME);
    const s = b.data[MESHES_MIME] as MeshSceneData;
    expect(isMeshSceneData(s)).toBe(true);
    expect(s.layout).toBe('view');
    expect(s.name).toBe('head');
    expect(s.parts.map((p) => p.name)).toEqual(['skull', 'skin', 'third']);
    expect(s.parts[0]!.color).toEqual([0xe3, 0xda, 0xc9]);
    expect(s.parts[0]!.opacity).toBe(1);
    expect(s.parts[1]!.opacity).toBeCloseTo(128 / 255, 6); // the hex alpha
    expect(s.parts[1]!.colors).toBe(colors);
    expect(s.parts[2]!.opacity).toBe(0.25);
    expect(s.parts[2]!.color).toEqual([10, 20, 30]);
    expect(s.parts[0]!.positions).toBe(small.positions);
    expect(s.parts[1]!.triangles).toBe(other.indices.length / 3);
    expect(b.data['text/plain']).toContain('skin');
  });

  it('names a palette colour when a part has none', () => {
    const s = meshView([{ name: 'a', mesh: small }, { name: 'b', mesh: other }])[MIME_METHOD]().data[MESHES_MIME] as MeshSceneData;
    expect(s.parts[0]!.color).toEqual([0xe3, 0xda, 0xc9]);
    expect(s.parts[1]!.color).toEqual([0xe6, 0x9f, 0x00]); // then the label palette (Okabe–Ito orange)
  });

  it('refuses bad parts with typed errors', () => {
    expect(() => meshView([])).toThrow(ParameterError);
    expect(() => meshView([{ name: 'a', mesh: small, opacity: 1.5 }])).toThrow(/opacity/);
    expect(() => meshView([{ name: 'a', mesh: small, color: 'red' }])).toThrow(ParameterError);
    expect(() => meshView([{ name: 'a', mesh: small, color: [300, 0, 0] }])).toThrow(ParameterError);
    expect(() => meshView([{ name: 'a', mesh: small, colors: new Uint8Array(5) }])).toThrow(/3 \(r, g, b\) per vertex/);
    expect(() => meshView([{ name: 'a', mesh: { positions: new Float32Array(0), indices: new Uint32Array(0) } }])).toThrow(GeometryError);
  });

  it('fourView takes one mesh or parts', () => {
    const one = fourView(small, { name: 'ball', color: '#4F86C6' })[MIME_METHOD]().data[MESHES_MIME] as MeshSceneData;
    expect(one.layout).toBe('four');
    expect(one.parts).toHaveLength(1);
    expect(one.parts[0]!.color).toEqual([0x4f, 0x86, 0xc6]);
    const two = fourView([{ name: 'a', mesh: small }, { name: 'b', mesh: other, opacity: 0.5 }])[MIME_METHOD]().data[MESHES_MIME] as MeshSceneData;
    expect(two.parts.map((p) => p.opacity)).toEqual([1, 0.5]);
  });
});

describe('the scene renderer helpers', () => {
  it('bounds the scene and measures', () => {
    const b = sceneBounds([small, other]);
    expect(b[0]).toBeCloseTo(-30, 0);
    expect(b[1]).toBeCloseTo(30, 0);
    expect(b[5]).toBeCloseTo(10, 0);
    expect(distanceMm([0, 0, 0], [3, 4, 12])).toBe(13);
  });

  it('four-view cameras look along a horizontal axis with superior drawn away from the centre', () => {
    // Screen right = direction × viewUp; in the top cell superior is up (viewUp = +z), right cell: +z at screen right, etc.
    const cross = (a: number[], b: number[]) => [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
    const outward = [[0, 1], [1, 0], [0, -1], [-1, 0]]; // top, right, bottom, left: (screen x, screen y) pointing away from the centre
    FOUR_VIEW_CAMERAS.forEach(({ direction, viewUp }, i) => {
      const right = cross(direction, viewUp);
      // +z in screen coordinates: (right·z, up·z)
      expect([right[2]! + 0, viewUp[2]! + 0]).toEqual(outward[i]);
      expect(direction[2]).toBe(0);
    });
  });
});

describe('the static export of several meshes', () => {
  it('packs each part, decimates only the big one, and decodes with names, colours and opacity', async () => {
    const big = sphereMesh(30, [0, 0, 0], { n: 70, spacingMm: 1, originMm: [-35, -35, -35] });
    const budget = 5000;
    expect(big.indices.length / 3).toBeGreaterThan(budget);
    const bundle = meshView([
      { name: 'big', mesh: big, color: '#E3DAC9' },
      { name: 'small', mesh: small, color: '#4F86C6', opacity: 0.4 },
    ], { name: 'pair' })[MIME_METHOD]();
    const provenance = { notebook: 'x.nb.ts', notebookSha256: '0', parameters: {}, versions: {}, ranAt: '2026-01-01T00:00:00Z' };
    const { json, notes } = await encodeDocument({
      title: 't', provenance,
      cells: [{ id: 'c', kind: 'code', source: '', outputs: [bundle] }],
    }, { meshPreviewTriangles: budget, fileEmbedMaxBytes: 1e6 });
    expect(notes.some((n) => n.includes('"big"')), JSON.stringify(notes)).toBe(true);
    expect(notes.some((n) => n.includes('"small"'))).toBe(false);
    const doc = await decodeDocument(json);
    const s = doc.cells[0]!.outputs[0]!.data[MESHES_MIME] as MeshSceneData & { parts: { preview?: { fullTriangles: number } }[] };
    expect(isMeshSceneData(s)).toBe(true);
    expect(s.parts.map((p) => p.name)).toEqual(['big', 'small']);
    expect(s.parts[0]!.triangles).toBeLessThanOrEqual(budget);
    expect(s.parts[0]!.preview?.fullTriangles).toBe(big.indices.length / 3);
    expect(s.parts[1]!.triangles).toBe(small.indices.length / 3);
    expect(s.parts[1]!.preview).toBeUndefined();
    expect(s.parts[1]!.opacity).toBe(0.4);
    expect(s.parts[1]!.color).toEqual([0x4f, 0x86, 0xc6]);
    // Lossless for the part within budget: the same bounds.
    expect(sceneBounds([s.parts[1]!])).toEqual(sceneBounds([small]));
  });
});
