import { MIME, type MimeBundle } from './protocol.ts';

/**
 * The display protocol. A value shows itself by having a method under
 * `Symbol.for('voxbook.mime')` that returns a MIME bundle — the domain library implements
 * it on its view objects without importing the kernel (the symbol is global). Everything
 * else gets a `text/plain` summary; plain data also gets `application/json`.
 */
export const MIME_METHOD = Symbol.for('voxbook.mime');

export interface Displayable {
  [MIME_METHOD](): MimeBundle;
}

function isDisplayable(x: unknown): x is Displayable {
  return typeof x === 'object' && x !== null && typeof (x as Record<symbol, unknown>)[MIME_METHOD] === 'function';
}

const MAX_TEXT = 4000;

function summarize(x: unknown, depth = 0): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'string') return depth === 0 ? x : JSON.stringify(x);
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (typeof x === 'function') return `[function ${x.name || 'anonymous'}]`;
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}(${(x as unknown as { length?: number }).length ?? x.byteLength})`;
  if (x instanceof Error) return `${x.name}: ${x.message}`;
  if (depth > 2) return Array.isArray(x) ? '[…]' : '{…}';
  if (Array.isArray(x)) {
    const items = x.slice(0, 20).map((v) => summarize(v, depth + 1));
    return `[${items.join(', ')}${x.length > 20 ? `, … ${x.length - 20} more` : ''}]`;
  }
  const entries = Object.entries(x as Record<string, unknown>).slice(0, 30);
  return `{ ${entries.map(([k, v]) => `${k}: ${summarize(v, depth + 1)}`).join(', ')} }`;
}

function isPlainData(x: unknown, depth = 0): boolean {
  if (depth > 6) return false;
  if (x === null || ['string', 'number', 'boolean'].includes(typeof x)) return true;
  if (Array.isArray(x)) return x.length <= 10_000 && x.every((v) => isPlainData(v, depth + 1));
  if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.values(x as object).every((v) => isPlainData(v, depth + 1));
  }
  return false;
}

/** Turns any value into a MIME bundle. Never throws: a failing custom method becomes text. */
export function toMimeBundle(x: unknown): MimeBundle {
  if (isDisplayable(x)) {
    try {
      return x[MIME_METHOD]();
    } catch (e) {
      return { data: { [MIME.text]: `(display failed: ${(e as Error).message})` } };
    }
  }
  let text = summarize(x);
  if (text.length > MAX_TEXT) text = text.slice(0, MAX_TEXT) + '…';
  const data: Record<string, unknown> = { [MIME.text]: text };
  if (typeof x === 'object' && x !== null && isPlainData(x)) data[MIME.json] = x;
  return { data };
}
