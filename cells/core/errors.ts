/**
 * Typed errors for every stage. Each says what was wrong and what to do about it;
 * nothing in Voxbook silently clamps or guesses.
 */

/** Base class: `code` is stable for programs, `message` is for people. */
export class VoxbookError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // A class's own name is lost to minification in a production build; each class below
    // sets its name as a literal, and this is the fallback for subclasses elsewhere.
    this.name = new.target.name;
  }
}

/** A file or folder that should be there is not. `path` names it. */
export class InputNotFoundError extends VoxbookError {
  readonly path: string;
  constructor(path: string, hint = 'check the path, or run `npm run fetch-data` for the samples') {
    super('input-not-found', `${path}: no such file or folder; ${hint}`);
    this.name = 'InputNotFoundError';
    this.path = path;
  }
}

/** A file exists but its bytes are not what its format promises (truncated, corrupt, wrong type). */
export class FormatError extends VoxbookError {
  readonly path: string;
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super('format', `${path}: ${problem}`, options);
    this.name = 'FormatError';
    this.path = path;
  }
}

/** Geometry that cannot be used: mismatched grids, zero spacing, a singular direction matrix. */
export class GeometryError extends VoxbookError {
  constructor(problem: string) {
    super('geometry', problem);
    this.name = 'GeometryError';
  }
}

/** An option out of its domain (a negative size, minHu > maxHu, …). */
export class ParameterError extends VoxbookError {
  constructor(problem: string) {
    super('parameter', problem);
    this.name = 'ParameterError';
  }
}

/** Thrown by long stages when their AbortSignal fires. */
export class AbortError extends VoxbookError {
  constructor(stage: string) {
    super('aborted', `${stage} was interrupted`);
    this.name = 'AbortError';
  }
}
