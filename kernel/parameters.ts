/**
 * Parameter overrides (papermill's convention): the cell tagged `parameters` holds the
 * defaults; `-p name=value` replaces them after that cell runs. Values given as text (from
 * a command line) are coerced to the type of the default; a value that does not fit is an
 * error, never a silent NaN.
 */

/** A `-p name=value` that cannot apply: unknown name, a value that does not fit the default, or no parameters cell. */
export class ParameterOverrideError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParameterOverrideError';
  }
}

/**
 * The override `value` for parameter `name`, converted to the type of its default: text to a
 * finite number, `true`/`false` to a boolean, other text as JSON for arrays and objects.
 * Values that are not text pass unchanged.
 * @throws ParameterOverrideError naming the parameter, the value and the default when it does not fit.
 */
export function coerceParameter(name: string, value: unknown, defaultValue: unknown): unknown {
  if (typeof value !== 'string') return value;
  switch (typeof defaultValue) {
    case 'number': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new ParameterOverrideError(`parameter ${name}: "${value}" is not a number (its default is ${defaultValue})`);
      return n;
    }
    case 'boolean':
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw new ParameterOverrideError(`parameter ${name}: "${value}" is not true or false`);
    case 'string':
      return value;
    default:
      try {
        return JSON.parse(value);
      } catch {
        throw new ParameterOverrideError(`parameter ${name}: "${value}" is not valid JSON (its default is ${JSON.stringify(defaultValue)})`);
      }
  }
}

/** Parses `name=value` strings (as given to `-p`). */
export function parseParameterArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new ParameterOverrideError(`-p ${a}: expected name=value`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}
