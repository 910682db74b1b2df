/**
 * The app's notebook files: a local .ipynb or .nb.ts read into percent text (what was not
 * carried over is said), and the open notebook written as an executed .ipynb with the
 * outputs and errors of the cells that ran, drafts included, as nbformat 4.5.
 */
import { describe, expect, it } from 'vitest';
import { executedIpynb, importNotebookFile } from '../../app/notebook-files.ts';
import { NEW_NOTEBOOK_TEXT } from '../../app/library-app.ts';
import { applyKernelMessage, stateFromText } from '../../app/notebook-state.ts';
import { parsePercent } from '../../kernel/notebook/percent.ts';
import { fromIpynb } from '../../kernel/notebook/ipynb.ts';
import { MIME } from '../../kernel/protocol.ts';

const TEXT = '// %% [markdown]\n// # Title\n\n// %% id="a"\nconst a = 1 + 1;\na\n\n// %% id="b"\nconst b = a * 2;\n\n// %% id="c"\nthrow new Error("no");\n';

describe('notebook files in the app', () => {
  it('reads an .ipynb into percent text and says which outputs were not carried over', async () => {
    const ipynb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { id: 'intro', cell_type: 'markdown', metadata: {}, source: ['# Hello\n', 'world'] },
        { id: 'calc', cell_type: 'code', metadata: {}, source: 'const x = 2;\nx', execution_count: 1,
          outputs: [{ output_type: 'execute_result', data: { 'text/plain': '2' }, metadata: {}, execution_count: 1 }] },
      ],
    };
    const read = await importNotebookFile(JSON.stringify(ipynb), 'study.ipynb');
    const nb = parsePercent(read.text);
    expect(nb.cells.map((c) => [c.id, c.kind, c.source])).toEqual([
      ['intro', 'markdown', '# Hello\nworld'],
      ['calc', 'code', 'const x = 2;\nx'],
    ]);
    expect(read.notes.join('\n')).toMatch(/1 output not carried over.*"calc"/);
  });

  it('reads .nb.ts as it is, and names the file and line of a broken one', async () => {
    expect((await importNotebookFile(TEXT, 'x.nb.ts')).text).toBe(TEXT);
    await expect(importNotebookFile('{"nbformat": 4, "cells": [', 'broken.ipynb')).rejects.toThrow(/broken\.ipynb: not valid JSON at line 1/);
    await expect(importNotebookFile(TEXT, 'x.py')).rejects.toThrow(/not a notebook file name/);
  });

  it('writes the executed notebook: outputs and errors of cells that ran, drafts as sources', () => {
    let state = stateFromText(TEXT);
    const mesh = { positions: new Float32Array([0, 1, 2]), indices: new Uint32Array([0, 0, 0]), triangles: 1 };
    state = applyKernelMessage(state, { type: 'cell', id: 'a', status: 'done', outputs: [{ data: { [MIME.text]: '2' } }, { data: { [MIME.mesh]: mesh } }], ms: 3 });
    state = applyKernelMessage(state, { type: 'cell', id: 'c', status: 'error', outputs: [], error: { name: 'Error', message: 'no', line: 1 } });
    const { text, lost } = executedIpynb(state, new Map([['b', 'const b = a * 3;']]));
    expect(lost).toEqual([]);
    expect(text.endsWith('}\n')).toBe(true);
    const doc = JSON.parse(text);
    expect(doc.nbformat).toBe(4);
    expect(doc.nbformat_minor).toBe(5);
    const [md, a, b, c] = doc.cells;
    expect(md.cell_type).toBe('markdown');
    expect(a.outputs[0]).toEqual({ output_type: 'display_data', data: { 'text/plain': '2' }, metadata: {} });
    expect(a.outputs[1].data[MIME.mesh].positions).toEqual({ $typed: 'Float32Array', base64: expect.any(String) });
    expect(a.execution_count).toBe(1);
    expect(b.outputs).toEqual([]);
    expect(b.execution_count).toBeNull();
    expect(b.source.join('')).toBe('const b = a * 3;');
    expect(c.outputs).toEqual([{ output_type: 'error', ename: 'Error', evalue: 'no', traceback: ['Error: no (cell line 1)'] }]);
    expect(c.execution_count).toBe(3);
    // It reads back as the same notebook (with the draft).
    expect(fromIpynb(doc).cells.map((x) => x.source)).toEqual(parsePercent(TEXT).cells.map((x) => (x.id === 'b' ? 'const b = a * 3;' : x.source)));
  });

  it('starts a new notebook with a title and one empty code cell', () => {
    expect(parsePercent(NEW_NOTEBOOK_TEXT).cells.map((c) => c.kind)).toEqual(['markdown', 'code']);
  });
});
