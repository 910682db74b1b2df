/**
 * Thrown values as cell errors. Invariants:
 * - nothing here throws, whatever was thrown (getters that throw, revoked proxies, cycles,
 *   values from another realm): every function returns something showable;
 * - an Error keeps its name and message; anything else thrown is shown as what it is
 *   ("Uncaught value (object): {"code":1}"), never `[object Object]`;
 * - a stack frame `voxbook-cell-<id>.js:<line>:<col>` names the cell whose code it is
 *   (kernel/executor.ts gives each cell that source URL), and is the only way a cell is
 *   named from a stack.
 */
import type { CellError } from './protocol.ts';

/** How an uncaught error reached the kernel (see `Kernel.reportUncaught`). */
export type UncaughtKind = 'rejection' | 'exception';

/** An uncaught error attributed to a running cell: keeps the original value and says how it escaped. */
export class UncaughtInCell {
  constructor(readonly error: unknown, readonly how: string) {}
}

/** The source URL a cell's code runs under, so its frames can be found in stacks. */
export function cellSourceUrl(id: string): string {
  return `voxbook-cell-${id}.js`;
}

/** The first of `ids` named by a `voxbook-cell-<id>.js` frame in `error`'s stack, if any. */
export function cellInStack(error: unknown, ids: ReadonlySet<string>): string | undefined {
  const stack = stackOf(error);
  if (!stack) return undefined;
  for (const m of stack.matchAll(/voxbook-cell-(.+?)\.js:\d+:\d+/g)) if (ids.has(m[1]!)) return m[1]!;
  return undefined;
}

/** The stack text of a thrown value, if it has one (Errors from any realm, or error-like objects). */
function stackOf(x: unknown): string | undefined {
  try {
    const stack = typeof x === 'object' && x !== null ? (x as { stack?: unknown }).stack : undefined;
    return typeof stack === 'string' ? stack : undefined;
  } catch {
    return undefined; // a getter that throws, a revoked proxy
  }
}

/** Whether `x` is an Error, also one from another realm (an iframe, a vm context). */
function isError(x: unknown): x is Error {
  try {
    return x instanceof Error || Object.prototype.toString.call(x) === '[object Error]';
  } catch {
    return false;
  }
}

/** The kind of a thrown value in words: `null`, `array`, or its `typeof`. */
function valueKind(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  return typeof x;
}

const MAX_VALUE_TEXT = 500;

/** A thrown value that is not an Error, as text: JSON where it can be, never `[object Object]`, never a throw. */
function valueText(x: unknown): string {
  try {
    switch (typeof x) {
      case 'string': return JSON.stringify(x);
      case 'bigint': return `${x}n`;
      case 'function': return `[function ${x.name || 'anonymous'}]`;
      case 'object': {
        if (x === null) return 'null';
        // JSON where it can be: repeated references (cycles) as "[Circular]", bigints as 12n.
        const seen = new WeakSet<object>();
        let text = JSON.stringify(x, (_k, v: unknown) => {
          if (typeof v === 'bigint') return `${v}n`;
          if (typeof v === 'object' && v !== null) {
            if (seen.has(v)) return '[Circular]';
            seen.add(v);
          }
          return v;
        }) ?? '';
        const proto = Object.getPrototypeOf(x) as { constructor?: { name?: string } } | null;
        const cls = proto === null ? '[null prototype]' : proto === Object.prototype || Array.isArray(x) ? '' : proto.constructor?.name ?? '';
        if (cls) text = `${cls} ${text}`;
        return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT)}…` : text;
      }
      default: return String(x);
    }
  } catch {
    return '(a value that cannot be shown)';
  }
}

/** Stack frames of the kernel itself, left out of the stacks shown under cells. */
const KERNEL_FRAME = /kernel\/(runtime|executor)\.ts/;

/**
 * A thrown value as a cell error. Errors keep their name and message, and get the line in
 * the cell's source when their stack passes through `sourceUrl` (`sourceLine` maps a line of
 * the generated function to one of the source). Anything else thrown (`throw 42`,
 * `throw {code: 1}`, `throw null`) is shown as what it is:
 * "Uncaught value (object): {"code":1}". Never throws.
 */
export function describeError(thrown: unknown, sourceUrl?: string, sourceLine?: (functionLine: number) => number): CellError {
  let e = thrown;
  let how = '';
  if (e instanceof UncaughtInCell) {
    how = ` (${e.how})`;
    e = e.error;
  }
  if (!isError(e)) return { name: `Uncaught value (${valueKind(e)})`, message: `${valueText(e)}${how}` };
  let name = 'Error', message = '', stackText = '';
  try {
    name = String(e.name);
    message = String(e.message);
    stackText = stackOf(e) ?? '';
  } catch {
    message = '(an error whose message cannot be read)';
  }
  let line: number | undefined;
  if (sourceUrl && sourceLine) {
    const m = new RegExp(`${sourceUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):\\d+`).exec(stackText);
    if (m) line = sourceLine(Number(m[1]));
  }
  const stack = stackText.split('\n').filter((l) => !KERNEL_FRAME.test(l)).slice(0, 8).join('\n');
  return { name, message: message + how, ...(line !== undefined ? { line } : {}), stack };
}
