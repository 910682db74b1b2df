/**
 * The notebook as one TypeScript module, the way `tsc` sees a `.nb.ts` file (DESIGN.md §1):
 * the code cells' text in notebook order, so a name one cell defines is known in the others.
 * The language service checks this file; the editors show one cell each, so every position
 * crosses between a cell's own offsets and the file's.
 *
 * Invariants:
 * - cell i's text sits verbatim at `[starts[i], starts[i] + length_i)` of the file;
 * - between two cells stands `CELL_SEPARATOR`, which starts with a line break and ends with
 *   `;` on its own line, so a trailing expression of one cell never runs on into the next
 *   (`f(x)` then `(y)` would otherwise read as `f(x)(y)`), and a `//` comment at a cell's end
 *   is closed;
 * - a position inside a separator belongs to no cell (`toCell` returns undefined).
 *
 * Offsets are UTF-16 code units, as in both CodeMirror and TypeScript.
 */

/** What stands between two cells in the file. */
export const CELL_SEPARATOR = '\n;\n';

/** One code cell's part of the file. */
export interface CellSpan {
  /** The caller's key for the cell (an editor's path). */
  readonly key: string;
  /** Offset of the cell's first character in the file. */
  readonly start: number;
  /** The cell's length in UTF-16 code units. */
  readonly length: number;
}

/** The composed file and where each cell sits in it. */
export interface NotebookFile {
  readonly text: string;
  /** In file order, non-overlapping, increasing `start`. */
  readonly spans: readonly CellSpan[];
}

/** Joins code cells (in notebook order) into the file the language service checks. */
export function composeNotebookFile(cells: readonly { readonly key: string; readonly source: string }[]): NotebookFile {
  const spans: CellSpan[] = [];
  let text = '';
  for (const [i, cell] of cells.entries()) {
    if (i > 0) text += CELL_SEPARATOR;
    spans.push({ key: cell.key, start: text.length, length: cell.source.length });
    text += cell.source;
  }
  return { text, spans };
}

/**
 * The file offset of `pos` in the cell `key` (0 ≤ pos ≤ the cell's length; clamped into it).
 * Undefined when the file has no such cell.
 */
export function toFileOffset(file: NotebookFile, key: string, pos: number): number | undefined {
  const span = file.spans.find((s) => s.key === key);
  if (!span) return undefined;
  return span.start + Math.min(Math.max(0, pos), span.length);
}

/**
 * The cell and cell-relative position of a file offset; the end of a cell belongs to it.
 * Undefined for an offset in a separator or outside the file.
 */
export function toCell(file: NotebookFile, offset: number): { key: string; pos: number } | undefined {
  // Binary search for the last span starting at or before `offset`.
  let lo = 0;
  let hi = file.spans.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (file.spans[mid]!.start <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return undefined;
  const span = file.spans[found]!;
  const pos = offset - span.start;
  return pos <= span.length ? { key: span.key, pos } : undefined;
}

/**
 * A file range `[from, to)` as seen from the cell `key`: the part of it inside the cell, in
 * cell offsets; undefined when the range does not touch the cell. An empty range at the
 * cell's end counts as inside.
 */
export function rangeInCell(file: NotebookFile, key: string, from: number, to: number): { from: number; to: number } | undefined {
  const span = file.spans.find((s) => s.key === key);
  if (!span) return undefined;
  const end = span.start + span.length;
  if (to < span.start || from > end || (to === span.start && from < to)) return undefined;
  return { from: Math.max(from, span.start) - span.start, to: Math.min(to, end) - span.start };
}
