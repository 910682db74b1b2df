import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parsePercent, serializePercent, NotebookSyntaxError, NotebookWriteError } from '../../kernel/notebook/percent.ts';
import { fromIpynb, toIpynb, encodeBinary, decodeBinary } from '../../kernel/notebook/ipynb.ts';
import { cellTags } from '../../kernel/notebook/cell.ts';

const SAMPLE = `// %% [markdown]
// # Skull from CT
//
// Bone at **226 HU**.

// %% id="params" tags=["parameters"]
const minHu = 226;

// %% Load the scan id="load"
const ct = await loadInput('x');

// %%
const bone = threshold(ct, { minHu, maxHu: 3071 });
`;

describe('parsePercent', () => {
  it('splits code and markdown cells with ids, tags and titles', () => {
    const nb = parsePercent(SAMPLE);
    expect(nb.cells.map((c) => [c.id, c.kind])).toEqual([
      ['cell-1', 'markdown'], ['params', 'code'], ['load', 'code'], ['cell-4', 'code'],
    ]);
    expect(nb.cells[0]!.source).toBe('# Skull from CT\n\nBone at **226 HU**.');
    expect(cellTags(nb.cells[1]!)).toEqual(['parameters']);
    expect(nb.cells[2]!.title).toBe('Load the scan');
    expect(nb.cells[3]!.source).toBe("const bone = threshold(ct, { minHu, maxHu: 3071 });");
  });
  it('round-trips a canonical file byte for byte', () => {
    expect(serializePercent(parsePercent(SAMPLE))).toBe(SAMPLE);
  });
  it('round-trips the example notebooks', () => {
    const text = readFileSync(new URL('../../notebooks/ct-to-print.nb.ts', import.meta.url), 'utf8');
    expect(serializePercent(parsePercent(text))).toBe(text);
  });
  it('reports malformed metadata with its line', () => {
    expect(() => parsePercent('// %%\nx\n// %% tags=[oops\ny')).toThrow(NotebookSyntaxError);
    try {
      parsePercent('// %%\nx\n// %% tags=[oops\ny');
    } catch (e) {
      expect((e as NotebookSyntaxError).line).toBe(3);
    }
  });
  it('rejects a repeated cell id', () => {
    expect(() => parsePercent('// %% id="a"\n1\n\n// %% id="a"\n2\n')).toThrow(/used twice/);
  });
});

describe('ipynb', () => {
  it('keeps sources, ids and metadata through percent → ipynb → percent', () => {
    const nb = parsePercent(SAMPLE);
    const back = fromIpynb(JSON.parse(JSON.stringify(toIpynb(nb))));
    expect(back.cells.map((c) => [c.id, c.kind, c.source, cellTags(c), c.title])).toEqual(
      nb.cells.map((c) => [c.id, c.kind, c.source, cellTags(c), c.title]),
    );
  });
  it('writes nbformat 4.5 with ids on every cell', () => {
    const doc = toIpynb(parsePercent(SAMPLE));
    expect([doc.nbformat, doc.nbformat_minor]).toEqual([4, 5]);
    expect(doc.cells.every((c) => /^[A-Za-z0-9_-]{1,64}$/.test(c.id))).toBe(true);
  });
  it('stores typed arrays as base64 and reads them back', () => {
    const data = { positions: new Float32Array([1.5, -2, 3e5]), indices: new Uint32Array([0, 1, 4294967295]) };
    const back = decodeBinary(JSON.parse(JSON.stringify(encodeBinary(data)))) as typeof data;
    expect(Array.from(back.positions)).toEqual([1.5, -2, 3e5]);
    expect(Array.from(back.indices)).toEqual([0, 1, 4294967295]);
  });
  it('deflates large arrays and restores them exactly', () => {
    const positions = Float32Array.from({ length: 100_000 }, (_, i) => Math.sin(i) * 100);
    const encoded = encodeBinary({ positions }) as { positions: { encoding: string; base64: string } };
    expect(encoded.positions.encoding).toBe('deflate');
    const back = decodeBinary(JSON.parse(JSON.stringify(encoded))) as { positions: Float32Array };
    expect(back.positions).toEqual(positions);
  });
  it('rejects a document that is not nbformat 4', () => {
    expect(() => fromIpynb({ nbformat: 3, worksheets: [] })).toThrow(/nbformat 4/);
  });
});

describe('parsePercent: lines end where TypeScript ends them', () => {
  it('reads a marker after a lone \\r, U+2028 or U+2029, as TypeScript ends the comment there', () => {
    for (const t of ['\r', '\u2028', '\u2029']) {
      const nb = parsePercent(`// %% [markdown]\n// note${t}// %%\nconst x = 1;\n`);
      expect(nb.cells.map((c) => [c.kind, c.source])).toEqual([['markdown', 'note'], ['code', 'const x = 1;']]);
    }
  });
  it('undoes one backslash of an escaped marker line, in code and markdown', () => {
    const nb = parsePercent('// %%\n// \\%% a\n// \\\\%%\n\n// %% [markdown]\n// \\%%\n');
    expect(nb.cells.map((c) => c.source)).toEqual(['// %% a\n// \\%%', '%%']);
    expect(serializePercent(nb)).toBe('// %%\n// \\%% a\n// \\\\%%\n\n// %% [markdown]\n// \\%%\n');
  });
  it('reads [raw] cells and a string title= as the title', () => {
    const nb = parsePercent('// %% [raw] title="a\\nb" format="text/plain"\n// .. x\n');
    expect(nb.cells[0]).toEqual({ id: 'cell-1', kind: 'raw', source: '.. x', metadata: { format: 'text/plain' }, title: 'a\nb' });
  });
  it('does not take a [markdown] inside metadata for the cell type', () => {
    expect(parsePercent('// %% tags=["[markdown]"]\nx\n').cells[0]!.kind).toBe('code');
  });
  it('refuses a cell type that is not last before the metadata, and a title given twice', () => {
    expect(() => parsePercent('// %% [markdown] Title\n// x\n')).toThrow(/write the cell type last/);
    expect(() => parsePercent('// %% Title title="Other"\nx\n')).toThrow(/keep one/);
    expect(() => parsePercent('// %% a=1 a=2\nx\n')).toThrow(/appears twice/);
  });
  it('keeps a "__proto__" metadata key as an ordinary key', () => {
    const meta = parsePercent('// %% "__proto__"={"polluted":1}\nx\n').cells[0]!.metadata;
    expect(Object.keys(meta)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('serializePercent: refuses what would not read back', () => {
  it('names the cell when its id is not in its metadata, or metadata holds a string title', () => {
    expect(() => serializePercent({ preamble: '', cells: [{ id: 'load', kind: 'code', source: 'x', metadata: {} }] })).toThrow(NotebookWriteError);
    expect(() => serializePercent({ preamble: '', cells: [{ id: 'load', kind: 'code', source: 'x', metadata: {} }] })).toThrow(/cell 1 \(id "load"\): .*id="load"/);
    expect(() => serializePercent({ preamble: '', cells: [{ id: 'cell-1', kind: 'code', source: 'x', metadata: { title: 't' } }] })).toThrow(/set Cell.title/);
    expect(() => serializePercent({ preamble: '// %%\n', cells: [] })).toThrow(/preamble/);
  });
  it('writes code with \\r\\n and trailing blank lines as it reads back', () => {
    const text = serializePercent({ preamble: '', cells: [{ id: 'cell-1', kind: 'code', source: 'a\r\nb\r\r\n  \n', metadata: {} }] });
    expect(text).toBe('// %%\na\nb\n');
  });
});
