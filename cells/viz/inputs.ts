/**
 * Interactive inputs: a cell reads a plain value (a number for a slider) and shows a widget
 * as one of its outputs (`application/vnd.voxbook.input+json`). Moving the widget in the app
 * re-runs the cell and what depends on it; headless, an input takes its default or the
 * `-p name=value` given for its name.
 *
 * ```ts
 * const minHu = slider('minHu', { min: -200, max: 1500, value: 226, label: 'bone threshold (HU)' });
 * ```
 *
 * The kernel link is a global symbol (`voxbook.input`), set while a cell runs: this module
 * imports nothing of the kernel. Outside a kernel (a plain script) an input is its default.
 */
import { ParameterError } from '../core/errors.ts';
import { view, type View } from './bundle.ts';
import { inputName, isPickedFile, type PickedFile } from '../io/bytes.ts';

/** The MIME type of an input widget. */
export const INPUT_MIME = 'application/vnd.voxbook.input+json';

const INPUT_HOOK = Symbol.for('voxbook.input');

export type InputKind = 'slider' | 'number' | 'select' | 'checkbox' | 'button' | 'file';

/** What the app needs to draw an input: the bundle's `application/vnd.voxbook.input+json`. */
export interface InputWidget {
  readonly kind: InputKind;
  /** The input's name: what `-p name=value` sets, and what the app sends back. */
  readonly name: string;
  readonly label: string;
  /** Its value now (a button's: how many times it was pressed). */
  readonly value: number | string | boolean;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  /** `select`: the choices. */
  readonly options?: readonly string[];
  /** `file`: the file types offered (the picker's `accept`, e.g. ".nii,.gz"). */
  readonly accept?: string;
  /** `file`: whether a whole folder may be picked too. */
  readonly folder?: boolean;
}

/** The kernel's side of the link (kernel/inputs.ts `InputHook`), as seen from here. */
type Hook = (declaration: { name: string; defaultValue: unknown; widget(value: unknown): unknown }) => unknown;

/**
 * Declares the input `widget` (its `value` is the default) and returns its current value,
 * checked by `check` (a value set in the app or by `-p` is held to the same rules as the
 * default).
 * @throws ParameterError when the value does not fit.
 */
function declare<T extends InputWidget['value']>(widget: InputWidget & { value: T }, check: (value: unknown) => T): T {
  check(widget.value);
  const hook = (globalThis as Record<symbol, unknown>)[INPUT_HOOK] as Hook | undefined;
  if (typeof hook !== 'function') return widget.value;
  return check(hook({
    name: widget.name,
    defaultValue: widget.value,
    widget: (value) => inputView({ ...widget, value: value as T }),
  }));
}

/** The display of an input at its current value. */
export function inputView(widget: InputWidget): View<InputWidget> {
  return view(widget, () => ({ data: { [INPUT_MIME]: widget, 'text/plain': `${widget.label}: ${String(widget.value)}` } }));
}

function finiteNumber(name: string, what: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new ParameterError(`input ${name}: ${what} must be a finite number, got ${String(x)}`);
  return x;
}

function inRange(name: string, x: unknown, min: number | undefined, max: number | undefined): number {
  const v = finiteNumber(name, 'its value', x);
  if (min !== undefined && v < min) throw new ParameterError(`input ${name}: ${v} is below its minimum ${min}`);
  if (max !== undefined && v > max) throw new ParameterError(`input ${name}: ${v} is above its maximum ${max}`);
  return v;
}

export interface SliderOptions {
  readonly min: number;
  readonly max: number;
  /** The default value, within min..max. */
  readonly value: number;
  /** Default 1. */
  readonly step?: number;
  /** Shown beside the slider; default the name. */
  readonly label?: string;
}

/**
 * A slider over min..max: returns its value (a number).
 * @throws ParameterError if min > max, a bound or the step is not finite, or the value is out of range.
 */
export function slider(name: string, options: SliderOptions): number {
  const { min, max, value, step = 1 } = options;
  finiteNumber(name, 'min', min);
  finiteNumber(name, 'max', max);
  if (!(finiteNumber(name, 'step', step) > 0)) throw new ParameterError(`input ${name}: step must be > 0, got ${step}`);
  if (min > max) throw new ParameterError(`input ${name}: min ${min} is above max ${max}`);
  return declare({ kind: 'slider', name, label: options.label ?? name, value, min, max, step }, (x) => inRange(name, x, min, max));
}

export interface NumberOptions {
  readonly value: number;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly label?: string;
}

/** A number field: returns its value. @throws ParameterError if the value is not finite or out of range. */
export function number(name: string, options: NumberOptions): number {
  const { min, max, step } = options;
  return declare({ kind: 'number', name, label: options.label ?? name, value: options.value, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...(step !== undefined ? { step } : {}) }, (x) => inRange(name, x, min, max));
}

export interface SelectOptions<T extends string> {
  readonly options: readonly T[];
  /** Default: the first option. */
  readonly value?: T;
  readonly label?: string;
}

/** A choice among `options`: returns the chosen one. @throws ParameterError for an empty list or a value not among them. */
export function select<T extends string>(name: string, options: SelectOptions<T>): T {
  const choices = options.options;
  if (choices.length === 0) throw new ParameterError(`input ${name}: give at least one option`);
  const check = (x: unknown): T => {
    if (!choices.includes(x as T)) throw new ParameterError(`input ${name}: ${JSON.stringify(x)} is not one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
    return x as T;
  };
  return declare<T>({ kind: 'select', name, label: options.label ?? name, value: options.value ?? choices[0]!, options: [...choices] }, check);
}

/** A checkbox: returns whether it is ticked. @throws ParameterError for a value that is not a boolean. */
export function checkbox(name: string, options: { readonly value?: boolean; readonly label?: string } = {}): boolean {
  return declare({ kind: 'checkbox', name, label: options.label ?? name, value: options.value ?? false }, (x) => {
    if (typeof x !== 'boolean') throw new ParameterError(`input ${name}: ${JSON.stringify(x)} is not true or false`);
    return x;
  });
}

/**
 * A button: returns how many times it was pressed (0 at first), so a cell that reads it runs
 * again on each press. @throws ParameterError for a count that is not a whole number ≥ 0.
 */
export function button(name: string, options: { readonly label?: string } = {}): number {
  return declare({ kind: 'button', name, label: options.label ?? name, value: 0 }, (x) => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) throw new ParameterError(`input ${name}: a press count must be a whole number ≥ 0, got ${String(x)}`);
    return x;
  });
}

/** What a `file` input gives: a path, URL or sample id (its default, or `-p`), or files picked in the browser. */
export type ScanInput = string | PickedFile | readonly PickedFile[];

export interface FileOptions {
  /** The default: a path, URL or sample id, as `loadInput` takes. */
  readonly value: string;
  /** File types the picker offers, e.g. '.nii,.nii.gz,.inv3'. */
  readonly accept?: string;
  /** Offer a folder picker too (a DICOM series). */
  readonly folder?: boolean;
  readonly label?: string;
}

/** A picked file or folder in words, for the widget: "ch2.nii.gz (7.6 MB)", "series/ (108 files)". */
function describeScan(x: ScanInput): string {
  if (typeof x === 'string') return x;
  const files = isPickedFile(x) ? [x] : [...x];
  if (files.length === 1) return `${inputName(files[0]!)} (${(files[0]!.size / 1e6).toFixed(1)} MB)`;
  return `${inputName(files[0]!).split('/')[0] ?? 'folder'}/ (${files.length} files)`;
}

/**
 * A file input: returns the scan to load — its default (a path, URL or sample id; `-p name=…`
 * headless) or the file(s) picked in the app — for `loadInput` / `loadVolume`, which read
 * picked files with the same readers and checks as paths.
 * @throws ParameterError for an empty default or a value that is neither text nor picked files.
 */
export function file(name: string, options: FileOptions): ScanInput {
  const check = (x: unknown): ScanInput => {
    if (typeof x === 'string' && x !== '') return x;
    if (isPickedFile(x)) return x;
    if (Array.isArray(x) && x.length > 0 && x.every(isPickedFile)) return x as PickedFile[];
    throw new ParameterError(`input ${name}: expected a path, URL or sample id, or files picked in the browser; got ${typeof x === 'string' ? 'an empty text' : String(x)}`);
  };
  const widget: InputWidget = {
    kind: 'file', name, label: options.label ?? name, value: check(options.value) as string,
    ...(options.accept !== undefined ? { accept: options.accept } : {}), ...(options.folder ? { folder: true } : {}),
  };
  const hook = (globalThis as Record<symbol, unknown>)[INPUT_HOOK] as Hook | undefined;
  if (typeof hook !== 'function') return options.value;
  return check(hook({ name, defaultValue: options.value, widget: (value) => inputView({ ...widget, value: describeScan(check(value)) }) }));
}
