/**
 * Interactive inputs (DESIGN.md §2): a cell calls `slider('minHu', …)` (cells/viz/inputs.ts)
 * and reads a plain value; the widget is one of its outputs; moving it in the app re-runs the
 * cell and what depends on it. Invariants:
 * - an input is named; its value is kept per (cell, name): the value set from the app, else
 *   the `-p name=value` override (converted to the default's type), else the default;
 * - a name is declared by one cell only, once per run of it (a clear error otherwise);
 * - a cell's cache key includes the values set for its inputs and the overrides its source
 *   names as a string literal (`'minHu'`): the only way its inputs can differ from their
 *   defaults, known before it runs;
 * - every override is used: by the parameters cell, or by an input of that name; one used by
 *   neither fails the run, naming the parameters and inputs there are.
 * The link to cells/ is a global symbol (`voxbook.input`), set by the executor while a cell
 * runs, as the display protocol is: cells/ never imports the kernel.
 */
import { coerceParameter, ParameterOverrideError } from './parameters.ts';

/** The hook's key on `globalThis` while a cell runs. */
export const INPUT_HOOK = Symbol.for('voxbook.input');

/** Where a result remembers the inputs its cell declared (not an identifier: never a cell's own name). */
export const DECLARED_INPUTS = '\u0000voxbook.inputs';

/** What an input call tells the kernel. */
export interface InputDeclaration {
  readonly name: string;
  /** Its value when nothing set it. */
  readonly defaultValue: unknown;
  /** A displayable showing the widget at `value` (cells/viz makes it). */
  widget(value: unknown): unknown;
}

/** The function under `INPUT_HOOK`: declares an input and returns its current value. */
export type InputHook = (declaration: InputDeclaration) => unknown;

/** An input name given twice, or a value that cannot apply. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Whether `source` holds `name` as a whole string literal ('name', "name" or `name`). */
export function mentionsName(source: string, name: string): boolean {
  const escaped = name.replace(/[$]/g, '\\$');
  return new RegExp(`(['"\`])${escaped}\\1`).test(source);
}

/** A value as cache-key text: files by name, size and date (their bytes are read by the cell). */
function keyText(value: unknown): unknown {
  if (typeof Blob !== 'undefined' && value instanceof Blob) {
    const f = value as Blob & { name?: string; lastModified?: number; webkitRelativePath?: string };
    return `file:${f.webkitRelativePath || f.name || ''}:${f.size}:${f.lastModified ?? ''}`;
  }
  if (Array.isArray(value)) return value.map(keyText);
  if (typeof value === 'bigint') return `${value}n`;
  return value;
}

/** The values of a session's inputs, and who declared what. */
export class InputValues {
  /** cell id → input name → value set from the app. */
  private readonly set = new Map<string, Map<string, unknown>>();
  /** `cell\u0000name` → the input's default when it was last declared. */
  private readonly defaults = new Map<string, unknown>();
  /** input name → the cell that declared it (this session). */
  private readonly declaredBy = new Map<string, string>();
  /** Override names an input used in the current run. */
  private readonly used = new Set<string>();

  /** Forgets everything (a notebook was opened). */
  clear(): void {
    this.set.clear();
    this.defaults.clear();
    this.declaredBy.clear();
    this.used.clear();
  }

  /** A run starts: no override used yet. */
  startRun(): void {
    this.used.clear();
  }

  /** The value the app set for input `name` of cell `id`. */
  setValue(id: string, name: string, value: unknown): void {
    let m = this.set.get(id);
    if (!m) this.set.set(id, (m = new Map()));
    m.set(name, value);
  }

  /** What cell `id`'s key depends on besides its source and inputs: see the module invariants. */
  keyPart(id: string, source: string, overrides: ReadonlyMap<string, unknown>): Array<[string, unknown]> {
    const part: Array<[string, unknown]> = [];
    for (const [name, value] of [...(this.set.get(id) ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      // A value set back to the default is the default: same key as never set.
      const d = `${id}\u0000${name}`;
      if (this.defaults.has(d) && JSON.stringify(keyText(this.defaults.get(d))) === JSON.stringify(keyText(value)) && !overrides.has(name)) continue;
      part.push([`set:${name}`, keyText(value)]);
    }
    for (const [name, value] of overrides) if (mentionsName(source, name)) part.push([`p:${name}`, keyText(value)]);
    return part;
  }

  /** Records that a result taken from the cache declared `names` (its overrides count as used). */
  declaredFromCache(id: string, names: readonly string[], overrides: ReadonlyMap<string, unknown>): void {
    for (const name of names) {
      this.declaredBy.set(name, id);
      if (overrides.has(name)) this.used.add(name);
    }
  }

  /**
   * The hook for one run of cell `id`: each call declares an input, shows its widget with
   * `display` and returns its value. `declared` collects the names, for the result.
   * @throws InputError (from the hook) for a name declared twice, or by another cell.
   * @throws ParameterOverrideError (from the hook) for an override that does not fit the default.
   */
  hook(id: string, overrides: ReadonlyMap<string, unknown>, display: (x: unknown) => void, declared: string[]): InputHook {
    return (d) => {
      const { name } = d;
      if (typeof name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(name)) throw new InputError(`an input's name must be an identifier, got ${JSON.stringify(name)}`);
      if (declared.includes(name)) throw new InputError(`input "${name}" is declared twice in this cell; give each input its own name`);
      const other = this.declaredBy.get(name);
      if (other !== undefined && other !== id) throw new InputError(`input "${name}" is already declared by cell "${other}"; give each input its own name`);
      this.declaredBy.set(name, id);
      this.defaults.set(`${id}\u0000${name}`, d.defaultValue);
      declared.push(name);
      const set = this.set.get(id);
      let value: unknown;
      if (set?.has(name)) value = set.get(name);
      else if (overrides.has(name)) {
        value = coerceParameter(name, overrides.get(name), d.defaultValue);
        this.used.add(name);
      } else value = d.defaultValue;
      display(d.widget(value));
      return value;
    };
  }

  /** Forgets which inputs cell `id` declared (it is about to run again). */
  forgetCell(id: string): void {
    for (const [name, by] of this.declaredBy) if (by === id) this.declaredBy.delete(name);
  }

  /** Names of the inputs cell `id` declared when it last ran. */
  namesOf(id: string): string[] {
    return [...this.declaredBy].filter(([, by]) => by === id).map(([name]) => name);
  }

  /** Names of the inputs declared so far this session. */
  get names(): string[] {
    return [...this.declaredBy.keys()];
  }

  /**
   * Overrides no parameter and no input used, after a run that reached every cell.
   * @returns the error to report, or undefined when every override was used.
   */
  unusedOverrides(overrides: ReadonlyMap<string, unknown>, parameterNames: readonly string[]): ParameterOverrideError | undefined {
    const unused = [...overrides.keys()].filter((n) => !parameterNames.includes(n) && !this.used.has(n));
    if (unused.length === 0) return undefined;
    const inputs = this.names;
    return new ParameterOverrideError(
      `unknown parameter${unused.length > 1 ? 's' : ''} ${unused.map((n) => JSON.stringify(n)).join(', ')}; ` +
      `the parameters cell defines: ${parameterNames.join(', ') || 'none'}; the inputs are: ${inputs.join(', ') || 'none'}`,
    );
  }
}
