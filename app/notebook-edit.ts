/**
 * Structural edits of the open notebook — insert, delete, restore a deleted cell, change a
 * cell's kind — as pure functions from `NotebookState` to `NotebookState`, in the manner of
 * notebook-state.ts. Invariants every function keeps:
 * - cell ids stay unique, and each cell keeps its id for its whole life (the view keys cells
 *   by id, so an editor and its unsaved text survive the edit);
 * - the notebook stays writable as percent format: a cell without `id=` metadata reads back
 *   as `cell-<position>`, so a cell that moves away from its position gets its id written
 *   into its metadata (`pinIds`), and a new cell always has it there;
 * - a new id `cell-N` takes N above every number in use and above the cell count, so it never
 *   meets the generated id of a cell that has not moved (that one was in use already).
 */
import type { Cell } from '../kernel/notebook/cell.ts';
import type { CellState, NotebookState } from './notebook-state.ts';

/** A cell the user deleted and where it was, so that `restoreCell` can put it back. */
export interface DeletedCell {
  readonly cell: CellState;
  /** Its position (0-based) among the cells when it was deleted. */
  readonly index: number;
}

/** The kinds a user can turn a cell into (raw cells come only from imported notebooks). */
export type EditableKind = Extract<Cell['kind'], 'code' | 'markdown'>;

const GENERATED_ID = /^cell-(\d+)$/;

/** An id no cell of `state` has: `cell-N`, N above every number in use and above the cell count. */
export function newCellId(state: NotebookState): string {
  let top = state.cells.length;
  for (const c of state.cells) {
    const m = GENERATED_ID.exec(c.id);
    if (m) top = Math.max(top, Number(m[1]));
  }
  return `cell-${top + 1}`;
}

/** An empty cell of `kind` with id `id`, idle, nothing analysed. Its id is in its metadata (see the module comment). */
export function emptyCell(id: string, kind: EditableKind, source = ''): CellState {
  return { id, kind, tags: [], metadata: { id }, source, status: 'idle', outputs: [], defines: [], uses: [], problems: [] };
}

/**
 * Inserts `cell` at `index` (0 = first; clamped to 0..cells.length).
 * @throws Error if a cell with the same id is already there.
 */
export function insertCell(state: NotebookState, index: number, cell: CellState): NotebookState {
  if (state.cells.some((c) => c.id === cell.id)) throw new Error(`a cell with id "${cell.id}" is already in the notebook; pick another id (newCellId)`);
  const at = Math.min(Math.max(0, Math.trunc(index)), state.cells.length);
  const cells = [...state.cells.slice(0, at), cell, ...state.cells.slice(at)];
  return { ...state, cells: pinIds(cells) };
}

/**
 * Removes the cell `id`; returns the new state and what `restoreCell` needs to undo it, or
 * `undefined` when there is no such cell.
 */
export function deleteCell(state: NotebookState, id: string): { readonly state: NotebookState; readonly deleted: DeletedCell } | undefined {
  const index = state.cells.findIndex((c) => c.id === id);
  if (index < 0) return undefined;
  const cell = state.cells[index]!;
  const cells = pinIds(state.cells.filter((c) => c.id !== id));
  return { state: { ...state, cells }, deleted: { cell, index } };
}

/**
 * Puts a deleted cell back where it was (or at the end when the notebook has since become
 * shorter), with its source and outputs as they were. A cell with its id already present
 * (restored twice) is left alone.
 */
export function restoreCell(state: NotebookState, deleted: DeletedCell): NotebookState {
  if (state.cells.some((c) => c.id === deleted.cell.id)) return state;
  return insertCell(state, deleted.index, deleted.cell);
}

/**
 * Turns cell `id` into a `kind` cell with the same source. A code cell that becomes markdown
 * loses its run state (status, outputs, error, analysis); a markdown cell that becomes code
 * is idle until it runs. Unchanged when the cell is missing or already of that kind.
 */
export function setCellKind(state: NotebookState, id: string, kind: EditableKind): NotebookState {
  const cell = state.cells.find((c) => c.id === id);
  if (!cell || cell.kind === kind) return state;
  const { error: _e, ms: _m, cached: _c, ...rest } = cell;
  const changed: CellState = { ...rest, kind, status: 'idle', outputs: [], defines: [], uses: [], problems: [] };
  return { ...state, cells: state.cells.map((c) => (c.id === id ? changed : c)) };
}

/**
 * Writes into its metadata the id of every cell whose generated id (`cell-N`, no `id=`)
 * no longer matches its position, so the percent text reads back with the same ids.
 */
export function pinIds(cells: readonly CellState[]): CellState[] {
  return cells.map((c, i) => (c.metadata['id'] === undefined && c.id !== `cell-${i + 1}` ? { ...c, metadata: { ...c.metadata, id: c.id } } : c));
}
