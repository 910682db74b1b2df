import { afterEach, describe, expect, it } from 'vitest';
import { Kernel } from '../../kernel/runtime.ts';
import { parsePercent, serializePercent, NotebookSyntaxError, NotebookWriteError } from '../../kernel/notebook/percent.ts';
import { fromIpynb, readIpynb, toIpynb, encodeBinary, decodeBinary, IpynbFormatError } from '../../kernel/notebook/ipynb.ts';
import { convertNotebookText, notebookToText, readNotebookFile, NotebookPathError } from '../../kernel/notebook/file.ts';

type Doc = { nbformat: 4; nbformat_minor: number; metadata: Record<string, unknown>; cells: unknown[] };
const doc = (...cells: unknown[]): Doc => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
const md = (id: string, source: string | string[], metadata: Record<string, unknown> = {}) => ({ id, cell_type: 'markdown', metadata, source });
const code = (id: string, source: string | string[], metadata: Record<string, unknown> = {}) => ({ id, cell_type: 'code', metadata, source, outputs: [], execution_count: null });

declare global {
  var __pwned: unknown;
}

/** Runs percent text the way `voxbook run` does (every code cell, in the kernel). */
async function runText(text: string): Promise<void> {
  const kernel = new Kernel({ importModule: async (s) => { throw new Error(`no module ${s}`); } }, () => {});
  await kernel.open(text);
  await kernel.run();
}

describe('convert: markdown never becomes code (issue 11, item 5)', () => {
  afterEach(() => {
    delete globalThis.__pwned;
  });

  it('a newline in a markdown cell\'s metadata.title stays in the title', async () => {
    const ipynb = JSON.stringify(doc(md('m', 'hi', { title: 'Intro\nglobalThis.__pwned = 1; //' })));
    const { text } = convertNotebookText(ipynb, 'in.ipynb', 'out.nb.ts');
    const cells = parsePercent(text).cells;
    expect(cells.map((c) => [c.kind, c.title, c.source])).toEqual([['markdown', 'Intro\nglobalThis.__pwned = 1; //', 'hi']]);
    await runText(text);
    expect(globalThis.__pwned).toBeUndefined();
  });

  it('a %% line then U+2028 in markdown stays markdown', async () => {
    const source = '%%\nnote\u2028globalThis.__pwned = 2;';
    const { text } = convertNotebookText(JSON.stringify(doc(md('m', source))), 'in.ipynb', 'out.nb.ts');
    const cells = parsePercent(text).cells;
    expect(cells.map((c) => [c.kind, c.source])).toEqual([['markdown', source]]);
    await runText(text);
    expect(globalThis.__pwned).toBeUndefined();
  });

  it('a lone \\r or U+2029 in a markdown line is a new comment line, as TypeScript reads it', () => {
    const source = 'a\rglobalThis.x = 1\u2029%% b\r\nc';
    const text = serializePercent(fromIpynb(doc(md('m', source))));
    expect(text).toBe('// %% [markdown] id="m"\n// a\r// globalThis.x = 1\u2029// \\%% b\r//\n// c\n');
    expect(parsePercent(text).cells[0]!.source).toBe(source);
  });

  it('metadata values with U+2028 are escaped, keys that are not identifiers are quoted', () => {
    const nb = fromIpynb(doc(code('c', 'x', { note: 'a\u2028b', 'my key=': [1], '': 'empty' })));
    const text = serializePercent(nb);
    expect(text.split('\n')[0]).toBe('// %% id="c" note="a\\u2028b" "my key="=[1] ""="empty"');
    expect(parsePercent(text).cells[0]!.metadata).toEqual({ id: 'c', note: 'a\u2028b', 'my key=': [1], '': 'empty' });
  });

  it('titles that would not read back bare are written as title= JSON', () => {
    const titles = [' padded ', 'a [markdown]', 'x=1', '', 'two\u2029lines', 'q "k"=2', '[raw]'];
    for (const title of titles) {
      const text = serializePercent(fromIpynb(doc(code('c', 'x', { title }))));
      expect(parsePercent(text).cells[0]!).toMatchObject({ kind: 'code', title, source: 'x' });
      expect(text.split('\n')[0]).toBe(`// %% title=${JSON.stringify(title).replace('\u2029', '\\u2029')} id="c"`);
    }
    expect(serializePercent(fromIpynb(doc(code('c', 'x', { title: 'Load the scan' }))))).toBe('// %% Load the scan id="c"\nx\n');
  });

  it('a code line that looks like a marker is escaped, and read back unescaped', () => {
    const source = 'const a = 1;\n// %% not a cell\n// \\%% nor this\n//%% fine\nconst b = 2;';
    const text = serializePercent(fromIpynb(doc(code('c', source))));
    expect(text).toBe('// %% id="c"\nconst a = 1;\n// \\%% not a cell\n// \\\\%% nor this\n//%% fine\nconst b = 2;\n');
    expect(parsePercent(text).cells.map((c) => c.source)).toEqual([source]);
  });

  it('refuses a code cell that leaves a template literal open, naming the cell', () => {
    const nb = fromIpynb(doc(code('open', 'const s = `'), md('m', '`; globalThis.__pwned = 3; `')));
    expect(() => notebookToText(nb, 'x.nb.ts')).toThrow(NotebookWriteError);
    expect(() => notebookToText(nb, 'x.nb.ts')).toThrow(/cell 1 \(id "open"\).*close/);
    const comment = fromIpynb(doc(code('c', '/* start'), md('m', '*/ globalThis.__pwned = 4;')));
    expect(() => notebookToText(comment, 'x.nb.ts')).toThrow(/cell 1 \(id "c"\)/);
  });
});

describe('fromIpynb / readIpynb', () => {
  it.each([
    ['a null cell', null, /cells\[1\]: is null/],
    ['a cell without cell_type', { id: 'a', metadata: {}, source: '' }, /cells\[1\]: cell_type is missing/],
    ['an unknown cell_type', { id: 'a', cell_type: 'heading', metadata: {}, source: '' }, /cells\[1\]: cell_type is string "heading"/],
    ['a number source', { id: 'a', cell_type: 'code', metadata: {}, source: 5 }, /cells\[1\]: source is number 5/],
    ['a list source with a number', { id: 'a', cell_type: 'code', metadata: {}, source: ['x', 1] }, /cells\[1\]: source\[1\] is number 1/],
    ['a missing source', { id: 'a', cell_type: 'code', metadata: {} }, /cells\[1\]: source is missing/],
    ['metadata that is a list', { id: 'a', cell_type: 'code', metadata: [], source: '' }, /cells\[1\]: metadata is a list/],
    ['metadata that is a string', { id: 'a', cell_type: 'code', metadata: 'x', source: '' }, /cells\[1\]: metadata is string/],
    ['a metadata.id', { id: 'a', cell_type: 'code', metadata: { id: 'a' }, source: '' }, /cells\[1\]: metadata has an "id" key/],
    ['an invalid id', { id: 'a b', cell_type: 'code', metadata: {}, source: '' }, /cells\[1\]: id string "a b"/],
    ['a repeated id', { id: 'first', cell_type: 'code', metadata: {}, source: '' }, /cells\[1\]: id "first" is also the id of cells\[0\]/],
    ['outputs that are not a list', { id: 'a', cell_type: 'code', metadata: {}, source: '', outputs: {} }, /cells\[1\]: outputs is an object/],
  ])('refuses %s with IpynbFormatError naming the cell', (_name, cell, message) => {
    const d = doc(code('first', 'x'), cell);
    expect(() => fromIpynb(d)).toThrow(IpynbFormatError);
    expect(() => fromIpynb(d)).toThrow(message);
    try {
      fromIpynb(d);
    } catch (e) {
      expect((e as IpynbFormatError).cellIndex).toBe(1);
    }
  });

  it('keeps raw cells, written as // %% [raw] with commented lines, and back to ipynb as raw', () => {
    const d = doc({ id: 'r', cell_type: 'raw', metadata: { format: 'text/x-rst' }, source: ['.. note::\n', '   %% raw\n', '\n', '// %% hi'] }, code('c', 'x'));
    const nb = fromIpynb(d);
    expect(nb.cells[0]).toMatchObject({ kind: 'raw', source: '.. note::\n   %% raw\n\n// %% hi' });
    const text = serializePercent(nb);
    expect(text).toBe('// %% [raw] id="r" format="text/x-rst"\n// .. note::\n//    %% raw\n//\n// // %% hi\n\n// %% id="c"\nx\n');
    const back = toIpynb(parsePercent(text));
    expect(back.cells[0]).toEqual({ id: 'r', cell_type: 'raw', metadata: { format: 'text/x-rst' }, source: ['.. note::\n', '   %% raw\n', '\n', '// %% hi'] });
  });

  it('keeps ids that look generated, and gives id-less cells ids that clash with none', () => {
    const nb = fromIpynb(doc(code('cell-3', 'a'), { cell_type: 'code', metadata: {}, source: 'b' }, { cell_type: 'code', metadata: {}, source: 'c' }));
    expect(nb.cells.map((c) => c.id)).toEqual(['cell-3', 'cell-2', 'cell-3-1']);
    expect(parsePercent(serializePercent(nb)).cells.map((c) => c.id)).toEqual(['cell-3', 'cell-2', 'cell-3-1']);
  });

  it('keeps an empty title and a non-string title', () => {
    const nb = fromIpynb(doc(md('a', 'x', { title: '' }), code('b', 'y', { title: 5 })));
    expect(nb.cells.map((c) => [c.title, c.metadata['title']])).toEqual([['', undefined], [undefined, 5]]);
    const back = toIpynb(parsePercent(serializePercent(nb)));
    expect(back.cells.map((c) => c.metadata['title'])).toEqual(['', 5]);
  });

  it('reports the outputs, attachments and notebook metadata it does not carry over', () => {
    const d = {
      ...doc(
        { ...code('a', 'x'), outputs: [{ output_type: 'stream', name: 'stdout', text: 'hi' }, { output_type: 'display_data', data: {}, metadata: {} }] },
        code('b', 'y'),
        { ...md('m', '![](attachment:p.png)'), attachments: { 'p.png': { 'image/png': 'iVBOR' } } },
      ),
      metadata: { kernelspec: { name: 'python3' }, authors: ['A'] },
    };
    const r = readIpynb(d);
    expect(r.dropped).toEqual([
      { cellIndex: 0, cellId: 'a', outputs: 2, attachments: [] },
      { cellIndex: 2, cellId: 'm', outputs: 0, attachments: ['p.png'] },
    ]);
    expect(r.droppedNotebookMetadata).toEqual(['authors']);
    const conversion = convertNotebookText(JSON.stringify(d), 'in.ipynb', 'out.nb.ts');
    expect(conversion.notes).toEqual([
      '2 outputs not carried over (re-run the notebook to get them back) — "a" (cells[0]): 2',
      'cell "m" (cells[2]): attachment "p.png" not carried over; save them as files and link them instead',
      'notebook metadata not carried over: authors',
    ]);
  });
});

describe('readNotebookFile / notebookToText', () => {
  it('chooses the format by extension', () => {
    const ipynb = JSON.stringify(doc(code('a', 'const x = 1;')));
    const nb = readNotebookFile(ipynb, 'dir/In.IPYNB');
    expect(notebookToText(nb, 'out.nb.ts')).toBe('// %% id="a"\nconst x = 1;\n');
    expect(readNotebookFile('// %% id="a"\nconst x = 1;\n', 'x.nb.ts')).toEqual(nb);
    expect(JSON.parse(notebookToText(nb, 'out.ipynb')).cells[0].source).toEqual(['const x = 1;']);
    expect(() => readNotebookFile('', 'notes.txt')).toThrow(NotebookPathError);
    expect(() => notebookToText(nb, 'notes.md')).toThrow(/notes\.md: not a notebook file name/);
  });

  it('names the file and the JSON error position for bad JSON', () => {
    expect(() => readNotebookFile('{\n "nbformat": 4,\n "cells": [,]\n}', 'broken.ipynb')).toThrow(IpynbFormatError);
    expect(() => readNotebookFile('{\n "nbformat": 4,\n "cells": [,]\n}', 'broken.ipynb')).toThrow(/^broken\.ipynb: not valid JSON at line 3, column 12: /);
    expect(() => readNotebookFile('{"nbformat": 4, "cells": [nu', 'cut.ipynb')).toThrow(/cut\.ipynb: not valid JSON at line 1, column 29: ']' expected/);
  });

  it('reads a file with a byte-order mark, and names the file for nbformat and percent errors', () => {
    expect(readNotebookFile('\uFEFF' + JSON.stringify(doc(code('a', 'x'))), 'a.ipynb').cells.length).toBe(1);
    expect(() => readNotebookFile(JSON.stringify(doc(null)), 'n.ipynb')).toThrow(/^n\.ipynb: cells\[0\]: is null/);
    expect(() => readNotebookFile('// %% tags=[oops\n', 'bad.nb.ts')).toThrow(NotebookSyntaxError);
    expect(() => readNotebookFile('// %% tags=[oops\n', 'bad.nb.ts')).toThrow(/^bad\.nb\.ts: line 1: /);
  });
});

describe('toIpynb / encodeBinary say what JSON cannot hold', () => {
  it('restores every typed array kind, ArrayBuffer, NaN, ±Infinity and bigint', () => {
    const data = {
      c: new Uint8ClampedArray([0, 255]), b: new BigInt64Array([-5n]), u: new BigUint64Array([2n ** 64n - 1n]),
      v: new DataView(new Uint8Array([1, 2, 3]).buffer, 1, 2), a: new Uint8Array([9, 8]).buffer,
      n: [NaN, Infinity, -Infinity, 1], big: 12345678901234567890n, buf: Buffer.from([7]),
    };
    const lost: string[] = [];
    const back = decodeBinary(JSON.parse(JSON.stringify(encodeBinary(data, lost)))) as Record<string, unknown>;
    expect(lost).toEqual([]);
    expect(back['c']).toEqual(data.c);
    expect(back['b']).toEqual(data.b);
    expect(back['u']).toEqual(data.u);
    expect(Array.from(new Uint8Array((back['v'] as DataView).buffer))).toEqual([2, 3]);
    expect(Array.from(new Uint8Array(back['a'] as ArrayBuffer))).toEqual([9, 8]);
    expect(back['n']).toEqual([NaN, Infinity, -Infinity, 1]);
    expect(back['big']).toBe(12345678901234567890n);
    expect(back['buf']).toEqual(new Uint8Array([7]));
  });

  it('marks and reports values it cannot encode, and results for cells that are not there', () => {
    const nb = parsePercent('// %% id="a"\nx\n');
    const lost: string[] = [];
    const results = new Map([
      ['a', { outputs: [{ data: { 'application/json': { m: new Map([[1, 2]]), list: [1, undefined] } } }] }],
      ['gone', { outputs: [{ data: { 'text/plain': 'hi' } }] }],
    ]);
    const out = toIpynb(nb, results, {}, lost);
    expect((out.cells[0]!.outputs![0]!['data'] as Record<string, unknown>)['application/json']).toEqual({ m: { $unsupported: 'Map' }, list: [1, { $unsupported: 'undefined' }] });
    expect(lost).toEqual([
      'results for "gone" (1 output) not written: the notebook has no code cell with that id',
      'cell "a" output 1 data["application/json"]["m"] is a Map, which JSON cannot hold: stored as {"$unsupported":"Map"}',
      'cell "a" output 1 data["application/json"]["list"][1] is undefined: stored as {"$unsupported":"undefined"}',
    ]);
  });
});
