/**
 * Parameter overrides (papermill's convention): the cell tagged `parameters` holds the
 * defaults; `-p name=value` replaces them after that cell runs.
 *
 * Invariants:
 * - overrides are keyed by own names only: they live in a `Map` (or an object read with
 *   `Object.hasOwn`), never looked up with `in`, so `constructor`, `toString` or `__proto__`
 *   are names like any other — unknown unless the parameters cell defines them;
 * - a name is given at most once;
 * - a value given as text (from a command line) is converted to the type of its default, and
 *   a value that does not fit is an error saying what was wrong, never a silent NaN, a
 *   hexadecimal number read as decimal, or a trimmed string.
 */

/** A `-p name=value` that cannot apply: unknown name, a value that does not fit the default, or no parameters cell. */
export class ParameterOverrideError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParameterOverrideError';
  }
}

/** A decimal number literal: `-12`, `3.5`, `5.`, `.5`, `1e-3`. No hex, octal, binary, separators, spaces, `Infinity` or `NaN`. */
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A parameter name as the parameters cell declares it (a JavaScript identifier, ASCII). */
const NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Text as a finite number, or a message saying why it is not one.
 * Accepts decimal literals only (see `DECIMAL`): `Number()` would read `0x10` as 16, `" 12 "`
 * as 12 and `''` as 0, none of which a user meant as a threshold.
 */
function parseDecimal(text: string): number | string {
  if (text === '') return 'is empty';
  if (text.trim() !== text) return 'has spaces around it';
  if (/^[-+]?(?:Infinity|NaN)$/i.test(text)) return 'is not a finite number';
  if (/^[-+]?0[xob]/i.test(text)) return 'is not written in decimal (no 0x, 0o or 0b prefixes)';
  if (!DECIMAL.test(text)) return 'is not a number (write a decimal like -12, 3.5, .5 or 1e-3)';
  const n = Number(text);
  if (!Number.isFinite(n)) return 'is too large for a number';
  return n;
}

/** What kind of value a default is, in words for an error message. */
function kindOf(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}

/**
 * The override `value` for parameter `name`, converted to the type of its default:
 * - number: a decimal literal (`-12`, `3.5`, `.5`, `1e-3`), finite;
 * - boolean: exactly `true` or `false`;
 * - bigint: an integer literal;
 * - string: the text as given;
 * - array or object: JSON of the same kind; anything else (null, undefined): any JSON.
 * Values that are not text (from the app) pass unchanged.
 * @throws ParameterOverrideError naming the parameter, the value, what was wrong and the default.
 */
export function coerceParameter(name: string, value: unknown, defaultValue: unknown): unknown {
  if (typeof value !== 'string') return value;
  const fail = (why: string): never => {
    throw new ParameterOverrideError(`parameter ${name}: ${JSON.stringify(value)} ${why} (its default is ${defaultText(defaultValue)})`);
  };
  switch (typeof defaultValue) {
    case 'number': {
      const n = parseDecimal(value);
      return typeof n === 'number' ? n : fail(n);
    }
    case 'boolean':
      if (value === 'true') return true;
      if (value === 'false') return false;
      return fail('is not true or false');
    case 'bigint':
      return /^-?\d+$/.test(value) ? BigInt(value) : fail('is not an integer');
    case 'string':
      return value;
    default: {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return fail('is not valid JSON');
      }
      if (defaultValue !== null && defaultValue !== undefined && kindOf(parsed) !== kindOf(defaultValue)) {
        return fail(`is ${kindOf(parsed)}, not ${kindOf(defaultValue)}`);
      }
      return parsed;
    }
  }
}

function defaultText(x: unknown): string {
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'string') return JSON.stringify(x);
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/**
 * Parses `name=value` strings (as given to `-p`) into a map, in the order given.
 * The value is everything after the first `=` (it may itself hold `=`).
 * @throws ParameterOverrideError for a missing `=`, a name that is not an identifier, or a
 * name given twice.
 */
export function parseParameterArgs(args: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new ParameterOverrideError(`-p ${JSON.stringify(a)}: expected name=value, e.g. -p minHu=300`);
    const name = a.slice(0, eq);
    if (!NAME.test(name)) throw new ParameterOverrideError(`-p ${JSON.stringify(a)}: "${name}" is not a parameter name (letters, digits, _ and $, not starting with a digit)`);
    if (out.has(name)) throw new ParameterOverrideError(`-p ${name} is given twice (${JSON.stringify(out.get(name))} and ${JSON.stringify(a.slice(eq + 1))}); give each parameter once`);
    out.set(name, a.slice(eq + 1));
  }
  return out;
}

/**
 * Overrides as a plain record for the kernel protocol (structured clone keeps own keys,
 * `__proto__` included, because `Object.fromEntries` defines them as own data properties).
 */
export function overridesRecord<V>(overrides: ReadonlyMap<string, V>): Record<string, V> {
  return Object.fromEntries(overrides);
}

/**
 * Applies `overrides` to the values the parameters cell defined, in place.
 * Every unknown name is reported at once, with the list of names the cell defines.
 * @throws ParameterOverrideError for unknown names or values that do not fit their default.
 */
export function applyOverrides(values: Record<string, unknown>, overrides: ReadonlyMap<string, unknown>): void {
  const unknown = [...overrides.keys()].filter((name) => !Object.hasOwn(values, name));
  if (unknown.length > 0) {
    const known = Object.keys(values);
    throw new ParameterOverrideError(
      `unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; ` +
      (known.length > 0 ? `the parameters cell defines: ${known.join(', ')}` : 'the parameters cell defines none'),
    );
  }
  for (const [name, raw] of overrides) values[name] = coerceParameter(name, raw, values[name]);
}
