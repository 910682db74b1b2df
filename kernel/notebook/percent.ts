import { type Cell, type Notebook, CELL_ID_PATTERN } from './cell.ts';

/**
 * The Jupytext "percent" format for TypeScript (DESIGN.md §1): `// %%` starts a code cell,
 * `// %% [markdown]` a markdown cell whose lines are `// ` comments; after the marker an
 * optional title, then metadata as `key=JSON` pairs (`tags=["parameters"] id="load"`).
 * See https://jupytext.readthedocs.io/en/latest/formats-scripts.html (percent format).
 *
 * `serializePercent(parsePercent(text)) === text` holds for files in canonical form:
 * one blank line before each marker, no trailing blank lines inside cells.
 */

const MARKER = /^\/\/ %%(.*)$/;

/** Malformed percent-format text; `line` is the 1-based line of the offending marker. */
export class NotebookSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'NotebookSyntaxError';
    this.line = line;
  }
}

interface Header {
  kind: Cell['kind'];
  title?: string;
  metadata: Record<string, unknown>;
}

/** Parses `key=JSON` pairs; JSON values may contain spaces inside brackets or quotes. */
function parseMetadata(text: string, line: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ') i++;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new NotebookSyntaxError(line, `metadata "${text.slice(i)}" is not key=value`);
    const key = text.slice(i, eq).trim();
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
    try {
      out[key] = JSON.parse(raw);
    } catch {
      throw new NotebookSyntaxError(line, `metadata ${key}=${raw} is not valid JSON`);
    }
    i = j;
  }
  return out;
}

function parseHeader(rest: string, line: number): Header {
  // rest: text after "// %%", e.g. ' Title [markdown] tags=["x"]'
  let kind: Cell['kind'] = 'code';
  let text = rest.trim();
  let title: string | undefined;
  const typeMatch = /\[(markdown|md|code)\]/.exec(text);
  let metaText = text;
  if (typeMatch) {
    kind = typeMatch[1] === 'code' ? 'code' : 'markdown';
    const before = text.slice(0, typeMatch.index).trim();
    if (before) title = before;
    metaText = text.slice(typeMatch.index + typeMatch[0].length).trim();
  } else {
    // Without a [type], anything up to the first key= is a title.
    const firstKey = /(^|\s)[A-Za-z_][\w.-]*=/.exec(text);
    const cut = firstKey ? firstKey.index : text.length;
    const before = text.slice(0, cut).trim();
    if (before) title = before;
    metaText = text.slice(cut).trim();
  }
  return { kind, title, metadata: parseMetadata(metaText, line) };
}

function uncomment(line: string): string {
  if (line === '//') return '';
  if (line.startsWith('// ')) return line.slice(3);
  if (line.startsWith('//')) return line.slice(2);
  return line;
}

/**
 * Parses percent-format text into cells.
 * @throws NotebookSyntaxError (with the 1-based line) for malformed metadata or an
 *   invalid or repeated cell id.
 */
export function parsePercent(text: string): Notebook {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cells: Cell[] = [];
  const preamble: string[] = [];
  let current: { header: Header; body: string[]; line: number } | null = null;
  const seen = new Set<string>();
  const flush = () => {
    if (!current) return;
    const body = current.body;
    while (body.length > 0 && body[body.length - 1]!.trim() === '') body.pop();
    const source = current.header.kind === 'markdown' ? body.map(uncomment).join('\n') : body.join('\n');
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
    const cell: Cell = { id, kind: current.header.kind, source, metadata: current.header.metadata, ...(current.header.title ? { title: current.header.title } : {}) };
    cells.push(cell);
  };
  lines.forEach((line, index) => {
    const m = MARKER.exec(line);
    if (m && (m[1] === '' || m[1]!.startsWith(' '))) {
      flush();
      current = { header: parseHeader(m[1]!, index + 1), body: [], line: index + 1 };
    } else if (current) current.body.push(line);
    else preamble.push(line);
  });
  flush();
  return { cells, preamble: preamble.join('\n') };
}

function formatHeader(cell: Cell): string {
  const parts = ['// %%'];
  if (cell.title) parts.push(cell.title);
  if (cell.kind === 'markdown') parts.push('[markdown]');
  for (const [key, value] of Object.entries(cell.metadata)) parts.push(`${key}=${JSON.stringify(value)}`);
  return parts.join(' ');
}

function comment(line: string): string {
  return line === '' ? '//' : `// ${line}`;
}

/** Writes cells in canonical percent format (one blank line between cells, trailing newline). */
export function serializePercent(nb: Notebook): string {
  const blocks = nb.cells.map((cell) => {
    const body = cell.kind === 'markdown' ? cell.source.split('\n').map(comment).join('\n') : cell.source;
    return body === '' ? formatHeader(cell) : `${formatHeader(cell)}\n${body}`;
  });
  const head = nb.preamble === '' ? '' : nb.preamble.replace(/\n*$/, '\n\n');
  return head + blocks.join('\n\n') + '\n';
}
