/**
 * Runs one cell's code (DESIGN.md §2). Invariants:
 * - a cell runs as an async function of its inputs, its imports and the builtins
 *   (`BUILTINS`), compiled once per (source, outputs) and named `voxbook-cell-<id>.js` so its
 *   frames can be found in stacks; it returns the values of the names it defines;
 * - at most one cell runs at a time (the kernel's queue sees to it): `runningId` is that
 *   cell while its code runs, and `failRunning` ends it at once with an uncaught error;
 * - a cell is finished when its code has returned and one task has passed, so a promise it
 *   rejected without awaiting fails it rather than the next cell;
 * - `execute` never throws: an error becomes the result's `error`, with the outputs shown
 *   so far;
 * - `display(x)` shows x at once and its handle updates it in place; live outputs reach the
 *   host at most once per `LIVE_OUTPUT_INTERVAL_MS`; live views re-render until the cell ends;
 * - `progress(label)` is a stage's `onProgress`: its updates reach the host throttled
 *   (kernel/progress.ts) and only while the cell runs;
 * - while a cell runs, `globalThis[Symbol.for('voxbook.fileReads')]` collects the files it
 *   reads (cells/io/bytes.ts reports them); a finished result lists them in `reads`;
 * - while a cell runs, `globalThis[Symbol.for('voxbook.input')]` declares its inputs
 *   (kernel/inputs.ts): each shows its widget and returns its value; a finished result lists
 *   their names in `inputs`.
 */
import type { CompiledCell } from './analysis.ts';
import { toMimeBundle } from './display.ts';
import { cellSourceUrl, describeError, UncaughtInCell } from './errors.ts';
import { LIVE_OUTPUT_INTERVAL_MS, type CellError, type MimeBundle } from './protocol.ts';
import { FILE_READS, type FileRead } from './store.ts';
import { progressReporter, type StageProgress } from './progress.ts';
import { INPUT_HOOK, type InputHook } from './inputs.ts';

/** Names every cell can use without defining them. */
export const BUILTINS = ['display', 'runInfo', 'signal', 'progress'] as const;

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<Record<string, unknown>>;

/** Lines the AsyncFunction wrapper adds before the body (`async function anonymous(…\n) {\n`). */
const WRAPPER_LINES = 2;

const HANDLE = Symbol('voxbook.displayHandle');

/** The live-view protocol's key (cells/viz defines it on views without importing the kernel). */
const SUBSCRIBE_METHOD = Symbol.for('voxbook.subscribe');

function isDisplayHandle(x: unknown): boolean {
  return typeof x === 'object' && x !== null && HANDLE in x;
}

/** What `display()` returns inside a cell. */
export interface DisplayHandle {
  readonly [HANDLE]: true;
  /** Replaces the displayed output with `x`'s bundle (shown live while the cell runs). */
  update(x: unknown): void;
}

/** One cell to run and what it runs with. */
export interface CellJob {
  readonly id: string;
  readonly source: string;
  /** Names it defines (and returns), without `_`-private ones. */
  readonly outputs: readonly string[];
  /** Names it reads from other cells, with their values in the same order. */
  readonly inputs: readonly string[];
  readonly inputValues: readonly unknown[];
  /** Every import binding of the notebook (hoisted: every cell sees every import). */
  readonly imports: ReadonlyMap<string, unknown>;
  /** The `signal` builtin: fired by Stop. */
  readonly signal: AbortSignal;
  /** The `runInfo` builtin. */
  readonly runInfo: () => unknown;
  /** Called with a copy of the outputs whenever they change while the cell runs. */
  readonly liveOutputs: (outputs: MimeBundle[]) => void;
  /** Called with the cell's stage progress (the `progress` builtin), throttled by kernel/progress.ts. */
  readonly progress?: (update: StageProgress) => void;
  /** Called with the values once the cell has finished; a throw fails the cell. */
  readonly finish?: (values: Record<string, unknown>) => void;
  /** The input hook for this run (kernel/inputs.ts), given the cell's `display` and the list to fill with declared names. */
  readonly inputHook?: (display: (x: unknown) => void, declared: string[]) => InputHook;
}

export type CellResult =
  | { values: Record<string, unknown>; outputs: MimeBundle[]; ms: number; reads: FileRead[]; inputs: string[] }
  | { error: CellError; outputs: MimeBundle[]; ms: number };

/**
 * Runs one cell at a time (see the module comment for its invariants): compiles it to an
 * AsyncFunction of its inputs, gives it the builtins, collects its displays live, and turns
 * what it throws into a `CellError`. `running` names the cell for uncaught-error attribution.
 */
export class Executor {
  private compiled = new Map<string, CompiledCell>();
  /** The cell whose code is executing now, and how to fail it from outside (an uncaught error). */
  private running: { readonly id: string; readonly fail: (error: unknown) => void } | undefined;

  /** The id of the cell whose code is running now, if any. */
  get runningId(): string | undefined {
    return this.running?.id;
  }

  /** Fails the running cell with an error that escaped it (`how` says how), abandoning its code. */
  failRunning(error: unknown, how: string): void {
    this.running?.fail(new UncaughtInCell(error, how));
  }

  /** `error` as shown under the cell, with the line in the cell's source when its stack has one. */
  describe(id: string, source: string, outputs: readonly string[], error: unknown): CellError {
    // No cell has run yet (the compiler is not loaded): no line to map.
    if (!compiler) return describeError(error);
    const compiled = this.compile(source, outputs);
    return describeError(error, cellSourceUrl(id), sourceLines(compiled));
  }

  private compile(source: string, outputs: readonly string[]): CompiledCell {
    const k = source + '\u0000' + outputs.join(',');
    let c = this.compiled.get(k);
    if (!c) {
      c = compiler!.compileCell(source, outputs);
      this.compiled.set(k, c);
    }
    return c;
  }

  async execute(job: CellJob): Promise<CellResult> {
    await loadCompiler();
    const importNames = [...job.imports.keys()];
    const compiled = this.compile(job.source, job.outputs);
    const outputs: MimeBundle[] = [];
    const frame = { value: undefined as unknown };
    const live = liveOutputs(() => job.liveOutputs([...outputs]));
    // display(x) shows x under the cell at once (not only when it finishes) and returns a
    // handle whose update(y) replaces that output in place: a plot that grows while training.
    const unsubscribe: Array<() => void> = [];
    const display = (x: unknown): DisplayHandle => {
      const i = outputs.push(toMimeBundle(x)) - 1;
      live.changed();
      const handle: DisplayHandle = { [HANDLE]: true, update: (y: unknown) => { outputs[i] = toMimeBundle(y); live.changed(); } };
      // A live view (one with a `voxbook.subscribe` method, e.g. trainingMonitor()) re-renders
      // itself in place whenever it says it changed, until the cell finishes.
      const subscribe = typeof x === 'object' && x !== null ? (x as Record<symbol, unknown>)[SUBSCRIBE_METHOD] : undefined;
      if (typeof subscribe === 'function') unsubscribe.push(subscribe.call(x, () => handle.update(x)) as () => void);
      return handle;
    };
    const params = ['__vb', ...BUILTINS, ...job.inputs, ...importNames];
    const sourceUrl = cellSourceUrl(job.id);
    // `failRunning` fails the cell through this promise while its code is still running.
    let fail!: (error: unknown) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    this.running = { id: job.id, fail };
    const reads: FileRead[] = [];
    const stages = progressReporter((update) => job.progress?.(update));
    const progress = (label: string) => stages.stage(label);
    const g = globalThis as Record<symbol, unknown>;
    const previousHook = g[FILE_READS];
    g[FILE_READS] = (r: FileRead) => void reads.push(r);
    const declared: string[] = [];
    const previousInputHook = g[INPUT_HOOK];
    g[INPUT_HOOK] = job.inputHook?.((x) => void display(x), declared);
    const t0 = performance.now();
    let ms = 0;
    try {
      const fn = new AsyncFunction(...params, `${compiled.body}\n//# sourceURL=${sourceUrl}`);
      const values = await Promise.race([fn(frame, display, job.runInfo, job.signal, progress, ...job.inputValues, ...importNames.map((n) => job.imports.get(n))), failed]);
      ms = performance.now() - t0;
      // The cell is finished when its code has returned and one task has passed: a promise
      // it rejected without awaiting is reported by then (Node reports unhandled rejections
      // after each task), and fails this cell rather than whichever runs next.
      await Promise.race([nextTask(), failed]);
      job.finish?.(values);
      // `display(x)` as the last line shows x once, not x and then its handle.
      if (frame.value !== undefined && !isDisplayHandle(frame.value)) outputs.push(toMimeBundle(frame.value));
      return { values, outputs: [...outputs], ms, reads, inputs: declared };
    } catch (e) {
      return { error: describeError(e, sourceUrl, sourceLines(compiled)), outputs: [...outputs], ms: ms || performance.now() - t0 };
    } finally {
      for (const u of unsubscribe) u();
      stages.close();
      // The last state of a live view, as it was when the cell ended.
      live.stop();
      this.running = undefined;
      g[FILE_READS] = previousHook;
      g[INPUT_HOOK] = previousInputHook;
    }
  }
}

/**
 * kernel/analysis.ts, loaded when the first cell runs: it brings the TypeScript compiler
 * (~0.7 s to load), which a run served wholly from the cache never needs.
 */
let compiler: typeof import('./analysis.ts') | undefined;

/** Loads kernel/analysis.ts (once). */
export async function loadCompiler(): Promise<typeof import('./analysis.ts')> {
  return (compiler ??= await import('./analysis.ts'));
}

/** Maps a line of the generated function to the cell's source line. */
function sourceLines(compiled: CompiledCell): (functionLine: number) => number {
  return (line) => compiled.sourceLine(line - WRAPPER_LINES);
}

/**
 * Sends a running cell's outputs when they change, at most once per
 * `LIVE_OUTPUT_INTERVAL_MS`: the first change goes at once, later ones are coalesced into
 * one message at the end of the interval, so a loop that updates a plot per batch does not
 * flood the host with clones of it.
 */
function liveOutputs(send: () => void): { changed(): void; stop(): void } {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    last = performance.now();
    send();
  };
  return {
    changed() {
      if (timer !== undefined) return;
      const wait = last + LIVE_OUTPUT_INTERVAL_MS - performance.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Resolves after the current task and its microtasks: a `setTimeout(0)`, available in Node and Web Workers alike. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
