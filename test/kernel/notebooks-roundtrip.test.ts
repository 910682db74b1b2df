/**
 * Every notebook in notebooks/ survives percent → .ipynb → percent byte for byte, and the
 * .ipynb in between is valid nbformat 4 by the reference implementation (Debian's
 * python3-nbformat, installed by .ci/run, as the ct-to-print CLI test requires too; without it these checks fail and say what to install).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { convertNotebookText } from '../../kernel/notebook/file.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, 'notebooks');
const PYTHON = '/usr/bin/python3';
const NOTEBOOKS = readdirSync(DIR).filter((f) => f.endsWith('.nb.ts')).sort();
const HAS_NBFORMAT = spawnSync(PYTHON, ['-c', 'import nbformat'], { stdio: 'ignore' }).status === 0;

/** Reads, validates and prints nbformat version and cell count; exits non-zero when invalid. */
const VALIDATE = 'import nbformat,sys; nb=nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT); nbformat.validate(nb); print(nb.nbformat, nb.nbformat_minor, len(nb.cells))';

describe('notebooks/ round trip through .ipynb', () => {
  it('finds the notebooks', () => {
    expect(NOTEBOOKS).toEqual(expect.arrayContaining(['ct-to-print.nb.ts', 'ct-denoise.nb.ts', 'brain-unet.nb.ts']));
  });

  const tmp = mkdtempSync(join(tmpdir(), 'vb-roundtrip-'));
  for (const name of NOTEBOOKS) {
    const stem = name.replace(/\.nb\.ts$/, '');
    const percent = readFileSync(join(DIR, name), 'utf8');
    const toIpynb = () => convertNotebookText(percent, name, `${stem}.ipynb`);

    it(`${name}: percent → ipynb → percent gives the same text, byte for byte, dropping nothing`, () => {
      const there = toIpynb();
      expect(there.notes).toEqual([]);
      const back = convertNotebookText(there.text, `${stem}.ipynb`, name);
      expect(back.notes).toEqual([]);
      expect(Buffer.from(back.text, 'utf8').equals(Buffer.from(percent, 'utf8'))).toBe(true);
      expect(back.text).toBe(percent);
    });

    it(`${name}: the .ipynb validates with python3-nbformat`, () => {
      expect(HAS_NBFORMAT, 'the reference validator is missing: apt-get install python3-nbformat (.ci/run does)').toBe(true);
      const { text } = toIpynb();
      const path = join(tmp, `${stem}.ipynb`);
      writeFileSync(path, text);
      const nb = JSON.parse(text) as { nbformat: number; nbformat_minor: number; cells: unknown[] };
      const out = execFileSync(PYTHON, ['-c', VALIDATE, path], { encoding: 'utf8' });
      expect(out.trim()).toBe(`${nb.nbformat} ${nb.nbformat_minor} ${nb.cells.length}`);
      expect([nb.nbformat, nb.nbformat_minor]).toEqual([4, 5]);
      expect(nb.cells.length).toBeGreaterThan(0);
    });
  }
});
