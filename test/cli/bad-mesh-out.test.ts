/**
 * A notebook cell that exports a bad mesh (NaN position, index out of range, empty) through any
 * writer fails its run with the writer's GeometryError, and `voxbook run --out` writes nothing:
 * not the mesh, not the files of the cells that ran before it, and an earlier run's set stays
 * as it was.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, voxbook, writeNotebook } from './helpers.ts';

const NB = `// %% id="p" tags=["parameters"]
const writer = 'stl';
const bad = 'none';

// %% id="report"
import { download, encode3mf, encodeObj, encodePly, encodeStl } from 'voxbook';
display(download('report.txt', 'written before the mesh'));

// %% id="export"
const tetra = { positions: Float32Array.of(0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, -10), indices: Uint32Array.of(0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3) };
const mesh = bad === 'nan' ? { ...tetra, positions: tetra.positions.map((x, i) => (i === 4 ? NaN : x)) }
  : bad === 'index' ? { ...tetra, indices: tetra.indices.map((v, i) => (i === 0 ? 9 : v)) }
  : bad === 'empty' ? { positions: new Float32Array(0), indices: new Uint32Array(0) }
  : tetra;
const bytes = writer === 'stl' ? encodeStl(mesh)
  : writer === 'obj' ? encodeObj(mesh).obj
  : writer === 'ply' ? encodePly(mesh)
  : encode3mf([{ name: 'part', mesh }]);
display(download(\`mesh.\${writer}\`, bytes));
`;

/** Every file in `dir` → its bytes as base64 (hidden files too). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = readFileSync(join(dir, name)).toString('base64');
  return out;
}

describe('voxbook run --out with a cell exporting a bad mesh', () => {
  const nb = writeNotebook(NB, 'bad-mesh');

  it('a good mesh is written (the notebook itself works)', async () => {
    const out = tempDir();
    const r = await voxbook(['run', nb, '--out', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).filter((n) => !n.startsWith('.')).sort()).toEqual(['bad-mesh.ipynb', 'mesh.stl', 'report.txt']);
    expect(readFileSync(join(out, 'mesh.stl')).length).toBe(84 + 50 * 4);
  }, 60_000);

  for (const [writer, bad, stage, problem] of [
    // Each run is a whole CLI process (~4 s): two writers here, PLY below; every writer × every
    // bad mesh is covered without the CLI in test/cells/mesh-bad-input.test.ts.
    ['stl', 'nan', 'encodeStl', 'non-finite coordinate'],
    ['3mf', 'empty', 'encode3mf: part "part"', 'the mesh is empty'],
  ] as const) {
    it(`${writer} × ${bad}: GeometryError from ${stage.split(':')[0]}, nothing written into a new --out`, async () => {
      const out = join(tempDir(), 'out');
      const r = await voxbook(['run', nb, '--out', out, '-q', '-p', `writer=${writer}`, '-p', `bad=${bad}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('GeometryError');
      expect(r.stderr).toContain(`${stage}: `);
      expect(r.stderr).toContain(problem);
      expect(existsSync(out)).toBe(false);
    }, 60_000);
  }

  it('an earlier run\'s files stay as they were when the next run exports a bad mesh', async () => {
    const out = tempDir();
    expect((await voxbook(['run', nb, '--out', out, '-q', '-p', 'writer=ply'])).code).toBe(0);
    const before = snapshot(out);
    expect(Object.keys(before)).toContain('mesh.ply');
    const r = await voxbook(['run', nb, '--out', out, '-q', '-p', 'writer=ply', '-p', 'bad=index']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('encodePly: triangle 0 names vertex 9');
    expect(snapshot(out)).toEqual(before);
  }, 60_000);
});
