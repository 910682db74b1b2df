import { describe, expect, it, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { decode } from 'fast-png';
import { unzipSync } from 'fflate';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NOTEBOOK = join(ROOT, 'notebooks/ct-to-print.nb.ts');
const DATA = join(ROOT, 'data');

/** Runs `voxbook run` as a user would; never throws, returns the exit code and output. */
async function voxbook(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  try {
    const r = await run(process.execPath, [join(ROOT, 'bin/voxbook.mjs'), ...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/**
 * The segment cell's slice in the executed notebook: its removed-components table and how many
 * pixels are drawn yellow (removed by keep: viridis at 1 over the slice) or orange (printed).
 */
function segmentOutputs(ipynb: string) {
  const nb = JSON.parse(readFileSync(ipynb, 'utf8'));
  const outputs: Array<{ data: Record<string, unknown> }> = nb.cells.find((c: { id: string }) => c.id === 'segment').outputs;
  const img = decode(Buffer.from(outputs.map((o) => o.data['image/png']).find(Boolean) as string, 'base64'));
  let yellow = 0, orange = 0;
  for (let p = 0; p < img.data.length; p += img.channels) {
    const [r, g, b] = [img.data[p]!, img.data[p + 1]!, img.data[p + 2]!];
    if (r > 180 && g > r - 30 && b < 100) yellow++;
    else if (r > g + 40) orange++;
  }
  const tables = outputs.map((o) => o.data['application/vnd.voxbook.table+json']).filter(Boolean) as Array<{ columns: string[]; rows: unknown[][] }>;
  return { yellow, orange, tables };
}

function stlTriangles(path: string): number {
  const b = readFileSync(path);
  const n = b.readUInt32LE(80);
  expect(b.length).toBe(84 + 50 * n);
  return n;
}

describe('voxbook run notebooks/ct-to-print.nb.ts on the real head CT', () => {
  const out = mkdtempSync(join(tmpdir(), 'vb-ct-'));
  let result: Awaited<ReturnType<typeof voxbook>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let report: any;
  beforeAll(async () => {
    expect(existsSync(join(DATA, 'Cranium.inv3')), 'run `npm run fetch-data` first').toBe(true);
    result = await voxbook(['run', NOTEBOOK, '--out', out]);
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  }, 120_000);

  it('exits 0 and writes bone.stl, bone.3mf, report.json and the executed notebook', () => {
    expect(result.code, result.stderr).toBe(0);
    for (const f of ['bone.stl', 'bone.3mf', 'report.json', 'ct-to-print.ipynb']) expect(existsSync(join(out, f))).toBe(true);
  });

  it('segments InVesalius\'s bone mask, keeps the 3 components over 200 mm³, then prints the largest (the skull) alone', () => {
    expect(report.input.dims).toEqual([256, 256, 108]);
    expect(report.input.valueRange).toEqual({ min: -1024, max: 2986 });
    expect([report.input.modality, report.input.valueUnit]).toEqual(['CT', 'HU']);
    expect(report.segmentation.componentsKept).toBe(3);
    expect(report.segmentation.maskVoxels).toBe(475_300);
    // keep = 'largest' by default: the CT's head holder, two curved plates beside the skull,
    // is left out. scipy (226..3071 HU, 26-connected): plates 29,471 and 28,710 mm³.
    expect(report.parameters.keep).toBe('largest');
    expect(report.segmentation.keep).toBe('largest');
    expect(report.segmentation.keepRemoved).toEqual([{ voxels: 21_451, volumeMm3: 29_470.737 }, { voxels: 20_897, volumeMm3: 28_709.617 }]);
    expect(Math.round(report.segmentation.keepRemovedVolumeMm3)).toBe(58_180);
  });

  it('extracts a closed edge-manifold isosurface within 0.1% of VTK\'s volume', () => {
    expect(report.surface.kind).toBe('hu-isosurface');
    // VTK 9.1 flying edges at 225.5 HU on the skull alone (scipy's largest 26-connected
    // component): 608,088 mm³ and 541,436 triangles. Ours: 607,720 mm³ (−0.06%) and 539,128
    // triangles (−0.43%); the 2,308 triangles fewer are exactly the detached fragments removed
    // below (with all components the gap is the same 2,308: 673,404 vs VTK's 675,712).
    const raw = report.stages[0];
    expect(raw.stage).toBe('isosurface');
    expect(raw.manifold).toBe(true);
    expect(Math.round(raw.volumeMm3)).toBe(607_720);
    expect(raw.triangles).toBe(539_128);
    expect(541_436 - raw.triangles).toBe(675_712 - 673_404);
  });

  it('prints a smoothed skull: closed and manifold after every stage, ≤ 600,000 triangles, within 0.5% of VTK\'s volume and HD95 ≤ 0.3 mm of the raw surface', () => {
    expect(report.stages.map((st: { stage: string }) => st.stage.split(' ')[0])).toEqual(['isosurface', 'smooth', 'decimate']);
    for (const st of report.stages) expect(st.manifold, st.stage).toBe(true);
    expect(report.mesh.closed).toBe(true);
    expect(report.mesh.edgeManifold).toBe(true);
    expect(report.mesh.nonManifoldEdges + report.mesh.openEdges + report.mesh.degenerateTriangles).toBe(0);
    expect(report.printable).toBe(true);
    // manifold-3d, the second judge, agrees: a 2-manifold with the same volume.
    expect(report.secondJudge).toMatchObject({ tool: 'manifold-3d', status: 'NoError', agrees: true, printable: true });
    expect(Math.abs(report.secondJudge.volumeMm3 - report.mesh.volumeMm3)).toBeLessThan(1);
    expect(report.mesh.triangles).toBeLessThanOrEqual(600_000);
    expect(Math.abs(report.mesh.volumeMm3 - 608_088) / 608_088).toBeLessThan(0.005);
    // Smoothing only moves vertices: the staircase goes, the bone does not shrink.
    expect(report.mesh.volumeMm3).toBeLessThan(report.stages[0].volumeMm3);
    expect(report.deviationFromRawMm.hd95).toBeLessThanOrEqual(0.3);
    expect(report.deviationFromRawMm.hd95).toBeGreaterThan(0.05);
  });

  it('drops the fragments that touch the skull only at an edge or corner', () => {
    // 61 pieces (359 voxels, 493 mm³), all on the skull: each would be a loose shell on the
    // print. What remains is the skull (scipy: 432,952 voxels) as 1 solid shell plus 61 cavities.
    expect(report.segmentation.detachedFragmentsRemoved).toBe(61);
    expect(report.segmentation.printedVoxels).toBe(432_952 - 359);
    expect(report.mesh.shells).toBe(62);
    expect(report.stages.every((st: { triangles: number }) => st.triangles > 0)).toBe(true);
  });

  it('lists the removed head holder in the segment cell and draws it in yellow on the slice, the skull in orange', () => {
    const seg = segmentOutputs(join(out, 'ct-to-print.ipynb'));
    expect(seg.tables.at(-1)).toMatchObject({ columns: ['component', 'voxels', 'volume (mm³)'], rows: [['removed 1', 21_451, 29_471], ['removed 2', 20_897, 28_710]] });
    // The middle slice cuts both plates: 454 pixels (with keep=all, the same pixels are orange).
    expect(seg.yellow).toBe(454);
    expect(seg.orange).toBe(3_855);
  });

  it('writes an STL and a 3MF with the printed mesh\'s triangle count', () => {
    expect(stlTriangles(join(out, 'bone.stl'))).toBe(report.mesh.triangles);
    const model = new TextDecoder().decode(unzipSync(readFileSync(join(out, 'bone.3mf')))['3D/3dmodel.model']!);
    expect(model.match(/<triangle /g)?.length).toBe(report.mesh.triangles);
    expect(model).toContain('unit="millimeter"');
  });

  it('records provenance: notebook hash, parameters, input hash, versions, timings per stage', () => {
    expect(report.provenance.notebookSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.provenance.inputSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.parameters).toMatchObject({ input: 'ct-head-0051', minHu: 226, maxHu: 3071, minIslandMm3: 200 });
    expect(Object.keys(report.provenance.versions)).toEqual(expect.arrayContaining(['voxbook', 'node', 'typescript', 'fflate', 'plist', '@itk-wasm/dicom', 'nifti-reader-js']));
    expect(Object.keys(report.timingsMs)).toEqual(expect.arrayContaining(['load', 'segment', 'mesh', 'validate']));
  });

  it('writes an nbformat 4.5 notebook with the outputs under their cells', () => {
    const nb = JSON.parse(readFileSync(join(out, 'ct-to-print.ipynb'), 'utf8'));
    expect([nb.nbformat, nb.nbformat_minor]).toEqual([4, 5]);
    const byId = new Map(nb.cells.map((c: { id: string }) => [c.id, c]));
    const mimes = (id: string) => (byId.get(id) as { outputs: Array<{ data: object }> }).outputs.flatMap((o) => Object.keys(o.data));
    expect(mimes('parameters')).toContain('application/vnd.voxbook.input+json');
    expect(mimes('describe')).toEqual(expect.arrayContaining(['application/vnd.voxbook.table+json', 'image/png']));
    expect(mimes('histogram')).toContain('image/svg+xml');
    expect(mimes('preview')).toContain('application/vnd.voxbook.mesh+json');
    expect(mimes('mesh')).toContain('application/vnd.voxbook.mesh+json');
    expect(nb.metadata.voxbook.provenance.notebookSha256).toBe(report.provenance.notebookSha256);
  });

  it('writes a notebook that the reference nbformat library validates', async () => {
    // python3-nbformat (Debian), installed by .ci/run: the reference implementation of the schema.
    const check = "import nbformat,sys; nb=nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); print(nb.nbformat, nb.nbformat_minor, len(nb.cells))";
    const r = await run('/usr/bin/python3', ['-c', check, join(out, 'ct-to-print.ipynb')]);
    expect(r.stdout.trim()).toBe('4 5 11');
  });

  it('converts the executed notebook back to the percent source, byte for byte', async () => {
    const back = join(out, 'back.nb.ts');
    const r = await voxbook(['convert', join(out, 'ct-to-print.ipynb'), back]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(back, 'utf8')).toBe(readFileSync(NOTEBOOK, 'utf8'));
  });
});

describe('voxbook run with parameters and bad input', () => {
  it('overrides parameters with -p and says the surface is empty rather than writing an empty STL', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vb-empty-'));
    const r = await voxbook(['run', NOTEBOOK, '--out', out, '-p', 'minHu=3000', '-p', 'input=ct-head-0051']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.parameters.minHu).toBe(3000);
    expect(report.mesh.empty).toBe(true);
    expect(existsSync(join(out, 'bone.stl'))).toBe(false);
    const nb = readFileSync(join(out, 'ct-to-print.ipynb'), 'utf8');
    expect(nb).toContain('No STL written');
  }, 120_000);

  it('runs from any folder on a DICOM series given by path, with the same mesh as the .inv3', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vb-dicom-'));
    const r = await voxbook(['run', NOTEBOOK, '--out', out, '-p', `input=${join(DATA, 'ct-head-0051-dicom')}`], {}, tmpdir());
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.input.format).toBe('dicom');
    expect(report.segmentation.maskVoxels).toBe(475_300);
    expect(report.stages[0].triangles).toBe(539_128);
    expect(Math.abs(report.mesh.volumeMm3 - 608_088) / 608_088).toBeLessThan(0.005);
  }, 120_000);

  it('-p keep=all prints every component over 200 mm³: the skull and the head holder, as before', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vb-keep-all-'));
    const r = await voxbook(['run', NOTEBOOK, '--out', out, '-p', 'keep=all']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.parameters.keep).toBe('all');
    expect([report.segmentation.keep, report.segmentation.keepRemoved]).toEqual(['all', []]);
    expect(report.segmentation.printedVoxels).toBe(475_300 - 359);
    // 3 solid shells plus 61 cavities; VTK flying edges on the same field: 661,131 mm³, 675,712 triangles.
    const raw = report.stages[0];
    expect([raw.triangles, Math.round(raw.volumeMm3)]).toEqual([673_404, 661_334]);
    expect(Math.abs(raw.volumeMm3 - 661_131) / 661_131).toBeLessThan(0.002);
    // Over the 600,000 budget: decimated, still closed and manifold, the same shells, within 0.5% of VTK's volume.
    expect(report.stages.at(-1).triangles).toBeLessThanOrEqual(600_000);
    expect(report.stages.at(-1).triangles).toBeGreaterThan(590_000);
    for (const st of report.stages) expect(st.manifold, st.stage).toBe(true);
    expect([report.mesh.closed, report.mesh.edgeManifold, report.mesh.nonManifoldEdges, report.mesh.shells]).toEqual([true, true, 0, 64]);
    expect(Math.abs(report.mesh.volumeMm3 - 661_131) / 661_131).toBeLessThan(0.005);
    expect(stlTriangles(join(out, 'bone.stl'))).toBe(report.mesh.triangles);
    const seg = segmentOutputs(join(out, 'ct-to-print.ipynb'));
    expect([seg.yellow, seg.orange]).toEqual([0, 3_855 + 454]);
    expect(seg.tables.map((t) => t.columns[0])).not.toContain('component');
  }, 120_000);

  it('-p keep=some refuses a value that is not one of the choices and writes nothing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vb-keep-bad-')), 'out');
    const r = await voxbook(['run', NOTEBOOK, '--out', out, '-p', 'keep=some']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/input keep: "some" is not one of "largest", "all"/);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
  }, 120_000);

  it('warns when the input is not known to be in Hounsfield units (a T1 MRI)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vb-mri-'));
    const r = await voxbook(['run', NOTEBOOK, '--out', out, '-p', `input=${join(DATA, 'mri-colin27/ch2.nii.gz')}`]);
    expect(r.code, r.stderr).toBe(0);
    const nb = JSON.parse(readFileSync(join(out, 'ct-to-print.ipynb'), 'utf8'));
    const describe = nb.cells.find((c: { id: string }) => c.id === 'describe');
    expect(describe.outputs[0].data['text/markdown']).toMatch(/not known to be Hounsfield units/);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).input.valueUnit).toBe(null);
  }, 120_000);

  const bad: Array<[string, () => string, RegExp, string]> = [
    ['a truncated DICOM', () => join(DATA, 'dicom-conformance/MR_truncated.dcm'), /MR_truncated\.dcm/, 'FormatError'],
    ['random bytes named .nii.gz', () => {
      const dir = mkdtempSync(join(tmpdir(), 'vb-bad-'));
      const p = join(dir, 'noise.nii.gz');
      writeFileSync(p, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
      return p;
    }, /noise\.nii\.gz/, 'FormatError'],
    ['a missing path', () => join(tmpdir(), 'no-such-scan-here'), /no-such-scan-here/, 'InputNotFoundError'],
  ];
  for (const [what, make, names, errorClass] of bad) {
    it(`fails on ${what} with a typed error naming the file, and writes nothing`, async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'vb-out-')), 'out');
      const r = await voxbook(['run', NOTEBOOK, '--out', out, '-p', `input=${make()}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(names);
      expect(r.stderr).toContain(`${errorClass}:`);
      expect(existsSync(out)).toBe(false);
    }, 120_000);
  }
});
