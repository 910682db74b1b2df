/**
 * The parts of the HTML export, on a sphere whose answers are known: decimation to a budget
 * (cells/mesh/decimate.ts), the mesh codec's round trip (app/static/encode.ts → decode.ts),
 * the caps on embedded files, script-safe JSON, the page's refusal of a script that would
 * break it, highlighting that keeps the source, and the viewer build's cache.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decimateForDisplay } from '../../cells/mesh/decimate.ts';
import { ParameterError } from '../../cells/core/errors.ts';
import type { FileData, MeshData, MimeBundle } from '../../kernel/protocol.ts';
import { decodeDocument, decodeMesh } from '../../app/static/decode.ts';
import { encodeDocument, encodeMesh, type ExportInput } from '../../app/static/encode.ts';
import { pageHtml } from '../../app/static/page.ts';
import { highlightTypeScript } from '../../app/static/highlight.ts';
import { staticViewerScript } from '../../app/static/viewer-build.ts';

/** A closed UV sphere of radius `r` mm: `rings` × `segments` quads, poles as fans; outward, counter-clockwise. */
function sphere(r: number, rings: number, segments: number): { positions: Float32Array; indices: Uint32Array } {
  const pos: number[] = [0, 0, r];
  for (let i = 1; i < rings; i++) {
    const theta = (Math.PI * i) / rings;
    for (let j = 0; j < segments; j++) {
      const phi = (2 * Math.PI * j) / segments;
      pos.push(r * Math.sin(theta) * Math.cos(phi), r * Math.sin(theta) * Math.sin(phi), r * Math.cos(theta));
    }
  }
  pos.push(0, 0, -r);
  const south = pos.length / 3 - 1;
  const at = (i: number, j: number) => 1 + (i - 1) * segments + (j % segments);
  const idx: number[] = [];
  for (let j = 0; j < segments; j++) idx.push(0, at(1, j), at(1, j + 1));
  for (let i = 1; i < rings - 1; i++) {
    for (let j = 0; j < segments; j++) idx.push(at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j), at(i + 1, j + 1), at(i, j + 1));
  }
  for (let j = 0; j < segments; j++) idx.push(south, at(rings - 1, j + 1), at(rings - 1, j));
  return { positions: new Float32Array(pos), indices: new Uint32Array(idx) };
}

/** Each triangle as its three corners' coordinates, rotated to start at the smallest (winding kept), sorted: equal meshes give equal lists. */
function triangleSet(positions: Float32Array, indices: Uint32Array): string[] {
  const out: string[] = [];
  for (let t = 0; t < indices.length; t += 3) {
    const corners = [0, 1, 2].map((k) => Array.from(positions.subarray(3 * indices[t + k]!, 3 * indices[t + k]! + 3)).join(','));
    let first = 0;
    for (let k = 1; k < 3; k++) if (corners[k]! < corners[first]!) first = k;
    out.push([0, 1, 2].map((k) => corners[(first + k) % 3]).join(' '));
  }
  return out.sort();
}

const BALL = sphere(50, 90, 180); // 32,040 triangles, radius 50 mm
const TRIANGLES = BALL.indices.length / 3;

function meshData(m: { positions: Float32Array; indices: Uint32Array }, name = 'ball'): MeshData {
  return { positions: m.positions, indices: m.indices, triangles: m.indices.length / 3, name, color: [200, 190, 170] };
}

describe('decimateForDisplay', () => {
  it('cuts a 32,040-triangle sphere to the 2,000-triangle budget, keeping only used vertices, all on the sphere', async () => {
    expect(TRIANGLES).toBe(32_040);
    const d = await decimateForDisplay(BALL, { targetTriangles: 2000 });
    const n = d.indices.length / 3;
    expect(n).toBeLessThanOrEqual(2000);
    expect(n).toBeGreaterThan(1800);
    const used = new Set(d.indices);
    expect(used.size).toBe(d.positions.length / 3);
    // Edge collapses keep surviving vertices where they were: on the sphere.
    for (let v = 0; v < d.positions.length; v += 3) expect(Math.hypot(d.positions[v]!, d.positions[v + 1]!, d.positions[v + 2]!)).toBeCloseTo(50, 3);
    expect(d.errorMm).toBeGreaterThan(0);
    expect(d.errorMm).toBeLessThan(2);
  });

  it('returns a mesh within budget with the same triangles', async () => {
    const d = await decimateForDisplay(BALL, { targetTriangles: TRIANGLES });
    expect(d.errorMm).toBe(0);
    expect(triangleSet(d.positions, d.indices)).toEqual(triangleSet(BALL.positions, BALL.indices));
  });

  it('refuses a budget below one triangle and indices that are not whole triangles', async () => {
    await expect(decimateForDisplay(BALL, { targetTriangles: 0 })).rejects.toThrow(ParameterError);
    await expect(decimateForDisplay({ positions: BALL.positions, indices: BALL.indices.subarray(0, 4) }, { targetTriangles: 1 })).rejects.toThrow(/^decimateForDisplay: .*indices \(4\) must both hold 3 numbers/);
  });
});

describe('the mesh codec', () => {
  it('round-trips a mesh within budget exactly: same triangles, same winding, name and colour', async () => {
    const encoded = await encodeMesh(meshData(BALL), 100_000);
    expect(encoded.preview).toBeUndefined();
    const back = decodeMesh(JSON.parse(JSON.stringify(encoded)));
    expect(back.triangles).toBe(TRIANGLES);
    expect(back.name).toBe('ball');
    expect(back.color).toEqual([200, 190, 170]);
    expect(triangleSet(back.positions, back.indices)).toEqual(triangleSet(BALL.positions, BALL.indices));
    // The codecs pack it: fewer base64 bytes than the raw float32 and uint32 arrays.
    const raw = BALL.positions.byteLength + BALL.indices.byteLength;
    expect(encoded.vertices.length + encoded.indices.length).toBeLessThan(raw);
  });

  it('embeds a mesh over budget as a preview that says how big the full one was', async () => {
    const encoded = await encodeMesh(meshData(BALL), 5000);
    expect(encoded.preview?.fullTriangles).toBe(TRIANGLES);
    const back = decodeMesh(encoded);
    expect(back.triangles).toBeLessThanOrEqual(5000);
    expect(back.triangles).toBeGreaterThan(4500);
    expect(back.preview?.errorMm).toBeGreaterThan(0);
  });

  it('carries per-vertex colours with their vertices, within budget and through decimation (and leaves them out when absent)', async () => {
    // A colour that is a function of position: red above the equator, blue below, green from x.
    const colorAt = (p: Float32Array, v: number) => [p[3 * v + 2]! > 0 ? 220 : 30, Math.round(127 + 1.2 * p[3 * v]!), p[3 * v + 2]! > 0 ? 30 : 220];
    const colors = new Uint8Array(BALL.positions.length);
    for (let v = 0; v < BALL.positions.length / 3; v++) colors.set(colorAt(BALL.positions, v), 3 * v);
    for (const budget of [100_000, 5000]) {
      const back = decodeMesh(JSON.parse(JSON.stringify(await encodeMesh({ ...meshData(BALL), colors }, budget))));
      expect(back.colors?.length).toBe(back.positions.length);
      let wrong = 0;
      for (let v = 0; v < back.positions.length / 3; v++) if (colorAt(back.positions, v).some((c, k) => c !== back.colors![3 * v + k])) wrong++;
      expect(wrong).toBe(0);
    }
    expect(decodeMesh(await encodeMesh(meshData(BALL), 100_000)).colors).toBeUndefined();
  });
});

describe('encodeDocument', () => {
  const file = (name: string, n: number): FileData => ({ name, mime: 'application/octet-stream', bytes: Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255) });
  const bundle = (data: Record<string, unknown>): MimeBundle => ({ data });
  const input = (outputs: MimeBundle[]): ExportInput => ({
    title: 'ball',
    provenance: { notebook: 'ball.nb.ts', notebookSha256: 'ab'.repeat(32), parameters: { r: 50 }, versions: { voxbook: '0.1.0' }, ranAt: '2026-11-27T00:00:00.000Z' },
    cells: [{ id: 'c', kind: 'code', source: 'const r = 50;', status: 'done', ms: 3, outputs }],
    whereLargeFilesAre: 'it is beside this page',
  });
  const FILE = 'application/vnd.voxbook.file+json';

  it('embeds a file within the cap byte for byte, and names one over it in a note instead', async () => {
    const limits = { meshPreviewTriangles: 1000, fileEmbedMaxBytes: 100 };
    const { json, notes } = await encodeDocument(input([bundle({ [FILE]: file('small.bin', 100) }), bundle({ [FILE]: file('big.stl', 101), 'text/plain': 'big.stl' })]), limits);
    const doc = await decodeDocument(json);
    const [small, big] = doc.cells[0]!.outputs;
    expect(Array.from((small!.data[FILE] as FileData).bytes)).toEqual(Array.from(file('small.bin', 100).bytes));
    expect(big!.data[FILE]).toBeUndefined();
    expect(big!.data['text/markdown']).toBe('**big.stl** (101 B) is not embedded in this page: it is over the 100 B cap for embedded files; it is beside this page.');
    expect(notes).toEqual(['cell "c": big.stl (101 B) not embedded: over the 100 B cap']);
    expect(doc.limits).toEqual(limits);
    expect(doc.provenance.parameters).toEqual({ r: 50 });
  });

  it('writes JSON with no "<", so markup in an output cannot end the script element, and reads it back unchanged', async () => {
    const evil = '</script><!-- <script>alert(1)</script>';
    const { json } = await encodeDocument(input([bundle({ 'text/markdown': evil })]));
    expect(json).not.toContain('<');
    const doc = await decodeDocument(json);
    expect(doc.cells[0]!.outputs[0]!.data['text/markdown']).toBe(evil);
    const page = pageHtml('a <b> & "c"', json, 'void 0;');
    expect(page.match(/<\/script>/g)?.length).toBe(2);
    expect(page).toContain('<title>a &#60;b&#62; &#38; &#34;c&#34;</title>');
  });

  it('refuses a viewer script that would end or confuse its inline element', () => {
    expect(() => pageHtml('t', '{}', 'const s = "</script>";')).toThrow(/contains "<\/script" at 11/);
    expect(() => pageHtml('t', '{}', 'x = "<!--";')).toThrow(/<!--/);
  });

  it('refuses a document of another format', async () => {
    await expect(decodeDocument('{"format":"voxbook-static/0"}')).rejects.toThrow(/not voxbook-static\/1 \(found voxbook-static\/0\)/);
  });
});

describe('highlightTypeScript', () => {
  it('cuts the source into spans that join back to it, keywords and strings marked', () => {
    const source = "import { x } from 'voxbook';\n// note\nconst n: number = 3;\n";
    const spans = highlightTypeScript(source);
    expect(spans.map((s) => s.text).join('')).toBe(source);
    expect(spans.filter((s) => s.classes.includes('tok-keyword')).map((s) => s.text)).toEqual(['import', 'from', 'const']);
    expect(spans.find((s) => s.classes.includes('tok-string'))?.text).toBe("'voxbook'");
    expect(spans.find((s) => s.classes.includes('tok-comment'))?.text).toBe('// note');
  });
});

describe('staticViewerScript', () => {
  it('builds once, then serves the cache; a torn cache entry is rebuilt', async () => {
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'vb-viewer-')), 'viewer.json');
    const first = await staticViewerScript({ cacheFile });
    expect(first.cached).toBe(false);
    expect(first.script.length).toBeGreaterThan(100_000);
    expect(/<\/script|<!--/i.test(first.script)).toBe(false);
    const second = await staticViewerScript({ cacheFile });
    expect(second.cached).toBe(true);
    expect(second.script).toBe(first.script);
    writeFileSync(cacheFile, '{"format":1,"inputs":{},"scr');
    const third = await staticViewerScript({ cacheFile });
    expect(third.cached).toBe(false);
    expect(third.script).toBe(first.script);
  }, 120_000);
});
