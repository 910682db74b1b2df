import { describe, expect, it } from 'vitest';
import {
  applyKernelMessage,
  cellLabel,
  codeNumbers,
  failedAncestors,
  notebookText,
  stateFromText,
  summarize,
  withSource,
  type NotebookState,
} from '../../app/notebook-state.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';

const TEXT = `// %% [markdown]
// # Title

// %% id="params" tags=["parameters"]
const minHu = 226;

// %% id="load"
const ct = load(minHu);

// %% Segment the bone
const bone = threshold(ct);

// %%
const mesh = surface(bone);
`;

function apply(state: NotebookState, ...messages: KernelMessage[]): NotebookState {
  return messages.reduce(applyKernelMessage, state);
}

const analysis: KernelMessage = {
  type: 'analysis',
  cells: [
    { id: 'params', defines: ['minHu'], uses: [], errors: [] },
    { id: 'load', defines: ['ct'], uses: ['minHu'], errors: [] },
    { id: 'cell-4', defines: ['bone'], uses: ['ct'], errors: [] },
    { id: 'cell-5', defines: ['mesh'], uses: ['bone'], errors: [] },
  ],
};

describe('stateFromText', () => {
  it('lists the cells with the kernel parser’s ids, kinds, titles and tags, all idle', () => {
    const state = stateFromText(TEXT);
    expect(state.cells.map((c) => [c.id, c.kind, c.status])).toEqual([
      ['cell-1', 'markdown', 'idle'],
      ['params', 'code', 'idle'],
      ['load', 'code', 'idle'],
      ['cell-4', 'code', 'idle'],
      ['cell-5', 'code', 'idle'],
    ]);
    expect(state.cells[0]!.source).toBe('# Title');
    expect(state.cells[1]!.tags).toEqual(['parameters']);
    expect(state.cells[3]!.title).toBe('Segment the bone');
  });

  it('reports a notebook it cannot parse instead of throwing', () => {
    const state = stateFromText('// %% id=not-json\nconst a = 1;\n');
    expect(state.cells).toEqual([]);
    expect(state.loadError).toMatch(/line 1/);
  });

  it('writes the notebook back with edited sources', () => {
    const state = withSource(stateFromText(TEXT), 'load', 'const ct = load(minHu, 2);');
    const text = notebookText(state);
    expect(text).toContain('// %% id="load"\nconst ct = load(minHu, 2);');
    expect(stateFromText(text).cells.map((c) => c.source)).toEqual(state.cells.map((c) => c.source));
  });

  it('writes drafts (editor text not yet run) in place of their cells’ sources', () => {
    const state = stateFromText(TEXT);
    const text = notebookText(state, new Map([['cell-4', 'const bone = threshold(ct, 2);'], ['cell-1', '# New title']]));
    expect(text).toContain('const bone = threshold(ct, 2);');
    expect(text).toContain('// # New title');
    expect(state.cells[3]!.source).toBe('const bone = threshold(ct);');
  });
});

describe('raw cells', () => {
  const RAW = '// %% [raw] id="r"\n// .. raw text %%\n\n// %% id="c"\nconst x = 1;\n';
  it('keeps a raw cell as raw, never counted or numbered as code, and writes it back', () => {
    const state = stateFromText(RAW);
    expect(state.cells.map((c) => [c.id, c.kind, c.source])).toEqual([['r', 'raw', '.. raw text %%'], ['c', 'code', 'const x = 1;']]);
    expect(summarize(state).code).toBe(1);
    expect([...codeNumbers(state)]).toEqual([['c', 1]]);
    expect(notebookText(state)).toBe(RAW);
  });
});

describe('applyKernelMessage', () => {
  it('records what each cell defines and uses, and analysis problems', () => {
    const state = apply(stateFromText(TEXT), {
      type: 'analysis',
      cells: [...analysis.cells.slice(0, 3), { id: 'cell-5', defines: [], uses: [], errors: [{ name: 'SyntaxError', message: "';' expected", line: 1 }] }],
    });
    expect(state.cells[2]!.uses).toEqual(['minHu']);
    expect(state.cells[4]!.problems).toEqual([{ name: 'SyntaxError', message: "';' expected", line: 1 }]);
  });

  it('adopts the kernel’s ids by position when they differ from the parsed ones', () => {
    const state = apply(stateFromText(TEXT), { type: 'analysis', cells: ['a', 'b', 'c', 'd'].map((id) => ({ id, defines: [], uses: [], errors: [] })) });
    expect(state.cells.map((c) => c.id)).toEqual(['cell-1', 'a', 'b', 'c', 'd']);
  });

  it('replaces a cell’s status, outputs, error and timing; clears an old error on success', () => {
    const failed = apply(stateFromText(TEXT), {
      type: 'cell', id: 'load', status: 'error', outputs: [], error: { name: 'TypeError', message: 'x', line: 1 }, ms: 12,
    });
    expect(failed.cells[2]).toMatchObject({ status: 'error', error: { name: 'TypeError' }, ms: 12 });
    const fixed = apply(failed, { type: 'cell', id: 'load', status: 'done', outputs: [{ data: { 'text/plain': 'ok' } }], ms: 30, cached: false });
    expect(fixed.cells[2]).toMatchObject({ status: 'done', ms: 30, cached: false });
    expect(fixed.cells[2]!.error).toBeUndefined();
    expect(fixed.cells[2]!.outputs).toHaveLength(1);
  });

  it('logs a message about an unknown cell rather than dropping it silently', () => {
    const state = apply(stateFromText(TEXT), { type: 'cell', id: 'nope', status: 'done', outputs: [] });
    expect(state.log).toEqual([{ level: 'warn', text: 'kernel reported on unknown cell "nope"' }]);
  });

  it('keeps the parameters the kernel ran with (for the exported page\'s provenance)', () => {
    const s = apply(stateFromText(TEXT), { type: 'run-done', ok: true, ms: 5, parameters: { minHu: 300 } });
    expect(s.parameters).toEqual({ minHu: 300 });
    expect(apply(s, { type: 'run-done', ok: true, ms: 5 }).parameters).toEqual({ minHu: 300 });
  });

  it('ends the run on run-done', () => {
    expect(apply(stateFromText(TEXT), { type: 'run-done', ok: false, ms: 1234 })).toMatchObject({ phase: 'failed', lastRunMs: 1234 });
  });
});

describe('failedAncestors', () => {
  it('finds the failed cell upstream of a blocked one through blocked intermediates', () => {
    const state = apply(
      stateFromText(TEXT),
      analysis,
      { type: 'cell', id: 'params', status: 'done', outputs: [] },
      { type: 'cell', id: 'load', status: 'error', outputs: [], error: { name: 'Error', message: 'no data' } },
      { type: 'cell', id: 'cell-4', status: 'blocked', outputs: [] },
      { type: 'cell', id: 'cell-5', status: 'blocked', outputs: [] },
    );
    expect(failedAncestors(state, 'cell-5').map((c) => c.id)).toEqual(['load']);
    expect(failedAncestors(state, 'params')).toEqual([]);
  });

  it('names cells by title, explicit id or number (as in the gutter: code cells only)', () => {
    const state = stateFromText(TEXT);
    expect(cellLabel(state, 'cell-4')).toBe('Segment the bone');
    expect(cellLabel(state, 'load')).toBe('load');
    expect(cellLabel(state, 'cell-5')).toBe('cell 4');
  });
});

describe('codeNumbers', () => {
  it('numbers code cells 1, 2, … in document order and skips markdown cells', () => {
    const state = stateFromText(`// %%
const a = 1;

// %% [markdown]
// text

// %%
const b = 2;

// %% [markdown]
// more

// %%
const c = 3;
`);
    expect(state.cells.map((c) => c.kind)).toEqual(['code', 'markdown', 'code', 'markdown', 'code']);
    expect([...codeNumbers(state)]).toEqual([['cell-1', 1], ['cell-3', 2], ['cell-5', 3]]);
  });
});

describe('summarize', () => {
  it('counts code cells per status', () => {
    const state = apply(stateFromText(TEXT), { type: 'cell', id: 'load', status: 'running', outputs: [] });
    const s = summarize(state);
    expect(s.code).toBe(4);
    expect(s.byStatus.running).toBe(1);
    expect(s.byStatus.idle).toBe(3);
  });
});
