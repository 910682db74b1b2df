import { deflateSync, inflateSync } from 'fflate';
import { type Cell, type Notebook, CELL_ID_PATTERN } from './cell.ts';
import type { CellError, MimeBundle } from '../protocol.ts';

/**
 * nbformat 4.5 import and export (https://nbformat.readthedocs.io/en/latest/format_description.html).
 * Sources, cell ids and metadata round-trip losslessly; outputs exist only here (the
 * `.nb.ts` source stays output-free). Typed arrays inside outputs (meshes) are stored as
 * `{ "$typed": "Float32Array", "base64": "…" }` so the file stays valid JSON.
 */

export interface IpynbOutput {
  readonly output_type: 'display_data' | 'execute_result' | 'error' | 'stream';
  readonly [key: string]: unknown;
}

export interface IpynbCell {
  readonly id: string;
  readonly cell_type: 'code' | 'markdown';
  readonly metadata: Record<string, unknown>;
  readonly source: string | string[];
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
  constructor(message: string) {
    super(message);
    this.name = 'IpynbFormatError';
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

type TypedArrayName = 'Float32Array' | 'Float64Array' | 'Uint32Array' | 'Int32Array' | 'Uint16Array' | 'Int16Array' | 'Uint8Array' | 'Int8Array';
const TYPED: Record<TypedArrayName, { new (b: ArrayBuffer): ArrayBufferView }> = {
  Float32Array, Float64Array, Uint32Array, Int32Array, Uint16Array, Int16Array, Uint8Array, Int8Array,
};

/** Arrays at least this large are deflated before base64: a bone mesh's 12 MB become ~5 MB. */
const DEFLATE_FROM_BYTES = 64 * 1024;

/**
 * Replaces typed arrays by base64 records, recursively: `{ $typed, base64 }`, or for large
 * arrays `{ $typed, encoding: 'deflate', base64 }` (RFC 1951, fflate level 1: fast, and it
 * halves float meshes and shrinks index buffers to a third).
 */
export function encodeBinary(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) {
    const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    if (bytes.byteLength >= DEFLATE_FROM_BYTES) {
      return { $typed: x.constructor.name, encoding: 'deflate', base64: bytesToBase64(deflateSync(bytes, { level: 1 })) };
    }
    return { $typed: x.constructor.name, base64: bytesToBase64(bytes) };
  }
  if (Array.isArray(x)) return x.map(encodeBinary);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, encodeBinary(v)]));
  return x;
}

/** Inverse of `encodeBinary`. */
export function decodeBinary(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(decodeBinary);
  if (x && typeof x === 'object') {
    const r = x as Record<string, unknown>;
    if (typeof r['$typed'] === 'string' && typeof r['base64'] === 'string' && r['$typed'] in TYPED) {
      const raw = base64ToBytes(r['base64']);
      const bytes = r['encoding'] === 'deflate' ? inflateSync(raw) : raw;
      const copy = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(copy).set(bytes);
      return new TYPED[r['$typed'] as TypedArrayName](copy);
    }
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, decodeBinary(v)]));
  }
  return x;
}

/** Jupyter stores multi-line strings as lists of lines, each but the last ending in "\n". */
function toLines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\n');
  return parts.map((p, i) => (i < parts.length - 1 ? p + '\n' : p)).filter((p) => p !== '');
}

function bundleToOutput(b: MimeBundle, kind: 'display_data' | 'execute_result', executionCount?: number): IpynbOutput {
  const data = encodeBinary(b.data) as Record<string, unknown>;
  return kind === 'execute_result'
    ? { output_type: kind, data, metadata: b.metadata ?? {}, execution_count: executionCount ?? null }
    : { output_type: kind, data, metadata: b.metadata ?? {} };
}

/**
 * Builds an nbformat 4.5 document. `results` (by cell id) supplies outputs; `metadata`
 * is merged into the notebook metadata (provenance goes under `voxbook`).
 */
export function toIpynb(nb: Notebook, results: ReadonlyMap<string, CellResult> = new Map(), metadata: Record<string, unknown> = {}): Ipynb {
  const cells: IpynbCell[] = nb.cells.map((cell) => {
    const meta: Record<string, unknown> = { ...cell.metadata };
    delete meta['id'];
    if (cell.title) meta['title'] = cell.title;
    if (cell.kind === 'markdown') return { id: cell.id, cell_type: 'markdown', metadata: meta, source: toLines(cell.source) };
    const r = results.get(cell.id);
    const outputs: IpynbOutput[] = (r?.outputs ?? []).map((b) => bundleToOutput(b, 'display_data'));
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

/**
 * Reads an nbformat 4 document back into cells (outputs are dropped: they live in .ipynb only).
 * @throws IpynbFormatError if it is not nbformat 4 or a cell is malformed.
 */
export function fromIpynb(doc: unknown): Notebook {
  const d = doc as Partial<Ipynb>;
  if (!d || d.nbformat !== 4 || !Array.isArray(d.cells)) throw new IpynbFormatError('not an nbformat 4 notebook (need "nbformat": 4 and a "cells" list)');
  const cells: Cell[] = d.cells.map((c, i) => {
    if (c.cell_type !== 'code' && c.cell_type !== 'markdown') throw new IpynbFormatError(`cell ${i + 1}: cell_type "${String(c.cell_type)}" is not code or markdown`);
    const source = Array.isArray(c.source) ? c.source.join('') : String(c.source ?? '');
    const metadata: Record<string, unknown> = { ...(c.metadata ?? {}) };
    const title = typeof metadata['title'] === 'string' ? (metadata['title'] as string) : undefined;
    delete metadata['title'];
    const id = typeof c.id === 'string' && CELL_ID_PATTERN.test(c.id) ? c.id : `cell-${i + 1}`;
    // Keep explicit ids in the percent file so they survive the trip back.
    const withId = /^cell-\d+$/.test(id) ? metadata : { id, ...metadata };
    return { id, kind: c.cell_type, source, metadata: withId, ...(title ? { title } : {}) };
  });
  return { cells, preamble: '' };
}
