import { describe, expect, it } from 'vitest';
import { deleteCell, emptyCell, insertCell, newCellId, restoreCell, setCellKind } from '../../app/notebook-edit.ts';
import { applyKernelMessage, notebookText, stateFromText, type NotebookState } from '../../app/notebook-state.ts';

// Generated ids: cell-1 (markdown), cell-2, load (explicit), cell-4.
const TEXT = `// %% [markdown]
// # Title

// %%
const a = 1;

// %% id="load"
const b = a + 1;

// %%
const c = b * 2;
`;

/** The cells as the text would read back: [id, kind, source]. */
function readBack(state: NotebookState): Array<[string, string, string]> {
  return stateFromText(notebookText(state)).cells.map((c) => [c.id, c.kind, c.source]);
}

function summary(state: NotebookState): Array<[string, string, string]> {
  return state.cells.map((c) => [c.id, c.kind, c.source]);
}

describe('notebook edits', () => {
  it('a new id is above every cell-N in use and above the cell count', () => {
    const s = stateFromText(TEXT);
    expect(newCellId(s)).toBe('cell-5');
    const grown = insertCell(s, 0, emptyCell('cell-9', 'code'));
    expect(newCellId(grown)).toBe('cell-10');
  });

  it('inserting above the first cell keeps every id and reads back the same', () => {
    const s = stateFromText(TEXT);
    const next = insertCell(s, 0, emptyCell(newCellId(s), 'code', 'const z = 0;'));
    expect(next.cells.map((c) => c.id)).toEqual(['cell-5', 'cell-1', 'cell-2', 'load', 'cell-4']);
    expect(readBack(next)).toEqual(summary(next));
    // The moved generated ids are pinned in metadata; the original state is untouched.
    expect(next.cells[1]!.metadata).toEqual({ id: 'cell-1' });
    expect(s.cells[0]!.metadata).toEqual({});
  });

  it('inserting below the last cell does not pin cells that did not move', () => {
    const s = stateFromText(TEXT);
    const next = insertCell(s, 99, emptyCell(newCellId(s), 'markdown', 'notes'));
    expect(next.cells.at(-1)).toMatchObject({ id: 'cell-5', kind: 'markdown', source: 'notes', status: 'idle' });
    expect(next.cells.slice(0, 4).map((c) => c.metadata['id'])).toEqual([undefined, undefined, 'load', undefined]);
    expect(readBack(next)).toEqual(summary(next));
  });

  it('refuses a duplicate id', () => {
    const s = stateFromText(TEXT);
    expect(() => insertCell(s, 0, emptyCell('load', 'code'))).toThrow(/already in the notebook/);
  });

  it('deleting a cell and restoring it gives back the same cells, outputs included', () => {
    let s = stateFromText(TEXT);
    s = applyKernelMessage(s, { type: 'cell', id: 'cell-2', status: 'done', outputs: [{ data: { 'text/plain': '1' } }], ms: 3 });
    const del = deleteCell(s, 'cell-2')!;
    expect(del.deleted.index).toBe(1);
    expect(del.state.cells.map((c) => c.id)).toEqual(['cell-1', 'load', 'cell-4']);
    expect(readBack(del.state)).toEqual(summary(del.state));
    const back = restoreCell(del.state, del.deleted);
    expect(summary(back)).toEqual(summary(s));
    expect(back.cells[1]).toMatchObject({ status: 'done', ms: 3, outputs: [{ data: { 'text/plain': '1' } }] });
    expect(readBack(back)).toEqual(summary(back));
    // Restoring twice does nothing.
    expect(restoreCell(back, del.deleted)).toBe(back);
  });

  it('deleting an unknown cell is undefined', () => {
    expect(deleteCell(stateFromText(TEXT), 'nope')).toBeUndefined();
  });

  it('a restored cell goes to the end when the notebook got shorter', () => {
    const s = stateFromText(TEXT);
    const d1 = deleteCell(s, 'cell-4')!;
    const d2 = deleteCell(d1.state, 'load')!;
    const back = restoreCell(d2.state, d1.deleted);
    expect(back.cells.map((c) => c.id)).toEqual(['cell-1', 'cell-2', 'cell-4']);
    expect(readBack(back)).toEqual(summary(back));
  });

  it('code to markdown drops run state and keeps the source; markdown to code is idle', () => {
    let s = stateFromText(TEXT);
    s = applyKernelMessage(s, { type: 'cell', id: 'load', status: 'error', outputs: [{ data: { 'text/plain': 'x' } }], error: { name: 'E', message: 'm' }, ms: 5 });
    const md = setCellKind(s, 'load', 'markdown');
    const cell = md.cells[2]!;
    expect(cell).toMatchObject({ id: 'load', kind: 'markdown', source: 'const b = a + 1;', status: 'idle', outputs: [] });
    expect(cell.error).toBeUndefined();
    expect(cell.ms).toBeUndefined();
    expect(readBack(md)).toEqual(summary(md));
    const code = setCellKind(md, 'cell-1', 'code');
    expect(code.cells[0]).toMatchObject({ kind: 'code', source: '# Title', status: 'idle' });
    expect(readBack(code)).toEqual(summary(code));
    expect(setCellKind(code, 'cell-1', 'code')).toBe(code);
  });
});
