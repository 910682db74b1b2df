/**
 * `voxbook convert` as a user runs it: the smuggling cases of issue 11 item 5 end to end
 * (convert, then `voxbook run` the result), bad files named, and what a .nb.ts cannot keep said.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, voxbook } from './helpers.ts';

function ipynb(cells: unknown[]): string {
  return JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
}

/** A code cell that proves whether the smuggled code ran: it exports a file only if it did. */
const witness = {
  id: 'witness', cell_type: 'code', metadata: {}, outputs: [], execution_count: null,
  source: "display({ [Symbol.for('voxbook.mime')]: () => ({ data: { 'application/vnd.voxbook.file+json': { name: 'pwned.txt', mime: 'text/plain', bytes: new TextEncoder().encode(String((globalThis as any).pwned ?? 'clean')) } } }) });",
};

describe('voxbook convert', () => {
  const smuggled: Array<[string, unknown]> = [
    ['a newline in a markdown cell\'s title', { id: 'm', cell_type: 'markdown', metadata: { title: 'Intro\n(globalThis as any).pwned = "title";' }, source: '# Hello' }],
    ['a %% line followed by U+2028 in a markdown source', { id: 'm', cell_type: 'markdown', metadata: {}, source: '# Hello\n%%\u2028(globalThis as any).pwned = "u2028";' }],
    ['U+2028 inside a metadata value', { id: 'm', cell_type: 'markdown', metadata: { tags: ['x\u2028(globalThis as any).pwned = "meta"; //'] }, source: 'text' }],
    ['a lone carriage return in markdown', { id: 'm', cell_type: 'markdown', metadata: {}, source: 'text\r(globalThis as any).pwned = "cr";' }],
  ];
  for (const [what, cell] of smuggled) {
    it(`runs no code from ${what}: the converted notebook keeps it markdown`, async () => {
      const dir = tempDir('vb-convert-');
      const input = join(dir, 'in.ipynb');
      writeFileSync(input, ipynb([cell, witness]));
      const output = join(dir, 'out.nb.ts');
      const c = await voxbook(['convert', input, output]);
      expect(c.code, c.stderr).toBe(0);
      const run = await voxbook(['run', output, '--out', join(dir, 'out')]);
      expect(run.code, run.stderr).toBe(0);
      expect(readFileSync(join(dir, 'out', 'pwned.txt'), 'utf8')).toBe('clean');
      // …and back to .ipynb, the markdown cell is the same text it was.
      const back = join(dir, 'back.ipynb');
      expect((await voxbook(['convert', output, back])).code).toBe(0);
      const cells = (JSON.parse(readFileSync(back, 'utf8')) as { cells: Array<{ cell_type: string; source: string[] }> }).cells;
      expect(cells.map((x) => x.cell_type)).toEqual(['markdown', 'code']);
      expect(cells[0]!.source.join('')).toBe((cell as { source: string }).source);
    });
  }

  it('names the file and the position of bad JSON, exits 1 and writes nothing', async () => {
    const dir = tempDir('vb-convert-');
    const input = join(dir, 'broken.ipynb');
    writeFileSync(input, '{"nbformat": 4,\n "cells": [}\n');
    const output = join(dir, 'out.nb.ts');
    const r = await voxbook(['convert', input, output]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/IpynbFormatError: .*broken\.ipynb: not valid JSON at line 2, column \d+/);
    expect(existsSync(output)).toBe(false);
  });

  it('refuses a null cell with IpynbFormatError naming it, not a TypeError', async () => {
    const dir = tempDir('vb-convert-');
    const input = join(dir, 'nullcell.ipynb');
    writeFileSync(input, ipynb([witness, null]));
    const r = await voxbook(['convert', input, join(dir, 'out.nb.ts')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IpynbFormatError');
    expect(r.stderr).toContain('cells[1]');
    expect(r.stderr).not.toContain('TypeError');
  });

  it('keeps a raw cell, and says which outputs a .nb.ts does not carry', async () => {
    const dir = tempDir('vb-convert-');
    const input = join(dir, 'in.ipynb');
    const withOutputs = { ...witness, outputs: [{ output_type: 'stream', name: 'stdout', text: ['hi\n'] }, { output_type: 'display_data', data: { 'text/plain': 'x' }, metadata: {} }] };
    writeFileSync(input, ipynb([{ id: 'r', cell_type: 'raw', metadata: {}, source: 'raw text\n%% not a marker' }, withOutputs]));
    const output = join(dir, 'out.nb.ts');
    const r = await voxbook(['convert', input, output]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: .*2 outputs.*witness|note: .*witness.*2 outputs/);
    expect(readFileSync(output, 'utf8')).toContain('// %% [raw]');
    const back = join(dir, 'back.ipynb');
    expect((await voxbook(['convert', output, back])).code).toBe(0);
    const cells = (JSON.parse(readFileSync(back, 'utf8')) as { cells: Array<{ cell_type: string; source: string[] }> }).cells;
    expect(cells[0]!.cell_type).toBe('raw');
    expect(cells[0]!.source.join('')).toBe('raw text\n%% not a marker');
  });

  it('refuses a file name that is neither .ipynb nor .ts (usage error names it)', async () => {
    const dir = tempDir('vb-convert-');
    const input = join(dir, 'in.ipynb');
    writeFileSync(input, ipynb([witness]));
    const r = await voxbook(['convert', input, join(dir, 'out.txt')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('out.txt: not a notebook file name');
  });
});
