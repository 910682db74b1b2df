import { deflateSync, inflateSync } from 'fflate';
import { type Cell, type Notebook, CELL_ID_PATTERN } from './cell.ts';
import type { CellError, MimeBundle } from '../protocol.ts';

/**
 * nbformat 4.5 import and export (https://nbformat.readthedocs.io/en/latest/format_description.html).
 * Code, markdown and raw cells; sources, cell ids, titles and metadata round-trip
 * losslessly; outputs exist only here (the `.nb.ts` source stays output-free, and
 * `readIpynb` reports the outputs it does not carry over). Typed arrays inside outputs (meshes) are stored as
 * `{ "$typed": "Float32Array", "base64": "…" }` so the file stays valid JSON.
 */

export interface IpynbOutput {
  readonly output_type: 'display_data' | 'execute_result' | 'error' | 'stream';
  readonly [key: string]: unknown;
}

export interface IpynbCell {
  readonly id: string;
  readonly cell_type: 'code' | 'markdown' | 'raw';
  readonly metadata: Record<string, unknown>;
  readonly source: string | string[];
  /** Markdown and raw cells: files embedded in the cell (name → MIME bundle). */
  readonly attachments?: Record<string, unknown>;
  readonly outputs?: IpynbOutput[];
  readonly execution_count?: number | null;
}

export interface Ipynb {
  readonly nbformat: 4;
  readonly nbformat_minor: number;
  readonly metadata: Record<string, unknown>;
  readonly cells: IpynbCell[];
}

/** What a run left under a cell. */
export interface CellResult {
  readonly outputs: readonly MimeBundle[];
  readonly error?: CellError;
  readonly executionCount?: number;
}

/** A document that is not nbformat 4, or has a malformed cell; the message says which. */
export class IpynbFormatError extends Error {
  /** 0-based index of the offending cell in the document's `cells`, when one is to blame. */
  readonly cellIndex: number | undefined;
  constructor(message: string, cellIndex?: number) {
    super(message);
    this.name = 'IpynbFormatError';
    this.cellIndex = cellIndex;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (RFC 4648 §4) of bytes; Buffer in Node, a plain loop in browsers. */
export function bytesToBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!, b = bytes[i + 1], c = bytes[i + 2];
    out += B64[a >> 2]! + B64[((a & 3) << 4) | ((b ?? 0) >> 4)]! + (b === undefined ? '=' : B64[((b & 15) << 2) | ((c ?? 0) >> 6)]!) + (c === undefined ? '=' : B64[c & 63]!);
  }
  return out;
}

/** Bytes of standard base64 text (RFC 4648 §4). */
export function base64ToBytes(text: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

type TypedArrayName =
  | 'Float32Array' | 'Float64Array' | 'Uint32Array' | 'Int32Array' | 'Uint16Array' | 'Int16Array' | 'Uint8Array' | 'Int8Array'
  | 'Uint8ClampedArray' | 'BigInt64Array' | 'BigUint64Array' | 'DataView';
const TYPED: Record<TypedArrayName, { new (b: ArrayBuffer): ArrayBufferView }> = {
  Float32Array, Float64Array, Uint32Array, Int32Array, Uint16Array, Int16Array, Uint8Array, Int8Array,
  Uint8ClampedArray, BigInt64Array, BigUint64Array, DataView,
};

/** Arrays at least this large are deflated before base64: a bone mesh's 12 MB become ~5 MB. */
const DEFLATE_FROM_BYTES = 64 * 1024;

let deflateRaw = (bytes: Uint8Array): Uint8Array => deflateSync(bytes, { level: 1 });

/**
 * Replaces the raw-deflate (RFC 1951) encoder of large arrays, fflate's level 1 by default:
 * the Node CLI passes zlib's native `deflateRawSync` (level 1), several times faster on a
 * mesh. Any raw-deflate stream decodes the same way (`decodeBinary`).
 */
export function useDeflate(deflate: (bytes: Uint8Array) => Uint8Array): void {
  deflateRaw = deflate;
}

function encodeBytes(name: string, bytes: Uint8Array): Record<string, string> {
  if (bytes.byteLength >= DEFLATE_FROM_BYTES) return { $typed: name, encoding: 'deflate', base64: bytesToBase64(deflateRaw(bytes)) };
  return { $typed: name, base64: bytesToBase64(bytes) };
}

/** Large arrays already encoded by `prepareBinary`, by the array object (values are never written to after). */
const prepared = new WeakMap<object, Record<string, string>>();

/**
 * Encodes the large typed arrays in `x` now and remembers them, so that a later
 * `encodeBinary` (`toIpynb`) of the same objects only looks them up: the CLI calls this for
 * each cell's outputs as the cell finishes, while the kernel goes on with the next cells,
 * instead of deflating a mesh after the run. The arrays must not change afterwards.
 */
export function prepareBinary(x: unknown): void {
  if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) {
    if (x.byteLength >= DEFLATE_FROM_BYTES && !prepared.has(x)) prepared.set(x, encodeBinary(x) as Record<string, string>);
  } else if (Array.isArray(x)) for (const v of x) prepareBinary(v);
  else if (x && typeof x === 'object' && !(x instanceof Map || x instanceof Set || x instanceof Date || x instanceof RegExp || x instanceof Promise)) {
    for (const v of Object.values(x)) prepareBinary(v);
  }
}

function typeName(x: object): string {
  return (x.constructor as { name?: string } | undefined)?.name || 'object';
}

/**
 * Makes a value JSON-safe, reversibly where it can, recursively:
 * - typed arrays, DataView and ArrayBuffer become `{ $typed, base64 }`, or for large ones
 *   `{ $typed, encoding: 'deflate', base64 }` (RFC 1951, fflate level 1: fast, and it
 *   halves float meshes and shrinks index buffers to a third);
 * - NaN and ±Infinity become `{ $number: "NaN" | "Infinity" | "-Infinity" }`, a bigint `{ $bigint: "123" }`;
 * - what JSON cannot hold and has no encoding here (a Map, Set, Date, function, symbol,
 *   `undefined` in a list) becomes `{ $unsupported: "Map" }`, and a note naming where it
 *   was goes into `lost` — it is never dropped silently.
 * Plain objects keep their keys in order; `undefined` properties are left out, as in JSON.
 */
export function encodeBinary(x: unknown, lost?: string[], where = ''): unknown {
  if ((ArrayBuffer.isView(x) || x instanceof ArrayBuffer) && prepared.has(x)) return prepared.get(x);
  if (ArrayBuffer.isView(x)) {
    // By the built-in class, so a Node Buffer or any subclass comes back as what it extends.
    const name = (Object.keys(TYPED) as TypedArrayName[]).find((n) => x instanceof TYPED[n]) ?? 'Uint8Array';
    return encodeBytes(name, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  }
  if (x instanceof ArrayBuffer) return encodeBytes('ArrayBuffer', new Uint8Array(x));
  if (typeof x === 'number' && !Number.isFinite(x)) return { $number: String(x) };
  if (typeof x === 'bigint') return { $bigint: x.toString() };
  if (typeof x === 'function' || typeof x === 'symbol' || x instanceof Map || x instanceof Set || x instanceof Date || x instanceof RegExp || x instanceof Promise) {
    const name = typeof x === 'object' ? typeName(x) : typeof x;
    lost?.push(`${where || 'the value'} is a ${name}, which JSON cannot hold: stored as {"$unsupported":"${name}"}`);
    return { $unsupported: name };
  }
  if (Array.isArray(x)) {
    return x.map((v, i) => {
      if (v === undefined) {
        lost?.push(`${where}[${i}] is undefined: stored as {"$unsupported":"undefined"}`);
        return { $unsupported: 'undefined' };
      }
      return encodeBinary(v, lost, `${where}[${i}]`);
    });
  }
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined) continue;
      Object.defineProperty(out, k, { value: encodeBinary(v, lost, `${where}[${JSON.stringify(k)}]`), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return x;
}

/** Inverse of `encodeBinary` (an `$unsupported` record stays as it is: what it stood for is gone). */
export function decodeBinary(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(decodeBinary);
  if (x && typeof x === 'object') {
    const r = x as Record<string, unknown>;
    const keys = Object.keys(r);
    if (typeof r['$typed'] === 'string' && typeof r['base64'] === 'string' && (r['$typed'] in TYPED || r['$typed'] === 'ArrayBuffer')) {
      const raw = base64ToBytes(r['base64']);
      const bytes = r['encoding'] === 'deflate' ? inflateSync(raw) : raw;
      const copy = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(copy).set(bytes);
      return r['$typed'] === 'ArrayBuffer' ? copy : new TYPED[r['$typed'] as TypedArrayName](copy);
    }
    if (keys.length === 1 && typeof r['$number'] === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(r['$number'])) return Number(r['$number']);
    if (keys.length === 1 && typeof r['$bigint'] === 'string' && /^-?\d+$/.test(r['$bigint'])) return BigInt(r['$bigint']);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) Object.defineProperty(out, k, { value: decodeBinary(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return x;
}

/** Jupyter stores multi-line strings as lists of lines, each but the last ending in "\n". */
function toLines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\n');
  return parts.map((p, i) => (i < parts.length - 1 ? p + '\n' : p)).filter((p) => p !== '');
}

function bundleToOutput(b: MimeBundle, kind: 'display_data' | 'execute_result', lost: string[], where: string, executionCount?: number): IpynbOutput {
  const data = encodeBinary(b.data, lost, `${where} data`) as Record<string, unknown>;
  const metadata = encodeBinary(b.metadata ?? {}, lost, `${where} metadata`);
  return kind === 'execute_result'
    ? { output_type: kind, data, metadata, execution_count: executionCount ?? null }
    : { output_type: kind, data, metadata };
}

/**
 * Builds an nbformat 4.5 document. `results` (by cell id) supplies outputs; `metadata`
 * is merged into the notebook metadata (provenance goes under `voxbook`). A cell's title
 * is written as `metadata.title`.
 *
 * Nothing is dropped silently: values JSON cannot hold are stored as described at
 * `encodeBinary`, and each such value — and each result whose cell is not a code cell of
 * `nb` (its outputs have nowhere to go) — is described by a line pushed onto `lost`.
 */
export function toIpynb(nb: Notebook, results: ReadonlyMap<string, CellResult> = new Map(), metadata: Record<string, unknown> = {}, lost: string[] = []): Ipynb {
  const codeIds = new Set(nb.cells.filter((c) => c.kind === 'code').map((c) => c.id));
  for (const [id, r] of results) {
    if (!codeIds.has(id) && (r.outputs.length > 0 || r.error)) {
      lost.push(`results for "${id}" (${r.outputs.length} output${r.outputs.length === 1 ? '' : 's'}${r.error ? ' and an error' : ''}) not written: the notebook has no code cell with that id`);
    }
  }
  const cells: IpynbCell[] = nb.cells.map((cell) => {
    const meta: Record<string, unknown> = { ...cell.metadata };
    delete meta['id'];
    if (cell.title !== undefined) meta['title'] = cell.title;
    if (cell.kind !== 'code') return { id: cell.id, cell_type: cell.kind, metadata: meta, source: toLines(cell.source) };
    const r = results.get(cell.id);
    const outputs: IpynbOutput[] = (r?.outputs ?? []).map((b, i) => bundleToOutput(b, 'display_data', lost, `cell "${cell.id}" output ${i + 1}`));
    if (r?.error) {
      outputs.push({
        output_type: 'error',
        ename: r.error.name,
        evalue: r.error.message,
        traceback: [`${r.error.name}: ${r.error.message}${r.error.line ? ` (cell line ${r.error.line})` : ''}`],
      });
    }
    return { id: cell.id, cell_type: 'code', metadata: meta, source: toLines(cell.source), outputs, execution_count: r?.executionCount ?? null };
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'voxbook', display_name: 'Voxbook (TypeScript)', language: 'typescript' },
      language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
      jupytext: { formats: 'ipynb,nb.ts:percent' },
      ...metadata,
    },
    cells,
  };
}

/** Notebook metadata that `toIpynb` writes afresh, so not reading it loses nothing. */
const REGENERATED_METADATA = new Set(['kernelspec', 'language_info', 'jupytext']);

/** What a cell of an .ipynb held that a `Notebook` does not keep. */
export interface DroppedCellContent {
  /** 0-based index of the cell in the document's `cells`. */
  readonly cellIndex: number;
  readonly cellId: string;
  /** How many outputs the cell had. */
  readonly outputs: number;
  /** Names of the cell's attachments (images embedded in markdown and raw cells). */
  readonly attachments: readonly string[];
}

/** An .ipynb read into a `Notebook`, with what was not carried over. */
export interface IpynbImport {
  readonly notebook: Notebook;
  /** Cells whose outputs or attachments were not kept, in document order. */
  readonly dropped: readonly DroppedCellContent[];
  /** Top-level notebook metadata keys not kept (kernelspec, language_info and jupytext are written afresh, so not listed). */
  readonly droppedNotebookMetadata: readonly string[];
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  return typeof x === 'object' ? 'an object' : `${typeof x} ${JSON.stringify(x)}`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Reads an nbformat 4 document into cells, and reports what it did not keep: outputs
 * (they live in .ipynb only), attachments, and notebook metadata. Cell ids are kept (an
 * id is written as `id=` metadata unless it is the `cell-N` the percent parser would
 * give the cell anyway); a cell without an id gets `cell-N` (N its 1-based position), or
 * a unique variant if another cell already has that id. A string `metadata.title`
 * becomes the cell's title.
 * @throws IpynbFormatError naming the cell (`cells[2]`) if the document is not nbformat 4
 *   or a cell is not an object, has no valid cell_type, a source that is not a string or
 *   a list of strings, metadata that is not an object, a `metadata.id` (the percent
 *   format keeps the cell id there), an id that is not [A-Za-z0-9_-]{1,64}, an id used
 *   twice, or outputs or attachments of the wrong shape.
 */
export function readIpynb(doc: unknown): IpynbImport {
  if (!isRecord(doc) || doc['nbformat'] !== 4 || !Array.isArray(doc['cells'])) {
    throw new IpynbFormatError('not an nbformat 4 notebook (need "nbformat": 4 and a "cells" list)');
  }
  const raw = doc['cells'] as unknown[];
  const fail = (i: number, message: string): never => {
    throw new IpynbFormatError(`cells[${i}]: ${message}`, i);
  };
  // First pass: validate, and collect the ids the document gives.
  const given = raw.map((c, i): string | undefined => {
    if (!isRecord(c)) return fail(i, `is ${describe(c)}; each cell must be an object with "cell_type", "source" and "metadata"`);
    if (c['cell_type'] !== 'code' && c['cell_type'] !== 'markdown' && c['cell_type'] !== 'raw') {
      return fail(i, `cell_type is ${c['cell_type'] === undefined ? 'missing' : describe(c['cell_type'])}; it must be "code", "markdown" or "raw"`);
    }
    const id = c['id'];
    if (id === undefined) return undefined;
    if (typeof id !== 'string' || !CELL_ID_PATTERN.test(id)) return fail(i, `id ${describe(id)} is not 1 to 64 letters, digits, _ or - (nbformat 4.5); fix or remove it`);
    return id;
  });
  const firstUse = new Map<string, number>();
  given.forEach((id, i) => {
    if (id === undefined) return;
    const before = firstUse.get(id);
    if (before !== undefined) fail(i, `id "${id}" is also the id of cells[${before}]; ids must be unique (nbformat 4.5), so give one of them another id`);
    firstUse.set(id, i);
  });
  const taken = new Set(firstUse.keys());
  const dropped: DroppedCellContent[] = [];
  const cells: Cell[] = raw.map((value, i) => {
    const c = value as Record<string, unknown>;
    const kind = c['cell_type'] as Cell['kind'];
    const src = c['source'];
    let source: string;
    if (typeof src === 'string') source = src;
    else if (Array.isArray(src)) {
      const bad = src.findIndex((s) => typeof s !== 'string');
      if (bad >= 0) fail(i, `source[${bad}] is ${describe(src[bad])}; source must be a string or a list of strings`);
      source = src.join('');
    } else source = fail(i, `source is ${src === undefined ? 'missing' : describe(src)}; it must be a string or a list of strings`);
    const meta = c['metadata'] ?? {};
    if (!isRecord(meta)) fail(i, `metadata is ${describe(meta)}; it must be an object`);
    const metadata: Record<string, unknown> = { ...(meta as Record<string, unknown>) };
    if ('id' in metadata) fail(i, `metadata has an "id" key, which the percent format uses for the cell id; rename or remove it`);
    const title = typeof metadata['title'] === 'string' ? (metadata['title'] as string) : undefined;
    if (title !== undefined) delete metadata['title'];
    let id = given[i];
    if (id === undefined) {
      id = `cell-${i + 1}`;
      for (let k = 1; taken.has(id); k++) id = `cell-${i + 1}-${k}`;
      taken.add(id);
    }
    const outputs = c['outputs'];
    if (outputs !== undefined && !Array.isArray(outputs)) fail(i, `outputs is ${describe(outputs)}; it must be a list`);
    const attachments = c['attachments'];
    if (attachments !== undefined && attachments !== null && !isRecord(attachments)) fail(i, `attachments is ${describe(attachments)}; it must be an object`);
    const outputCount = Array.isArray(outputs) ? outputs.length : 0;
    const attachmentNames = isRecord(attachments) ? Object.keys(attachments) : [];
    if (outputCount > 0 || attachmentNames.length > 0) dropped.push({ cellIndex: i, cellId: id, outputs: outputCount, attachments: attachmentNames });
    // Keep ids in the percent file unless the parser would give the same one.
    const withId = id === `cell-${i + 1}` ? metadata : { id, ...metadata };
    return { id, kind, source, metadata: withId, ...(title !== undefined ? { title } : {}) };
  });
  const docMeta = isRecord(doc['metadata']) ? doc['metadata'] : {};
  const droppedNotebookMetadata = Object.keys(docMeta).filter((k) => !REGENERATED_METADATA.has(k));
  return { notebook: { cells, preamble: '' }, dropped, droppedNotebookMetadata };
}

/**
 * Reads an nbformat 4 document back into cells; outputs, attachments and notebook
 * metadata are not kept (`readIpynb` says which were there).
 * @throws IpynbFormatError as `readIpynb`.
 */
export function fromIpynb(doc: unknown): Notebook {
  return readIpynb(doc).notebook;
}
