/**
 * `voxbook run notebooks/ct-to-print.nb.ts --out DIR --html` on the real head CT: DIR holds
 * ct-to-print.html, one page that refers to nothing outside itself and carries every output —
 * the SVG histogram, the PNG slices, the table, the bone mesh as a decimated preview that
 * still spans the whole skull, report.json as an embedded download, and a note for the STL,
 * which is over the embedding cap.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeStl } from '../../cells/io/stl.ts';
import { extentMm } from '../../app/renderers/mesh-geometry.ts';
import { decodeDocument, type DecodedMesh } from '../../app/static/decode.ts';
import { DEFAULT_LIMITS, type StaticDocument } from '../../app/static/format.ts';
import type { FileData } from '../../kernel/protocol.ts';
import { ROOT, tempDir, voxbook, type CliResult } from './helpers.ts';

const MESH = 'application/vnd.voxbook.mesh+json';
const FILE = 'application/vnd.voxbook.file+json';

describe('voxbook run --html on ct-to-print', () => {
  const out = tempDir();
  const cache = tempDir('vb-cache-');
  let result: CliResult;
  let html: string;
  let doc: StaticDocument;

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'data', 'Cranium.inv3')), 'run `npm run fetch-data` first').toBe(true);
    result = await voxbook(['run', 'notebooks/ct-to-print.nb.ts', '--out', out, '--html', '--cache', cache], { killAfterMs: 170_000 });
    html = readFileSync(join(out, 'ct-to-print.html'), 'utf8');
    const json = /<script type="application\/json" id="vb-document">([^<]*)<\/script>/.exec(html)?.[1];
    expect(json, 'the page carries its document').toBeDefined();
    doc = await decodeDocument(json!);
  }, 180_000);

  it('writes DIR/ct-to-print.html beside the STL, listed in the run manifest', () => {
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, '.voxbook-run.json'), 'utf8')) as { files: { name: string; size: number }[] };
    const entry = manifest.files.find((f) => f.name === 'ct-to-print.html');
    expect(entry?.size).toBe(Buffer.byteLength(html));
    expect(result.stdout).toMatch(/html: ct-to-print\.html, [\d.]+ MB in \d+ ms/);
    expect(result.stderr).toMatch(/bone\.stl \(27\.0 MB\) not embedded/);
  });

  it('refers to nothing outside the file: no script, link, image or frame source, and a policy that forbids loading', () => {
    // Two scripts, both inline: the document (JSON) and the viewer.
    const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1]!);
    expect(scripts).toEqual([' type="application/json" id="vb-document"', '']);
    // The markup around the two scripts (their contents are data and code, checked below).
    const markup = html.replace(/(<script\b[^>]*>)[^]*?(<\/script>)/gi, '$1$2');
    expect(markup.length).toBeLessThan(2000);
    expect(/<link\b/i.test(markup)).toBe(false);
    expect(/<(img|iframe|frame|embed|object|source|video|audio)\b/i.test(markup)).toBe(false);
    expect(/\s(src|href)\s*=/i.test(markup)).toBe(false);
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src 'none';`);
    // Nothing in the outputs names a remote resource either.
    const outputs = JSON.stringify(doc.cells.flatMap((c) => c.outputs.map((b) => Object.fromEntries(Object.entries(b.data).filter(([k]) => k !== MESH && k !== FILE)))));
    expect(/(src|href)=\\?["']?(https?:)?\/\//i.test(outputs)).toBe(false);
  });

  it('carries every output: the SVG histogram, PNG slices, the table and the markdown', () => {
    expect(doc.provenance.notebook).toBe('ct-to-print.nb.ts');
    expect(doc.provenance.notebookSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.provenance.parameters).toMatchObject({ minHu: 226, maxHu: 3071 });
    expect(doc.notebookText).toBe(readFileSync(join(ROOT, 'notebooks/ct-to-print.nb.ts'), 'utf8'));
    expect(doc.cells.map((c) => c.id)).toEqual(expect.arrayContaining(['load', 'describe', 'segment', 'mesh', 'validate', 'export']));
    const svg = doc.cells.flatMap((c) => c.outputs).map((b) => b.data['image/svg+xml']).find((s) => typeof s === 'string') as string;
    expect(svg).toMatch(/^<svg/);
    // Observable Plot's histogram of HU with the threshold markers: a stepped outline of many vertices.
    expect(svg).toContain('value (HU)');
    expect(svg).toContain('minHu 226');
    expect(Math.max(...[...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]!.split('L').length))).toBeGreaterThan(100);
    const pngs = doc.cells.flatMap((c) => c.outputs).map((b) => b.data['image/png']).filter((p): p is string => typeof p === 'string');
    expect(pngs.length).toBeGreaterThanOrEqual(2);
    for (const p of pngs) expect([...Buffer.from(p, 'base64').subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const table = doc.cells.find((c) => c.id === 'segment')!.outputs.find((b) => b.data['application/vnd.voxbook.table+json']);
    expect(table).toBeDefined();
    expect(doc.cells.some((c) => c.kind === 'markdown' && c.source.includes('# From a head CT to a printable skull'))).toBe(true);
    // The minHu slider is shown as the value the run used (a page has no kernel to move).
    const outputs = doc.cells.flatMap((c) => c.outputs);
    expect(outputs.some((b) => b.data['application/vnd.voxbook.input+json'] !== undefined)).toBe(false);
    expect(outputs.map((b) => b.data['text/plain']).filter((t) => typeof t === 'string' && t.startsWith('minHu = '))).toEqual(['minHu = 226']);
  });

  it('embeds the bone as a preview of at most 200,000 triangles that spans the full mesh within 1 mm', () => {
    const mesh = doc.cells.find((c) => c.id === 'mesh')!.outputs.map((b) => b.data[MESH]).find((m) => m !== undefined) as DecodedMesh;
    const full = decodeStl(readFileSync(join(out, 'bone.stl')));
    expect(mesh.preview?.fullTriangles).toBe(full.indices.length / 3);
    // meshoptimizer's simplifier stops at or just under the budget: the smoothed skull alone
    // (539,128 triangles) comes to 199,998.
    expect(mesh.triangles).toBeLessThanOrEqual(DEFAULT_LIMITS.meshPreviewTriangles);
    expect(mesh.triangles).toBeGreaterThan(0.99 * DEFAULT_LIMITS.meshPreviewTriangles);
    expect(mesh.indices.length).toBe(3 * mesh.triangles);
    expect(mesh.indices.reduce((m, i) => Math.max(m, i), 0)).toBe(mesh.positions.length / 3 - 1);
    const [a, b] = [extentMm(mesh.positions), extentMm(full.positions)];
    for (let k = 0; k < 3; k++) expect(Math.abs(a[k]! - b[k]!)).toBeLessThan(1);
    expect(mesh.preview!.errorMm).toBeLessThan(0.5);
  });

  it('embeds report.json byte for byte, and names bone.stl (over the cap) instead of embedding it', () => {
    const bundles = doc.cells.find((c) => c.id === 'export')!.outputs;
    const report = bundles.map((b) => b.data[FILE] as FileData | undefined).find((f) => f?.name === 'report.json');
    expect(Buffer.from(report!.bytes).equals(readFileSync(join(out, 'report.json')))).toBe(true);
    expect(bundles.some((b) => (b.data[FILE] as FileData | undefined)?.name === 'bone.stl')).toBe(false);
    const note = bundles.map((b) => b.data['text/markdown']).find((t) => typeof t === 'string' && t.includes('bone.stl')) as string;
    expect(note).toMatch(/\*\*bone\.stl\*\* \(27\.0 MB\) is not embedded .* 16\.0 MB cap .*output folder/);
  });

  it('a second run from the cache reuses the packed mesh preview and writes the same outputs', async () => {
    const meshes = doc.cells.flatMap((c) => c.outputs).filter((b) => b.data[MESH] !== undefined).length;
    expect(meshes).toBeGreaterThanOrEqual(1);
    expect(readdirSync(cache).filter((f) => f.startsWith('mesh-preview-')).length).toBe(meshes);
    const again = tempDir();
    const second = await voxbook(['run', 'notebooks/ct-to-print.nb.ts', '--out', again, '--html', '--cache', cache, '--quiet'], { killAfterMs: 120_000 });
    expect(second.code, second.stderr).toBe(0);
    const page = readFileSync(join(again, 'ct-to-print.html'), 'utf8');
    // The same outputs, the bone preview included (the cells now say "cached", and the run has its own time).
    const outputsOf = (text: string) => {
      const json = /id="vb-document">([^<]*)<\/script>/.exec(text)![1]!;
      const d = JSON.parse(json) as { cells: { id: string; outputs: unknown[] }[] };
      return d.cells.map((c) => createHash('sha256').update(`${c.id}:${JSON.stringify(c.outputs)}`).digest('hex'));
    };
    expect(outputsOf(page)).toEqual(outputsOf(html));
    expect(page.length).toBeGreaterThan(2_000_000);
  }, 130_000);
});
