import ts from '#typescript';
import type { Notebook } from './cell.ts';
import { IpynbFormatError, readIpynb, toIpynb, type DroppedCellContent } from './ipynb.ts';
import { NotebookSyntaxError, parsePercent, serializePercent } from './percent.ts';
import { checkCodeStaysInCodeCells } from './safety.ts';

/**
 * Notebook files by name: `.ipynb` is nbformat 4.5 JSON, `.nb.ts` (or any `.ts`) the
 * percent format. What `voxbook convert` needs: read a file, write a file, and say what
 * did not make the trip.
 */

/** A file name that is neither `.ipynb` nor `.ts`. */
export class NotebookPathError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`${path}: not a notebook file name; use .ipynb (nbformat 4.5) or .nb.ts (percent format)`);
    this.name = 'NotebookPathError';
    this.path = path;
  }
}

export type NotebookFileFormat = 'ipynb' | 'percent';

/**
 * The format a file name implies (case-insensitive): `.ipynb` → 'ipynb', `.ts` → 'percent'.
 * @throws NotebookPathError for any other name.
 */
export function notebookFileFormat(path: string): NotebookFileFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.ipynb')) return 'ipynb';
  if (lower.endsWith('.ts')) return 'percent';
  throw new NotebookPathError(path);
}

/** A notebook file read, with what it held that a `Notebook` does not keep. */
export interface NotebookFileRead {
  readonly notebook: Notebook;
  /** .ipynb only: cells whose outputs or attachments were not carried over. */
  readonly dropped: readonly DroppedCellContent[];
  /** .ipynb only: top-level metadata keys not carried over. */
  readonly droppedNotebookMetadata: readonly string[];
}

function parseJson(text: string, path: string): unknown {
  // A byte-order mark is not JSON, but editors on Windows write one.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    // V8's message names the position only in newer Node versions; TypeScript's JSON
    // parser finds it (and a reason) in all, though it forgives comments and trailing commas.
    const diagnostic = ts.parseConfigFileTextToJson(path, body).error;
    const v8 = /position (\d+)/.exec((e as Error).message);
    const pos = diagnostic?.start ?? (v8 ? Number(v8[1]) : undefined);
    const reason = diagnostic ? ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ') : (e as Error).message;
    let where = '';
    if (pos !== undefined) {
      const { line, character } = ts.getLineAndCharacterOfPosition(ts.createSourceFile(path, body, ts.ScriptTarget.Latest), pos);
      where = ` at line ${line + 1}, column ${character + 1}`;
    }
    throw new IpynbFormatError(`${path}: not valid JSON${where}: ${reason} An .ipynb must be one JSON document — was it truncated or edited by hand?`);
  }
}

/**
 * Reads a notebook file's text, choosing the format by `path`'s extension, and reports
 * what was not kept (outputs, attachments, notebook metadata of an .ipynb).
 * @throws NotebookPathError if the name is neither .ipynb nor .ts.
 * @throws IpynbFormatError (naming the file, and the line and column for bad JSON, or the
 *   cell) for an .ipynb that is not valid JSON or not a valid nbformat 4 document.
 * @throws NotebookSyntaxError (naming the file and line) for malformed percent format.
 */
export function readNotebookFileWithReport(text: string, path: string): NotebookFileRead {
  if (notebookFileFormat(path) === 'ipynb') {
    const doc = parseJson(text, path);
    try {
      return readIpynb(doc);
    } catch (e) {
      if (e instanceof IpynbFormatError) throw new IpynbFormatError(`${path}: ${e.message}`, e.cellIndex);
      throw e;
    }
  }
  try {
    return { notebook: parsePercent(text), dropped: [], droppedNotebookMetadata: [] };
  } catch (e) {
    if (e instanceof NotebookSyntaxError) throw new NotebookSyntaxError(e.line, e.detail, path);
    throw e;
  }
}

/**
 * Reads a notebook file's text, choosing the format by `path`'s extension
 * (`readNotebookFileWithReport` without the report).
 * @throws as `readNotebookFileWithReport`.
 */
export function readNotebookFile(text: string, path: string): Notebook {
  return readNotebookFileWithReport(text, path).notebook;
}

/**
 * The text of `nb` in the format `path`'s extension names: nbformat 4.5 JSON (one-space
 * indent, trailing newline, no outputs) or the percent format. Percent text is checked
 * with TypeScript's scanner and parser: only code cells may hold code.
 * @throws NotebookPathError if the name is neither .ipynb nor .ts.
 * @throws NotebookWriteError naming a cell the percent format cannot hold safely, and what to change.
 */
export function notebookToText(nb: Notebook, path: string): string {
  if (notebookFileFormat(path) === 'ipynb') return JSON.stringify(toIpynb(nb), null, 1) + '\n';
  const text = serializePercent(nb);
  checkCodeStaysInCodeCells(text);
  return text;
}

/** One line per thing a conversion did not carry over, for the user; [] when nothing was lost. */
export function describeDropped(read: Pick<NotebookFileRead, 'dropped' | 'droppedNotebookMetadata'>): string[] {
  const lines: string[] = [];
  const outputs = read.dropped.filter((d) => d.outputs > 0);
  if (outputs.length > 0) {
    const total = outputs.reduce((n, d) => n + d.outputs, 0);
    const which = outputs.map((d) => `"${d.cellId}" (cells[${d.cellIndex}]): ${d.outputs}`).join(', ');
    lines.push(`${total} output${total === 1 ? '' : 's'} not carried over (re-run the notebook to get them back) — ${which}`);
  }
  for (const d of read.dropped.filter((x) => x.attachments.length > 0)) {
    lines.push(`cell "${d.cellId}" (cells[${d.cellIndex}]): attachment${d.attachments.length === 1 ? '' : 's'} ${d.attachments.map((a) => `"${a}"`).join(', ')} not carried over; save them as files and link them instead`);
  }
  if (read.droppedNotebookMetadata.length > 0) {
    lines.push(`notebook metadata not carried over: ${read.droppedNotebookMetadata.join(', ')}`);
  }
  return lines;
}

/** The result of `convertNotebookText`. */
export interface NotebookConversion extends NotebookFileRead {
  /** The converted file's text. */
  readonly text: string;
  /** `describeDropped` of what the input held and the output does not. */
  readonly notes: readonly string[];
}

/**
 * Converts a notebook file's text to the format of `outputPath` — what `voxbook convert`
 * does, short of the file system. `notes` lists what was not carried over, to print.
 * @throws as `readNotebookFileWithReport` and `notebookToText`.
 */
export function convertNotebookText(text: string, inputPath: string, outputPath: string): NotebookConversion {
  const read = readNotebookFileWithReport(text, inputPath);
  return { ...read, text: notebookToText(read.notebook, outputPath), notes: describeDropped(read) };
}
