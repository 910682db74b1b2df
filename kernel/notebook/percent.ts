import { type Cell, type Notebook, CELL_ID_PATTERN } from './cell.ts';

/**
 * The Jupytext "percent" format for TypeScript (DESIGN.md §1): `// %%` starts a code cell,
 * `// %% [markdown]` a markdown cell and `// %% [raw]` a raw cell, whose lines are `// `
 * comments; after the marker an optional title, then the cell type, then metadata as
 * `key=JSON` pairs (`// %% Load the scan [markdown] tags=["parameters"] id="load"`).
 * See https://jupytext.readthedocs.io/en/latest/formats-scripts.html (percent format).
 *
 * `serializePercent(parsePercent(text)) === text` holds for files in canonical form:
 * one blank line before each marker, no trailing blank lines inside cells.
 *
 * ## Lines
 *
 * A line ends where TypeScript's scanner ends one: at `\n`, `\r`, U+2028 or U+2029 (the
 * ECMAScript LineTerminators). `\r\n` is read as `\n` everywhere (it means the same to
 * TypeScript, inside template literals too), so a marker hidden behind a lone `\r` or a
 * U+2028 is a marker here exactly as it ends a `//` comment for TypeScript.
 *
 * ## Escapes: nothing written can end a comment or start a marker
 *
 * The writer guarantees that every cell reads back the same (it re-parses its own output
 * and throws `NotebookWriteError` if not) and that text which was not code cannot become
 * code. To that end:
 *
 * - Markdown and raw cells: every line — split at each `\n`, `\r`, U+2028 and U+2029, so
 *   each is its own line for TypeScript too — is written as a `// ` comment (`//` when
 *   empty). The original terminators are kept, so the source reads back byte for byte
 *   (`\r\n` inside markdown is written `\r` + `//` + `\n`, which no reader merges).
 * - Marker-looking lines: a body line (code or comment) that would read as a marker —
 *   `// %%` alone or followed by a space — is written with a backslash after `// `
 *   (`// \%% x`); one that already looks escaped (`// \%%`, `// \\%%`, …) gains one more
 *   backslash. The parser removes exactly one backslash from such lines, so sources read
 *   back unchanged and a code cell is never split.
 * - Titles: written bare after `// %%` when that reads back as the same title (no line
 *   terminator, no leading or trailing space, nothing that reads as a cell type or a
 *   `key=`); otherwise written as metadata `title="…"` (JSON), which the parser reads as
 *   the title. A string `title=` in metadata is therefore always the title.
 * - Metadata keys: bare when they look like identifiers (`[A-Za-z_][\w.-]*`), else as a
 *   JSON string (`"my key"=1`).
 * - Metadata values and quoted keys/titles: JSON, with U+2028 and U+2029 written as
 *   `\u2028` / `\u2029` (JSON.stringify leaves them raw, and raw they would end the line).
 *
 * ## Normalisations (what does not come back byte for byte)
 *
 * - Code cells: `\r\n` and a lone `\r` read back as `\n` (the same program: ECMAScript
 *   reads both as `\n`, in template literals too), and trailing blank (whitespace-only)
 *   lines are dropped — blank lines separate cells. `normalizedCell` states this exactly.
 * - The preamble: `\r\n` as `\n`, and its trailing newlines are not part of it.
 * - Metadata is JSON: a number -0 is written (and reads back) as 0.
 *
 * What cannot be written is refused with `NotebookWriteError` naming the cell: a string
 * `metadata.title` beside the cell's title, metadata that is not JSON, an `id=` that is not
 * the cell's id, an id the format would not read back. Whether code in a code cell spills
 * into the next cell (an unclosed template literal or block comment) needs TypeScript's
 * scanner; `checkCodeStaysInCodeCells` (safety.ts) checks it.
 */

/** Malformed percent-format text; `line` is the 1-based line of the offending marker. */
export class NotebookSyntaxError extends Error {
  readonly line: number;
  /** The file it came from, when known. */
  readonly file: string | undefined;
  /** The message without the file and line. */
  readonly detail: string;
  constructor(line: number, message: string, file?: string) {
    super(`${file ? `${file}: ` : ''}line ${line}: ${message}`);
    this.name = 'NotebookSyntaxError';
    this.line = line;
    this.file = file;
    this.detail = message;
  }
}

/**
 * A cell the percent format cannot hold as it is (or that would not read back the same);
 * the message names the cell and says what to change.
 */
export class NotebookWriteError extends Error {
  /** 0-based position of the cell in the notebook; -1 for the preamble. */
  readonly cellIndex: number;
  readonly cellId: string;
  constructor(cellIndex: number, cellId: string, message: string) {
    super(`${cellIndex < 0 ? 'the preamble' : `cell ${cellIndex + 1} (id "${cellId}")`}: ${message}`);
    this.name = 'NotebookWriteError';
    this.cellIndex = cellIndex;
    this.cellId = cellId;
  }
}

/** One line of a text, without its terminator. `start` is its offset in the text. */
interface Line {
  readonly text: string;
  /** The terminator that follows it: `\n`, `\r`, U+2028, U+2029, or '' at the end of the text. */
  readonly end: string;
  readonly start: number;
}

const TERMINATOR = /[\n\r\u2028\u2029]/;

/** Splits at each ECMAScript line terminator, keeping them (no `\r\n` pairing: callers normalise first). */
function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029') {
      lines.push({ text: text.slice(start, i), end: c, start });
      start = i + 1;
    }
  }
  lines.push({ text: text.slice(start), end: '', start });
  return lines;
}

function joinLines(lines: readonly Pick<Line, 'text' | 'end'>[]): string {
  return lines.map((l, i) => (i < lines.length - 1 ? l.text + l.end : l.text)).join('');
}

function isMarker(line: string): boolean {
  return line.startsWith('// %%') && (line.length === 5 || line[5] === ' ');
}

/** `// %%`, `// \%%`, `// \\%%`, … alone or followed by a space. */
const MARKER_LIKE = /^\/\/ \\*%%(?: |$)/;
const ESCAPED_MARKER = /^\/\/ \\+%%(?: |$)/;

function escapeLine(line: string): string {
  return MARKER_LIKE.test(line) ? `// \\${line.slice(3)}` : line;
}

function unescapeLine(line: string): string {
  return ESCAPED_MARKER.test(line) ? `// ${line.slice(4)}` : line;
}

const CELL_TYPES: Readonly<Record<string, Cell['kind']>> = { markdown: 'markdown', md: 'markdown', code: 'code', raw: 'raw' };
const TYPE_WORD = /\[(markdown|md|code|raw)\]/;
/** A metadata key at the start of the text: an identifier-like word or a JSON string, then `=`. */
const KEY_START = /^(?:[A-Za-z_][\w.-]*|"(?:[^"\\]|\\.)*")=/;
const BARE_KEY = /^[A-Za-z_][\w.-]*$/;

interface Header {
  kind: Cell['kind'];
  title?: string;
  metadata: Record<string, unknown>;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, not assignment: a "__proto__" key must stay an ordinary key.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** End (exclusive) of the JSON string starting at `text[i] === '"'`, or -1 if unterminated. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  return -1;
}

/** Parses `key=JSON` pairs; JSON values may contain spaces inside brackets or quotes. */
function parseMetadata(text: string, line: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ') i++;
    if (i >= text.length) break;
    let key: string;
    let eq: number;
    if (text[i] === '"') {
      const end = stringEnd(text, i);
      if (end < 0 || text[end] !== '=') throw new NotebookSyntaxError(line, `metadata "${text.slice(i)}" is not key=value (a quoted key must be a JSON string followed by =)`);
      try {
        key = JSON.parse(text.slice(i, end)) as string;
      } catch {
        throw new NotebookSyntaxError(line, `metadata key ${text.slice(i, end)} is not a valid JSON string`);
      }
      eq = end;
    } else {
      eq = text.indexOf('=', i);
      const space = text.indexOf(' ', i);
      if (eq < 0 || (space >= 0 && space < eq)) throw new NotebookSyntaxError(line, `metadata "${text.slice(i)}" is not key=value`);
      key = text.slice(i, eq);
    }
    let j = eq + 1, depth = 0, inString = false;
    for (; j < text.length; j++) {
      const c = text[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') depth--;
      else if (c === ' ' && depth === 0) break;
    }
    const raw = text.slice(eq + 1, j);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new NotebookSyntaxError(line, `metadata ${key}=${raw} is not valid JSON`);
    }
    if (Object.prototype.hasOwnProperty.call(out, key)) throw new NotebookSyntaxError(line, `metadata key ${JSON.stringify(key)} appears twice; keep one`);
    setOwn(out, key, value);
    i = j;
  }
  return out;
}

/**
 * Reads what follows `// %%`: `[title] [[type]] [key=JSON ...]`. Metadata begins at the
 * first word that starts `key=`; before it, a last word `[markdown]`/`[md]`/`[code]`/`[raw]`
 * is the type and the rest the title. A string `title=` metadata is the title.
 */
function parseHeader(rest: string, line: number): Header {
  const text = rest.trim();
  let cut = text.length;
  for (let p = 0; p < text.length; p++) {
    if ((p === 0 || text[p - 1] === ' ') && KEY_START.test(text.slice(p))) {
      cut = p;
      break;
    }
  }
  let prefix = text.slice(0, cut).trim();
  let kind: Cell['kind'] = 'code';
  const last = /(?:^|\s)\[(markdown|md|code|raw)\]$/.exec(prefix);
  if (last) {
    kind = CELL_TYPES[last[1]!]!;
    prefix = prefix.slice(0, last.index).trim();
  }
  if (TYPE_WORD.test(prefix)) {
    throw new NotebookSyntaxError(line, `"${prefix}": write the cell type last, after the title and before any key=value (// %% Title [markdown] tags=[...])`);
  }
  const metadata = parseMetadata(text.slice(cut), line);
  let title: string | undefined = prefix === '' ? undefined : prefix;
  const metaTitle = metadata['title'];
  if (typeof metaTitle === 'string') {
    if (title !== undefined) throw new NotebookSyntaxError(line, `the cell has a title ("${title}") and title=${JSON.stringify(metaTitle)} metadata; keep one`);
    title = metaTitle;
    delete metadata['title'];
  }
  return { kind, ...(title !== undefined ? { title } : {}), metadata };
}

function uncomment(line: string): string {
  if (line === '//') return '';
  if (line.startsWith('// ')) return line.slice(3);
  if (line.startsWith('//')) return line.slice(2);
  return line;
}

function comment(line: string): string {
  return line === '' ? '//' : `// ${line}`;
}

/** Where each part of a percent-format text lies (offsets into the `\r\n`-normalised text). */
export interface PercentRegion {
  /** 'preamble': text before the first marker; 'marker': a marker line; 'body': a cell's lines after its marker. */
  readonly role: 'preamble' | 'marker' | 'body';
  /** For 'marker' and 'body': 0-based index of the cell; -1 for the preamble. */
  readonly cellIndex: number;
  readonly kind?: Cell['kind'];
  readonly start: number;
  /** Exclusive; includes the terminator of the region's last line. */
  readonly end: number;
}

interface Scanned {
  readonly notebook: Notebook;
  readonly regions: readonly PercentRegion[];
}

function scan(input: string): Scanned {
  const text = input.replace(/\r\n/g, '\n');
  const lines = splitLines(text);
  const cells: Cell[] = [];
  const regions: PercentRegion[] = [];
  const preamble: Line[] = [];
  let current: { header: Header; body: Line[]; line: number } | null = null;
  const seen = new Set<string>();
  const flush = () => {
    if (!current) return;
    const body = current.body.map((l) => ({ ...l, text: unescapeLine(l.text) }));
    while (body.length > 0 && body[body.length - 1]!.text.trim() === '') body.pop();
    const kind = current.header.kind;
    // Code: a lone \r ends a line as \n does, for TypeScript and in template literals alike.
    const source = joinLines(kind === 'code' ? body.map((l) => ({ ...l, end: l.end === '\r' ? '\n' : l.end })) : body.map((l) => ({ ...l, text: uncomment(l.text) })));
    const explicit = current.header.metadata['id'];
    let id: string;
    if (explicit !== undefined) {
      if (typeof explicit !== 'string' || !CELL_ID_PATTERN.test(explicit)) {
        throw new NotebookSyntaxError(current.line, `cell id ${JSON.stringify(explicit)} must match ${CELL_ID_PATTERN}`);
      }
      id = explicit;
    } else id = `cell-${cells.length + 1}`;
    if (seen.has(id)) throw new NotebookSyntaxError(current.line, `cell id "${id}" is used twice`);
    seen.add(id);
    const { title } = current.header;
    cells.push({ id, kind, source, metadata: current.header.metadata, ...(title !== undefined ? { title } : {}) });
    if (current.body.length > 0) {
      const first = current.body[0]!, lastLine = current.body[current.body.length - 1]!;
      regions.push({ role: 'body', cellIndex: cells.length - 1, kind, start: first.start, end: lastLine.start + lastLine.text.length + lastLine.end.length });
    }
  };
  lines.forEach((line, index) => {
    if (isMarker(line.text)) {
      flush();
      const header = parseHeader(line.text.slice(5), index + 1);
      regions.push({ role: 'marker', cellIndex: cells.length, kind: header.kind, start: line.start, end: line.start + line.text.length + line.end.length });
      current = { header, body: [], line: index + 1 };
    } else if (current) current.body.push(line);
    else preamble.push(line);
  });
  flush();
  if (preamble.length > 0 && (preamble.length > 1 || preamble[0]!.text !== '')) {
    const lastLine = preamble[preamble.length - 1]!;
    regions.unshift({ role: 'preamble', cellIndex: -1, start: 0, end: lastLine.start + lastLine.text.length + lastLine.end.length });
  }
  return { notebook: { cells, preamble: joinLines(preamble).replace(/\n+$/, '') }, regions };
}

/**
 * Parses percent-format text into cells, undoing the escapes described above. Lines end
 * at `\n`, `\r`, U+2028 and U+2029, as in TypeScript; `\r\n` counts as `\n`.
 * @throws NotebookSyntaxError (with the 1-based line) for malformed metadata, a cell type
 *   written in the wrong place, a title given twice, or an invalid or repeated cell id.
 */
export function parsePercent(text: string): Notebook {
  return scan(text).notebook;
}

/**
 * The regions of a percent-format text (preamble, marker lines, cell bodies), for checks
 * that must know which part of the file a TypeScript token lies in.
 * @throws NotebookSyntaxError as `parsePercent`.
 */
export function percentRegions(text: string): readonly PercentRegion[] {
  return scan(text).regions;
}

/** JSON that stays on one line for TypeScript: U+2028 and U+2029 escaped. */
function lineJson(value: unknown): string | undefined {
  const json = JSON.stringify(value);
  return json === undefined ? undefined : json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Code with `\r\n` and lone `\r` as `\n`: the same program (ECMAScript normalises both to `\n` in template literals too). */
function codeNewlines(source: string): string {
  return source.replace(/\r\n?/g, '\n');
}

/**
 * The cell as it reads back from the percent format: code sources with `\r\n` and lone
 * `\r` as `\n`, and without trailing blank (whitespace-only) lines. Markdown and raw
 * cells are unchanged.
 */
export function normalizedCell(cell: Cell): Cell {
  if (cell.kind !== 'code') return cell;
  const lines = splitLines(codeNewlines(cell.source));
  while (lines.length > 0 && lines[lines.length - 1]!.text.trim() === '') lines.pop();
  return { ...cell, source: joinLines(lines) };
}

const KIND_WORD: Readonly<Record<Cell['kind'], string>> = { code: '', markdown: '[markdown]', raw: '[raw]' };

function sameHeader(a: Header, kind: Cell['kind'], title: string | undefined, metadata: Readonly<Record<string, unknown>>): boolean {
  return a.kind === kind && a.title === title && lineJson(a.metadata) === lineJson(metadata);
}

function formatHeader(cell: Cell, index: number): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(cell.metadata)) {
    const json = lineJson(value);
    if (json === undefined) throw new NotebookWriteError(index, cell.id, `metadata ${key} is ${typeof value}, not a JSON value; remove it or store it as JSON`);
    pairs.push(`${BARE_KEY.test(key) ? key : lineJson(key)!}=${json}`);
  }
  const kindWord = KIND_WORD[cell.kind];
  const build = (title: string | undefined, extra: string[]) => ['// %%', ...(title !== undefined ? [title] : []), ...(kindWord ? [kindWord] : []), ...extra, ...pairs].join(' ');
  if (cell.title === undefined) return build(undefined, []);
  if (!TERMINATOR.test(cell.title)) {
    const bare = build(cell.title, []);
    try {
      if (sameHeader(parseHeader(bare.slice(5), 0), cell.kind, cell.title, cell.metadata)) return bare;
    } catch {
      // Reads differently: write the title as JSON below.
    }
  }
  return build(undefined, [`title=${lineJson(cell.title)!}`]);
}

function body(cell: Cell): string {
  if (cell.source === '') return '';
  if (cell.kind === 'code') return joinLines(splitLines(normalizedCell(cell).source).map((l) => ({ ...l, text: escapeLine(l.text) })));
  return joinLines(splitLines(cell.source).map((l) => ({ ...l, text: escapeLine(comment(l.text)) })));
}

/** Refuses cells whose id or metadata the format would read back differently. */
function checkWritable(cell: Cell, index: number): void {
  if (!(cell.kind in KIND_WORD)) throw new NotebookWriteError(index, cell.id, `kind "${String(cell.kind)}" is not code, markdown or raw`);
  if (!CELL_ID_PATTERN.test(cell.id)) throw new NotebookWriteError(index, cell.id, `the id must match ${CELL_ID_PATTERN}; rename the cell`);
  const metaId = cell.metadata['id'];
  if (metaId !== undefined && metaId !== cell.id) throw new NotebookWriteError(index, cell.id, `metadata id=${lineJson(metaId)} differs from the cell's id; make them equal or drop id from the metadata`);
  if (metaId === undefined && cell.id !== `cell-${index + 1}`) {
    throw new NotebookWriteError(index, cell.id, `the id would read back as "cell-${index + 1}": put id="${cell.id}" in the cell's metadata`);
  }
  if (typeof cell.metadata['title'] === 'string') {
    throw new NotebookWriteError(index, cell.id, 'metadata title is a string, which the percent format reads as the cell\'s title; set Cell.title instead');
  }
}

function sameCell(a: Cell, b: Cell): string | undefined {
  if (a.kind !== b.kind) return `its kind would read back as ${b.kind}`;
  if (a.id !== b.id) return `its id would read back as "${b.id}"`;
  if (a.title !== b.title) return `its title would read back as ${JSON.stringify(b.title)}`;
  if (a.source !== b.source) return 'its source would read back differently';
  if (lineJson(a.metadata) !== lineJson(b.metadata)) return `its metadata would read back as ${lineJson(b.metadata)}`;
  return undefined;
}

/**
 * Writes cells in canonical percent format (one blank line between cells, trailing
 * newline), escaping as described in this module's comment. The output is parsed again
 * and must give the same cells (up to `normalizedCell`) and preamble.
 * @throws NotebookWriteError naming the cell that cannot be written or would not read
 *   back the same, and what to change.
 */
export function serializePercent(nb: Notebook): string {
  nb.cells.forEach(checkWritable);
  const blocks = nb.cells.map((cell, i) => {
    const text = body(cell);
    return text === '' ? formatHeader(cell, i) : `${formatHeader(cell, i)}\n${text}`;
  });
  const preamble = nb.preamble.replace(/\r\n/g, '\n');
  if (splitLines(preamble).some((l) => isMarker(l.text))) {
    throw new NotebookWriteError(-1, '', 'the text before the first cell holds a // %% line, which would start a cell; move it into a cell');
  }
  const head = preamble === '' ? '' : preamble.replace(/\n*$/, '\n\n');
  const out = head + blocks.join('\n\n') + '\n';
  // Defence in depth: whatever the escapes missed shows up as a difference here.
  let back: Notebook;
  try {
    back = parsePercent(out);
  } catch (e) {
    const line = e instanceof NotebookSyntaxError ? e.line : 0;
    const index = Math.max(0, cellAtLine(out, line));
    const cell = nb.cells[index];
    throw new NotebookWriteError(index, cell?.id ?? '?', `the written text does not parse (${(e as Error).message}); change the cell's title or metadata`);
  }
  if (back.cells.length !== nb.cells.length) {
    const index = Math.min(back.cells.length, nb.cells.length) - 1;
    throw new NotebookWriteError(Math.max(0, index), nb.cells[Math.max(0, index)]?.id ?? '?', `the written text reads back as ${back.cells.length} cells, not ${nb.cells.length}`);
  }
  nb.cells.forEach((cell, i) => {
    const problem = sameCell(normalizedCell(cell), back.cells[i]!);
    if (problem) throw new NotebookWriteError(i, cell.id, `${problem}; please report this with the cell`);
  });
  if (back.preamble !== preamble.replace(/\n+$/, '')) {
    throw new NotebookWriteError(-1, '', 'the text before the first cell would read back differently; please report this');
  }
  return out;
}

/** 0-based index of the cell whose marker is at or before the 1-based `line` of `text`. */
function cellAtLine(text: string, line: number): number {
  const lines = splitLines(text);
  let index = -1;
  for (let i = 0; i < Math.min(line, lines.length); i++) if (isMarker(lines[i]!.text)) index++;
  return index;
}
