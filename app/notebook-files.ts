/**
 * Notebook files in the app: reading a local `.nb.ts` or `.ipynb` into the percent text the
 * app edits, and writing the open notebook as either, the `.ipynb` with the outputs under
 * its cells now (as `voxbook run` writes its executed notebook).
 *
 * The readers live in kernel/notebook/file.ts, which uses the TypeScript scanner to check
 * what it writes; it is imported on first use, so TypeScript is not in the page's first load.
 */
import type { CellResult } from '../kernel/notebook/ipynb.ts';
import { toIpynb } from '../kernel/notebook/ipynb.ts';
import { parsePercent } from '../kernel/notebook/percent.ts';
import { codeNumbers, notebookText, type NotebookState } from './notebook-state.ts';

/** A local notebook file, read. */
export interface ImportedNotebook {
  /** The notebook in the percent format. */
  readonly text: string;
  /** What the file held that the notebook does not keep (an .ipynb's outputs, attachments), one line each. */
  readonly notes: readonly string[];
}

/**
 * Reads a notebook file's text, choosing the format by `fileName` (`.ipynb`: nbformat 4;
 * `.ts`/`.nb.ts`: percent), and returns it in the percent format.
 * @throws NotebookPathError (another extension), IpynbFormatError (bad JSON, with line and
 *   column, or not nbformat 4), NotebookSyntaxError (malformed percent format, with the
 *   line), NotebookWriteError (a cell the percent format cannot hold safely) — each naming the file.
 */
export async function importNotebookFile(text: string, fileName: string): Promise<ImportedNotebook> {
  const { convertNotebookText } = await import('../kernel/notebook/file.ts');
  const converted = convertNotebookText(text, fileName, 'notebook.nb.ts');
  return { text: converted.text, notes: converted.notes };
}

/** The executed notebook, as nbformat 4.5 JSON text, and notes on anything JSON could not hold. */
export interface IpynbExport {
  readonly text: string;
  readonly lost: readonly string[];
}

/**
 * The open notebook as nbformat 4.5: the cells' sources with the editors' drafts (id →
 * text), and under each code cell that ran (done or failed) its outputs and error, as the
 * app holds them. Binary values (meshes, exported files) are embedded as `voxbook run`
 * embeds them (kernel/notebook/ipynb.ts `encodeBinary`); `execution_count` is the cell's
 * number in the notebook. Text is `JSON.stringify(…, null, 1)` plus a newline, as the CLI writes.
 */
export function executedIpynb(state: NotebookState, drafts: ReadonlyMap<string, string> = new Map()): IpynbExport {
  const nb = parsePercent(notebookText(state, drafts));
  const numbers = codeNumbers(state);
  const results = new Map<string, CellResult>();
  for (const c of state.cells) {
    if (c.kind !== 'code' || (c.status !== 'done' && c.status !== 'error' && c.status !== 'stale')) continue;
    const n = numbers.get(c.id);
    results.set(c.id, { outputs: c.outputs, ...(c.error ? { error: c.error } : {}), ...(n !== undefined ? { executionCount: n } : {}) });
  }
  const lost: string[] = [];
  const doc = toIpynb(nb, results, {}, lost);
  return { text: JSON.stringify(doc, null, 1) + '\n', lost };
}
