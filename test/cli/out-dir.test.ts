import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkOutDir, MANIFEST, OutDirError, publishRun, type Artefact, type RunRecord } from '../../kernel/node/out-dir.ts';
import { ROOT, exportFile, tempDir, voxbook, writeNotebook } from './helpers.ts';

const RECORD: RunRecord = { notebook: 'nb.nb.ts', notebookSha256: 'ab'.repeat(32), ranAt: '2025-01-01T00:00:00.000Z' };

/** Every file in `dir` (hidden ones too) → its text. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = readFileSync(join(dir, name), 'utf8');
  return out;
}

/** Names beside `dir` that voxbook made (staging folders, lock files). */
function leftovers(dir: string): string[] {
  return readdirSync(dirname(dir)).filter((n) => n.includes('.voxbook-'));
}

const files = (...names: string[]): Artefact[] => names.map((n) => ({ name: n, bytes: `${n} v${Math.random()}` }));

describe('publishRun', () => {
  it('leaves exactly this run\'s files: an earlier run\'s file this run did not write is removed', async () => {
    const dir = join(tempDir(), 'out');
    await publishRun(dir, files('bone.stl', 'report.json', 'nb.ipynb'), RECORD);
    const r = await publishRun(dir, [{ name: 'report.json', bytes: '{"empty":true}' }, { name: 'nb.ipynb', bytes: '{}' }], RECORD);
    expect(r.removed).toEqual(['bone.stl']);
    expect(readdirSync(dir).sort()).toEqual([MANIFEST, 'nb.ipynb', 'report.json']);
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
    expect(manifest).toMatchObject({ format: 'voxbook-run/1', complete: true, notebook: 'nb.nb.ts', notebookSha256: RECORD.notebookSha256 });
    expect(manifest.files).toEqual([
      { name: 'report.json', size: 14, sha256: createHash('sha256').update('{"empty":true}').digest('hex'), mtimeMs: statSync(join(dir, 'report.json')).mtimeMs },
      { name: 'nb.ipynb', size: 2, sha256: createHash('sha256').update('{}').digest('hex'), mtimeMs: statSync(join(dir, 'nb.ipynb')).mtimeMs },
    ]);
    expect(leftovers(dir)).toEqual([]);
  });

  it('leaves an artefact whose bytes did not change where it is (same inode, not rewritten), and rewrites one that changed', async () => {
    const dir = join(tempDir(), 'out');
    await publishRun(dir, [{ name: 'bone.stl', bytes: 'solid' }, { name: 'report.json', bytes: '{"run":1}' }], RECORD);
    const stl = statSync(join(dir, 'bone.stl'));
    const report = statSync(join(dir, 'report.json'));
    const r = await publishRun(dir, [{ name: 'bone.stl', bytes: 'solid' }, { name: 'report.json', bytes: '{"run":2}' }], RECORD);
    expect(r.written).toEqual(['bone.stl', 'report.json']);
    expect(r.unchanged).toEqual(['bone.stl']);
    expect(statSync(join(dir, 'bone.stl')).ino).toBe(stl.ino);
    expect(statSync(join(dir, 'bone.stl')).mtimeMs).toBe(stl.mtimeMs);
    expect(statSync(join(dir, 'report.json')).ino).not.toBe(report.ino);
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('{"run":2}');
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(['bone.stl', 'report.json']);
    expect(leftovers(dir)).toEqual([]);
  });

  it('hashes a file whose mtime moved: same bytes still count as unchanged, edited bytes of the same size are refused', async () => {
    const dir = join(tempDir(), 'out');
    await publishRun(dir, [{ name: 'a.txt', bytes: 'abcd' }], RECORD);
    const later = new Date(Date.now() + 5000);
    writeFileSync(join(dir, 'a.txt'), 'abcd');
    utimesSync(join(dir, 'a.txt'), later, later);
    expect((await publishRun(dir, [{ name: 'a.txt', bytes: 'abcd' }], RECORD)).unchanged).toEqual(['a.txt']);
    writeFileSync(join(dir, 'a.txt'), 'abce');
    await expect(publishRun(dir, [{ name: 'a.txt', bytes: 'abcd' }], RECORD)).rejects.toThrow(/a\.txt was changed since/);
  });

  it('never touches files the user put there, and refuses before writing anything when one is in the way', async () => {
    const dir = join(tempDir(), 'out');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await publishRun(dir, files('a.txt'), RECORD);
    writeFileSync(join(dir, 'b.txt'), 'also mine');
    const before = snapshot(dir);
    const err = await publishRun(dir, files('a.txt', 'c.txt', 'b.txt'), RECORD).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutDirError);
    expect((err as Error).message).toContain(`${join(dir, 'b.txt')} is in the way`);
    expect((err as Error).message).toContain('move it away, or choose another --out. Nothing was written.');
    expect(snapshot(dir)).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
    await publishRun(dir, files('z.txt'), RECORD);
    expect(readdirSync(dir).sort()).toEqual([MANIFEST, 'b.txt', 'notes.txt', 'z.txt']);
  });

  it('refuses to overwrite or remove a file of an earlier run that was changed since', async () => {
    const dir = join(tempDir(), 'out');
    await publishRun(dir, files('a.txt', 'b.txt'), RECORD);
    writeFileSync(join(dir, 'b.txt'), 'edited by hand');
    const before = snapshot(dir);
    await expect(publishRun(dir, files('a.txt'), RECORD)).rejects.toThrow(`${join(dir, 'b.txt')} was changed since the voxbook run that wrote it`);
    await expect(publishRun(dir, files('b.txt'), RECORD)).rejects.toThrow(/b\.txt was changed since/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses bad names and a name exported twice before writing anything', async () => {
    const dir = join(tempDir(), 'out');
    for (const [artefacts, message] of [
      [[{ name: 'a.txt', bytes: 'x', cell: 'c1' }, { name: 'a b.txt', bytes: 'x', cell: 'c2' }], 'cell "c2" exports "a b.txt": file names may hold letters, digits, . _ - only'],
      [[{ name: '..', bytes: 'x', cell: 'c1' }], 'may not start with "."'],
      [[{ name: MANIFEST, bytes: 'x', cell: 'c1' }], 'may not start with "."'],
      [[{ name: 'a.txt', bytes: 'x', cell: 'c1' }, { name: 'a.txt', bytes: 'y', cell: 'c2' }], 'cell "c2" exports "a.txt", which cell "c1" also exports'],
    ] as Array<[Artefact[], string]>) {
      await expect(publishRun(dir, artefacts, RECORD)).rejects.toThrow(message);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a manifest it cannot read, saying what to do', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, MANIFEST), '{not json');
    await expect(checkOutDir(dir)).rejects.toThrow(/is not a voxbook run manifest .* Choose another --out/);
    await expect(publishRun(dir, files('a.txt'), RECORD)).rejects.toThrow(OutDirError);
  });

  for (const step of ['staged', 'journal', 'moved:a.txt', 'moved:b.txt', 'removed:old.txt'] as const) {
    it(`leaves the previous run's set as it was when it fails at "${step}"`, async () => {
      const dir = join(tempDir(), 'out');
      mkdirSync(dir);
      writeFileSync(join(dir, 'mine.txt'), 'mine');
      await publishRun(dir, files('a.txt', 'old.txt'), RECORD);
      const before = snapshot(dir);
      const failAt = { step: async (s: string) => { if (s === step) throw new Error(`disk full at ${s}`); } };
      await expect(publishRun(dir, files('a.txt', 'b.txt'), RECORD, failAt)).rejects.toThrow(`disk full at ${step}`);
      expect(snapshot(dir)).toEqual(before);
      expect(leftovers(dir)).toEqual([]);
    });
  }

  it('removes a folder it created when the first publish into it fails', async () => {
    const dir = join(tempDir(), 'out');
    await expect(publishRun(dir, files('a.txt', 'b.txt'), RECORD, { step: (s) => { if (s === 'moved:b.txt') throw new Error('no'); } })).rejects.toThrow('no');
    expect(existsSync(dir)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });

  for (const step of ['staged', 'journal', 'moved:a.txt', 'moved:b.txt', 'removed:old.txt', 'committed'] as const) {
    it(`after a crash at "${step}", the next run starts from a whole set (the previous one, or this one once committed)`, async () => {
      const dir = join(tempDir(), 'out');
      mkdirSync(dir);
      writeFileSync(join(dir, 'mine.txt'), 'mine');
      await publishRun(dir, files('a.txt', 'old.txt'), RECORD);
      const before = snapshot(dir);
      // A real crash: the process publishing is killed (SIGKILL) right after the step.
      const script = `
        import { publishRun } from ${JSON.stringify(join(ROOT, 'kernel/node/out-dir.ts'))};
        await publishRun(${JSON.stringify(dir)}, [{ name: 'a.txt', bytes: 'new a' }, { name: 'b.txt', bytes: 'new b' }], ${JSON.stringify(RECORD)},
          { step: (s) => { if (s === ${JSON.stringify(step)}) process.kill(process.pid, 'SIGKILL'); } });`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
      expect(child.signal, child.stderr).toBe('SIGKILL');
      // What the crash left: the journal while files were moving, a stale staging folder and lock.
      const journal = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
      expect(journal.complete).toBe(step === 'staged' || step === 'committed');
      expect(leftovers(dir).length).toBeGreaterThan(0);
      if (step === 'moved:b.txt') expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('new b');
      await checkOutDir(dir);
      const after = snapshot(dir);
      if (step === 'committed') {
        expect(Object.keys(after).sort()).toEqual([MANIFEST, 'a.txt', 'b.txt', 'mine.txt']);
        expect(after['a.txt']).toBe('new a');
      } else expect(after).toEqual(before);
      expect(leftovers(dir)).toEqual([]);
      // And the next publish works normally.
      await publishRun(dir, files('c.txt'), RECORD);
      expect(readdirSync(dir).sort()).toEqual([MANIFEST, 'c.txt', 'mine.txt']);
    });
  }

  it('keeps files whole for readers: a replaced file is renamed over, never truncated in place', async () => {
    const dir = join(tempDir(), 'out');
    await publishRun(dir, [{ name: 'a.txt', bytes: 'first' }], RECORD);
    const inode = statSync(join(dir, 'a.txt')).ino;
    await publishRun(dir, [{ name: 'a.txt', bytes: 'second' }], RECORD);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('second');
    expect(statSync(join(dir, 'a.txt')).ino).not.toBe(inode);
  });
});

const NB = `// %% id="p" tags=["parameters"]
const write = true;

// %% id="export"
${exportFile('a.txt', "'from a run'")}
if (write) ${exportFile('mesh.stl', "'solid'")}
`;

describe('voxbook run --out', () => {
  it('removes the earlier run\'s mesh when a second run exports none', async () => {
    const out = tempDir();
    const nb = writeNotebook(NB);
    const r1 = await voxbook(['run', nb, '--out', out]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'a.txt', 'mesh.stl', 'nb.ipynb']);
    const r2 = await voxbook(['run', nb, '--out', out, '-p', 'write=false']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'a.txt', 'nb.ipynb']);
    expect(r2.stdout).toContain(`removed ${join(out, 'mesh.stl')} (from an earlier run)`);
  });

  it('writes nothing when one exported file cannot be written (a bad name after a good one)', async () => {
    const out = join(tempDir(), 'out');
    const r = await voxbook(['run', writeNotebook(`// %% id="a"\n${exportFile('good.txt', "'x'")}\n${exportFile('bad name.txt', "'y'")}\n`), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cell "a" exports "bad name.txt": file names may hold letters, digits, . _ - only');
    expect(existsSync(out)).toBe(false);
  });

  it('leaves the previous run\'s files as they were when a run fails', async () => {
    const out = tempDir();
    const nb = writeNotebook(NB);
    expect((await voxbook(['run', nb, '--out', out])).code).toBe(0);
    const before = snapshot(out);
    const failing = writeNotebook(NB.replace('if (write)', "throw new Error('broken');\nif (write)"));
    const r = await voxbook(['run', failing, '--out', out]);
    expect(r.code).toBe(1);
    expect(snapshot(out)).toEqual(before);
  });

  it('refuses to overwrite a file of the user\'s, naming it, and writes nothing', async () => {
    const out = tempDir();
    writeFileSync(join(out, 'mesh.stl'), 'my own mesh');
    const r = await voxbook(['run', writeNotebook(NB), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(out, 'mesh.stl')} is in the way: cell "export" exports "mesh.stl"`);
    expect(snapshot(out)).toEqual({ 'mesh.stl': 'my own mesh' });
  });
});

describe('publishRun through a symbolic link', () => {
  it('publishes into the folder the link points to, staging beside that folder', async () => {
    const { symlinkSync } = await import('node:fs');
    const real = join(tempDir(), 'real-out');
    mkdirSync(real);
    const link = join(tempDir(), 'out-link');
    symlinkSync(real, link);
    await publishRun(link, [{ name: 'a.txt', bytes: 'x' }], RECORD);
    expect(readdirSync(real).sort()).toEqual([MANIFEST, 'a.txt']);
    expect(leftovers(link)).toEqual([]);
  });

  it('refuses a path that is a file', async () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    await expect(publishRun(file, [{ name: 'a.txt', bytes: 'x' }], RECORD)).rejects.toThrow(`--out ${file} is a file, not a folder`);
  });
});
