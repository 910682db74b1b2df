import { analyzeCell, compileCell, type CellSyntax, type CompiledCell, type ImportBinding } from './analysis.ts';
import { toMimeBundle } from './display.ts';
import { buildGraph, descendants, type Graph } from './graph.ts';
import { hashString, sha256Hex } from './hash.ts';
import { type Cell, cellTags } from './notebook/cell.ts';
import { parsePercent } from './notebook/percent.ts';
import { applyOverrides, ParameterOverrideError } from './parameters.ts';
import { LIVE_OUTPUT_INTERVAL_MS, type CellAnalysis, type CellError, type CellStatus, type KernelMessage, type MimeBundle } from './protocol.ts';

/** What the environment gives the kernel: module loading and version facts. */
export interface KernelHost {
  /** Resolves an import specifier from a cell ('voxbook', 'node:fs', …) to its module namespace. */
  importModule(specifier: string): Promise<Record<string, unknown>>;
  /** Library versions recorded in provenance (and mixed into cache keys). */
  readonly versions?: Readonly<Record<string, string>>;
  /** Memory budget of the result cache, bytes of typed arrays (default 1 GiB). */
  readonly cacheBytes?: number;
}

/** Facts about the current run that a cell can read through the `runInfo()` builtin. */
export interface RunInfo {
  readonly notebookSha256: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Compute time of each finished code cell so far, ms (cached cells keep their original time). */
  readonly timingsMs: Readonly<Record<string, number>>;
  readonly versions: Readonly<Record<string, string>>;
  readonly startedAt: string;
}

interface CellState {
  status: CellStatus;
  key: string;
  outputs: MimeBundle[];
  error?: CellError;
  ms: number;
  cached: boolean;
}

interface CacheEntry {
  readonly values: Readonly<Record<string, unknown>>;
  readonly outputs: MimeBundle[];
  readonly ms: number;
  /** Bytes of the typed arrays it holds (an estimate of its memory). */
  readonly bytes: number;
}

/** Default cache budget: 1 GiB of typed-array data. */
const DEFAULT_CACHE_BYTES = 2 ** 30;

/** Bytes of typed arrays reachable from x within a few levels (shared buffers counted once). */
function binaryBytes(x: unknown, depth = 0, seen = new Set<ArrayBufferLike>()): number {
  if (ArrayBuffer.isView(x)) {
    if (seen.has(x.buffer)) return 0;
    seen.add(x.buffer);
    return x.byteLength;
  }
  if (depth > 4 || x === null || typeof x !== 'object') return 0;
  let n = 0;
  for (const v of Array.isArray(x) ? x : Object.values(x)) n += binaryBytes(v, depth + 1, seen);
  return n;
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<Record<string, unknown>>;

/** Names every cell can use without defining them. */
const BUILTINS = ['display', 'runInfo', 'signal'] as const;


/**
 * The reactive kernel (DESIGN.md §2): parses the notebook, analyses each code cell, keeps
 * the dataflow graph, runs cells in topological order as async functions of their inputs,
 * and caches results by content hash — hash(cell source, the keys of the values it reads,
 * parameter overrides, library versions) — so an unchanged cell is never recomputed and a
 * changed parameter re-runs only the cells that read it.
 * It knows nothing of imaging: values are opaque, displays go through `toMimeBundle`.
 */
export class Kernel {
  private cells: Cell[] = [];
  private syntax = new Map<string, CellSyntax>();
  private compiled = new Map<string, CompiledCell>();
  private graph: Graph = buildGraph([]);
  private states = new Map<string, CellState>();
  /** name → value, for names whose defining cell last ran successfully. */
  private scope = new Map<string, unknown>();
  /** name → the key its value is cached under (see `valueKey`); cells' keys are built from these. */
  private nameKeys = new Map<string, string>();
  /** Cells whose current outputs the host has been sent. */
  private sentOutputs = new Set<string>();
  private openedWith = '';
  private cache = new Map<string, CacheEntry>();
  private cacheBytes = 0;
  private parameters: Record<string, unknown> = {};
  /** Parameter overrides by own name (a Map, so `constructor` or `__proto__` are names like any other). */
  private overrides = new Map<string, unknown>();
  private notebookSha256 = '';
  private startedAt = new Date().toISOString();
  private importErrors = new Map<string, string[]>();
  private modules = new Map<string, Promise<Record<string, unknown>>>();
  private queue: Promise<unknown> = Promise.resolve();
  /** The cell whose code is executing now, and how to fail it from outside (an uncaught error). */
  private running: { readonly id: string; readonly fail: (error: unknown) => void } | undefined;
  /** Fired by `interrupt()`: the `signal` builtin of the cells of the current run. */
  private stopper = new AbortController();
  /** Set while `runCells` is in progress; an uncaught error from a finished cell clears `ok`. */
  private activeRun: { ok: boolean } | undefined;

  constructor(private readonly host: KernelHost, private readonly emit: (m: KernelMessage) => void) {}

  /** Serialises requests: a run never overlaps another. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  open(text: string, overrides: Readonly<Record<string, unknown>> = {}): Promise<void> {
    return this.enqueue(async () => {
      // Re-opening the same text with the same overrides (the app's "Run all") keeps every
      // cell's state, so unchanged cells are neither recomputed nor re-sent.
      const nb = parsePercent(text);
      this.notebookSha256 = await sha256Hex(text);
      const opening = fingerprint(nb.cells, overrides);
      if (opening === this.openedWith) return;
      this.openedWith = opening;
      this.cells = [...nb.cells];
      this.overrides = new Map(Object.entries(overrides));
      this.parameters = {};
      this.states.clear();
      this.scope.clear();
      this.nameKeys.clear();
      this.sentOutputs.clear();
      this.reanalyze();
    });
  }

  edit(id: string, source: string): Promise<void> {
    return this.enqueue(async () => {
      const i = this.cells.findIndex((c) => c.id === id);
      if (i < 0) throw new Error(`no cell with id "${id}"`);
      this.cells[i] = { ...this.cells[i]!, source };
      this.openedWith = fingerprint(this.cells, this.overrides);
      this.reanalyze();
      await this.runCells([id]);
    });
  }

  /** Runs all cells (unchanged ones come from the cache) or `ids` and their descendants. */
  run(ids?: readonly string[]): Promise<boolean> {
    return this.enqueue(() => this.runCells(ids));
  }

  /**
   * Stop, gently: fires the current run's `signal` (cells pass it to long stages, which end
   * at their next check — `train` at a batch boundary, keeping its best weights) and runs no
   * further cell. A cell that finishes after the stop keeps its values for this session but
   * is not cached: it did not compute what its source says. Not queued behind the run.
   */
  interrupt(): void {
    if (this.activeRun) this.stopper.abort();
  }

  /**
   * An error nobody caught: an unhandled promise rejection, or an exception thrown in a
   * callback (setTimeout, an event) — reported by the platform's hook (kernel/node/worker.ts,
   * or `webUncaughtSource` in a Web Worker). Attributed to a cell by the
   * `voxbook-cell-<id>.js` frames in its stack when there are any, else to the cell running
   * now. That cell fails: at once if it is still running (its code is abandoned), otherwise
   * its results are withdrawn and, if a run is in progress, the run fails. An error no cell
   * can be named for is logged and fails the run in progress.
   */
  reportUncaught(error: unknown, kind: UncaughtKind): void {
    const id = this.cellInStack(error) ?? this.running?.id;
    const how = kind === 'rejection' ? 'an unhandled promise rejection' : 'an uncaught exception in a callback';
    if (id !== undefined && this.running?.id === id) {
      this.running.fail(new UncaughtInCell(error, how));
      return;
    }
    if (this.activeRun) this.activeRun.ok = false;
    const cell = id === undefined ? undefined : this.cells.find((c) => c.id === id);
    if (!cell) {
      const e = describeError(error);
      this.emit({ type: 'log', level: 'error', text: `${how} outside any cell: ${e.name}: ${e.message}` });
      return;
    }
    const e = this.cellError(cell, error);
    const message = `${e.message} (${how}, after the cell had finished)`;
    this.emit({ type: 'log', level: 'error', text: `cell "${cell.id}": ${e.name}: ${message}` });
    // Its values may be wrong: withdraw them and its cache entry, so the next run recomputes it.
    const st = this.states.get(cell.id);
    if (st?.key) this.forget(st.key);
    this.clearValues(cell.id);
    this.setState(cell.id, { status: 'error', key: '', error: { ...e, message }, cached: false });
  }

  /** The first cell named by a `voxbook-cell-<id>.js` frame in `error`'s stack, if any. */
  private cellInStack(error: unknown): string | undefined {
    const stack = stackOf(error);
    if (!stack) return undefined;
    const ids = new Set(this.cells.map((c) => c.id));
    for (const m of stack.matchAll(/voxbook-cell-(.+?)\.js:\d+:\d+/g)) if (ids.has(m[1]!)) return m[1]!;
    return undefined;
  }

  /** `error` as shown under `cell`, with the line in the cell's source when its stack has one. */
  private cellError(cell: Cell, error: unknown): CellError {
    const syntax = this.syntax.get(cell.source);
    const compiled = syntax ? this.compiledFor(cell, syntax.defines.filter((n) => !n.startsWith('_'))) : undefined;
    return describeError(error, `voxbook-cell-${cell.id}.js`, compiled);
  }

  private forget(key: string): void {
    const e = this.cache.get(key);
    if (!e) return;
    this.cache.delete(key);
    this.cacheBytes -= e.bytes;
  }

  get notebookCells(): readonly Cell[] {
    return this.cells;
  }

  private reanalyze(): void {
    const code = this.cells.filter((c) => c.kind === 'code');
    for (const c of code) if (!this.syntax.has(c.source)) this.syntax.set(c.source, analyzeCell(c.source));
    const imports = new Map<string, ImportBinding>();
    this.importErrors.clear();
    for (const c of code) for (const b of this.syntax.get(c.source)!.imports) {
      const prev = imports.get(b.local);
      if (prev && (prev.module !== b.module || prev.imported !== b.imported)) {
        this.addImportError(c.id, `"${b.local}" is imported from two places (${prev.module} and ${b.module})`);
      }
      imports.set(b.local, b);
    }
    this.graph = buildGraph(code.map((c) => {
      const s = this.syntax.get(c.source)!;
      return { id: c.id, defines: s.defines, references: s.references };
    }));
    for (const c of code) for (const name of this.syntax.get(c.source)!.defines) {
      if (imports.has(name)) this.addImportError(c.id, `"${name}" is both imported and defined here; rename one`);
      if ((BUILTINS as readonly string[]).includes(name)) this.addImportError(c.id, `"${name}" is a kernel builtin; choose another name`);
    }
    const analysis: CellAnalysis[] = code.map((c) => {
      const s = this.syntax.get(c.source)!;
      return { id: c.id, defines: s.defines.filter((n) => !n.startsWith('_')), uses: this.graph.inputs.get(c.id) ?? [], errors: this.problems(c) };
    });
    this.emit({ type: 'analysis', cells: analysis });
  }

  /** What stops a cell from running: syntax errors, duplicate definitions, cycles, import clashes. */
  private problems(c: Cell): CellError[] {
    const s = this.syntax.get(c.source)!;
    return [
      ...s.diagnostics.map((d) => ({ name: 'SyntaxError', message: d.message, line: d.line })),
      ...(this.graph.errors.get(c.id) ?? []).map((m) => ({ name: 'GraphError', message: m })),
      ...(this.importErrors.get(c.id) ?? []).map((m) => ({ name: 'ImportError', message: m })),
    ];
  }

  private addImportError(id: string, msg: string): void {
    const list = this.importErrors.get(id) ?? [];
    list.push(msg);
    this.importErrors.set(id, list);
  }

  private importBindings(): ImportBinding[] {
    const seen = new Map<string, ImportBinding>();
    for (const c of this.cells) if (c.kind === 'code') for (const b of this.syntax.get(c.source)!.imports) seen.set(b.local, b);
    return [...seen.values()];
  }

  /**
   * Loads every imported binding. A failure is kept per binding (never thrown), so only the
   * cells that import or read that name fail; the rest of the notebook runs.
   */
  private async resolveImports(): Promise<{ values: Map<string, unknown>; failures: Map<string, string> }> {
    const values = new Map<string, unknown>();
    const failures = new Map<string, string>();
    for (const b of this.importBindings()) {
      let ns: Record<string, unknown>;
      try {
        let p = this.modules.get(b.module);
        if (!p) {
          p = this.host.importModule(b.module);
          this.modules.set(b.module, p);
        }
        ns = await p;
      } catch (e) {
        this.modules.delete(b.module);
        failures.set(b.local, `cannot import "${b.module}": ${(e as Error).message}`);
        continue;
      }
      if (b.imported === '*') values.set(b.local, ns);
      else if (!(b.imported in ns)) failures.set(b.local, `"${b.module}" has no export named "${b.imported}"`);
      else values.set(b.local, ns[b.imported]);
    }
    return { values, failures };
  }


  private setState(id: string, patch: Partial<CellState>): void {
    const prev = this.states.get(id) ?? { status: 'idle' as CellStatus, key: '', outputs: [], ms: 0, cached: false };
    const next = { ...prev, ...patch };
    if (patch.status && patch.status !== 'error' && !('error' in patch)) delete next.error;
    this.states.set(id, next);
    // Outputs travel only when they changed: a mesh and its STL are tens of MB to clone.
    const outputsChanged = !this.sentOutputs.has(id) || next.outputs !== prev.outputs;
    this.sentOutputs.add(id);
    this.emit({ type: 'cell', id, status: next.status, ...(outputsChanged ? { outputs: next.outputs } : {}), ...(next.error ? { error: next.error } : {}), ms: next.ms, cached: next.cached });
  }

  private runInfo(): RunInfo {
    const timingsMs: Record<string, number> = {};
    for (const id of this.graph.order) {
      const s = this.states.get(id);
      if (s?.status === 'done') timingsMs[id] = s.ms;
    }
    return {
      notebookSha256: this.notebookSha256,
      parameters: { ...this.parameters },
      timingsMs,
      versions: { ...(this.host.versions ?? {}) },
      startedAt: this.startedAt,
    };
  }

  private async runCells(ids?: readonly string[]): Promise<boolean> {
    const t0 = performance.now();
    this.startedAt = new Date().toISOString();
    const code = this.cells.filter((c) => c.kind === 'code');
    const byId = new Map(code.map((c) => [c.id, c]));
    const targets = ids ? new Set([...ids, ...descendants(this.graph, ids)]) : new Set(code.map((c) => c.id));
    const run = { ok: true };
    this.activeRun = run;
    this.stopper = new AbortController();
    try {
      return await this.runTargets(code, byId, targets, run, t0);
    } finally {
      this.activeRun = undefined;
    }
  }

  /** The body of `runCells`; `run.ok` may also be cleared from outside by `reportUncaught`. */
  private async runTargets(code: readonly Cell[], byId: ReadonlyMap<string, Cell>, targets: ReadonlySet<string>, run: { ok: boolean }, t0: number): Promise<boolean> {
    let ok = true;
    if (this.overrides.size > 0 && !code.some((c) => cellTags(c).includes('parameters'))) {
      const names = [...this.overrides.keys()].join(', ');
      this.emit({ type: 'log', level: 'error', text: `${new ParameterOverrideError(`parameters given (${names}) but no cell is tagged "parameters"; tag the cell that holds the defaults: // %% tags=["parameters"]`).message}` });
      this.emit({ type: 'run-done', ok: false, ms: performance.now() - t0 });
      return false;
    }
    const { values: importValues, failures: importFailures } = await this.resolveImports();
    // Cells with structural errors never run; everything downstream of them is blocked.
    const inOrder = new Set(this.graph.order);
    const broken = new Set<string>();
    for (const c of code) {
      if (!targets.has(c.id)) continue;
      const problems = this.problems(c);
      const syntax = this.syntax.get(c.source)!;
      for (const [local, message] of importFailures) {
        if (syntax.references.has(local) || syntax.imports.some((b) => b.local === local)) problems.push({ name: 'ImportError', message });
      }
      if (problems.length > 0) {
        ok = false;
        broken.add(c.id);
        this.clearValues(c.id);
        this.setState(c.id, { status: 'error', outputs: [], error: problems[0]!, ms: 0, cached: false });
      } else if (!inOrder.has(c.id)) {
        ok = false;
        this.clearValues(c.id);
        this.setState(c.id, { status: 'blocked', outputs: [], error: { name: 'Blocked', message: 'an upstream cell cannot run (see the errors above)' }, ms: 0, cached: false });
      } else this.setState(c.id, { status: 'queued' });
    }
    const stop = this.stopper.signal;
    for (const id of this.graph.order) {
      if (stop.aborted) {
        ok = false;
        this.emit({ type: 'log', level: 'info', text: 'stopped: the cells after the one running at Stop were not run' });
        break;
      }
      if (!targets.has(id) || broken.has(id)) continue;
      const cell = byId.get(id)!;
      const parents = this.graph.parents.get(id) ?? [];
      const failed = parents.find((p) => {
        const st = this.states.get(p)?.status;
        return st !== 'done';
      });
      if (failed !== undefined) {
        ok = false;
        this.clearValues(id);
        this.setState(id, { status: 'blocked', outputs: [], error: { name: 'Blocked', message: `waits for cell "${failed}", which did not finish` }, ms: 0, cached: false });
        continue;
      }
      const isParams = cellTags(cell).includes('parameters');
      const key = hashString(JSON.stringify([
        cell.source,
        (this.graph.inputs.get(id) ?? []).map((n) => [n, this.nameKeys.get(n) ?? '']),
        isParams ? [...this.overrides] : null,
        this.host.versions ?? {},
      ]));
      const hit = this.cache.get(key);
      if (this.states.get(id)?.key === key && this.states.get(id)?.status === 'done') {
        // Unchanged since its last run in this session: its values are still in scope.
        if (hit) this.touch(key, hit);
        this.setState(id, { status: 'done' });
        continue;
      }
      if (hit) {
        this.touch(key, hit);
        this.applyValues(id, hit.values, key);
        if (isParams) this.parameters = { ...hit.values };
        this.setState(id, { status: 'done', key, outputs: hit.outputs, ms: hit.ms, cached: true });
        continue;
      }
      this.setState(id, { status: 'running', outputs: [] });
      const result = await this.execute(cell, importValues, isParams);
      if ('error' in result) {
        ok = false;
        this.clearValues(id);
        this.setState(id, { status: 'error', key: '', outputs: result.outputs, error: result.error, ms: result.ms, cached: false });
      } else if (stop.aborted) {
        // Finished after Stop (a training cell returns its best weights so far): usable now,
        // but not what its source computes when left to run, so neither cached nor keyed.
        this.applyValues(id, result.values, key);
        this.setState(id, { status: 'done', key: '', outputs: result.outputs, ms: result.ms, cached: false });
      } else {
        this.applyValues(id, result.values, key);
        this.remember(key, { values: result.values, outputs: result.outputs, ms: result.ms, bytes: binaryBytes([result.values, result.outputs]) });
        this.setState(id, { status: 'done', key, outputs: result.outputs, ms: result.ms, cached: false });
      }
    }
    ok &&= run.ok;
    this.emit({ type: 'run-done', ok, ms: performance.now() - t0, parameters: { ...this.parameters } });
    return ok;
  }

  /**
   * Least-recently-used cache bounded by bytes, not entries: one CT run holds a 14 MB volume,
   * masks, a 12 MB mesh and a 34 MB STL, so a count limit says nothing about memory.
   */
  private remember(key: string, entry: CacheEntry): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    this.cacheBytes += entry.bytes;
    const budget = this.host.cacheBytes ?? DEFAULT_CACHE_BYTES;
    if (this.cacheBytes <= budget) return;
    // Entries a cell currently shows are held in scope anyway: evicting them frees nothing.
    const inUse = new Set([...this.states.values()].map((st) => st.key));
    inUse.add(key);
    for (const [k, e] of this.cache) {
      if (this.cacheBytes <= budget) break;
      if (inUse.has(k)) continue;
      this.cache.delete(k);
      this.cacheBytes -= e.bytes;
    }
  }

  /** Marks an entry as just used (LRU order is the Map's insertion order). */
  private touch(key: string, entry: CacheEntry): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
  }

  private applyValues(id: string, values: Readonly<Record<string, unknown>>, cellKey: string): void {
    for (const [name, v] of Object.entries(values)) {
      if (this.graph.definer.get(name) !== id) continue;
      this.scope.set(name, v);
      this.nameKeys.set(name, valueKey(cellKey, name, v));
    }
  }

  private clearValues(id: string): void {
    for (const [name, definer] of this.graph.definer) if (definer === id) {
      this.scope.delete(name);
      this.nameKeys.delete(name);
    }
  }

  private compiledFor(cell: Cell, outputs: readonly string[]): CompiledCell {
    const k = cell.source + '\u0000' + outputs.join(',');
    let c = this.compiled.get(k);
    if (!c) {
      c = compileCell(cell.source, outputs);
      this.compiled.set(k, c);
    }
    return c;
  }

  private async execute(
    cell: Cell,
    importValues: ReadonlyMap<string, unknown>,
    isParams: boolean,
  ): Promise<{ values: Record<string, unknown>; outputs: MimeBundle[]; ms: number } | { error: CellError; outputs: MimeBundle[]; ms: number }> {
    const syntax = this.syntax.get(cell.source)!;
    const outputsNames = syntax.defines.filter((n) => !n.startsWith('_'));
    const inputs = this.graph.inputs.get(cell.id) ?? [];
    const importNames = [...importValues.keys()]; // hoisted: every cell sees every import
    const compiled = this.compiledFor(cell, outputsNames);
    const outputs: MimeBundle[] = [];
    const frame = { value: undefined as unknown };
    const live = liveOutputs(() => this.emit({ type: 'cell-outputs', id: cell.id, outputs: [...outputs] }));
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
    const runInfo = () => this.runInfo();
    const params = ['__vb', 'display', 'runInfo', 'signal', ...inputs, ...importNames];
    const sourceUrl = `voxbook-cell-${cell.id}.js`;
    // `reportUncaught` fails the cell through this promise while its code is still running.
    let fail!: (error: unknown) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    this.running = { id: cell.id, fail };
    const t0 = performance.now();
    let ms = 0;
    try {
      const fn = new AsyncFunction(...params, `${compiled.body}\n//# sourceURL=${sourceUrl}`);
      const values = await Promise.race([fn(frame, display, runInfo, this.stopper.signal, ...inputs.map((n) => this.scope.get(n)), ...importNames.map((n) => importValues.get(n))), failed]);
      ms = performance.now() - t0;
      // The cell is finished when its code has returned and one task has passed: a promise
      // it rejected without awaiting is reported by then (Node reports unhandled rejections
      // after each task), and fails this cell rather than whichever runs next.
      await Promise.race([nextTask(), failed]);
      if (isParams) {
        applyOverrides(values, this.overrides);
        this.parameters = { ...values };
      }
      // `display(x)` as the last line shows x once, not x and then its handle.
      if (frame.value !== undefined && !isDisplayHandle(frame.value)) outputs.push(toMimeBundle(frame.value));
      return { values, outputs: [...outputs], ms };
    } catch (e) {
      return { error: describeError(e, sourceUrl, compiled), outputs: [...outputs], ms: ms || performance.now() - t0 };
    } finally {
      for (const u of unsubscribe) u();
      // The last state of a live view, as it was when the cell ended.
      live.stop();
      this.running = undefined;
    }
  }
}

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

/** What makes two opened notebooks the same: their cells and the parameter overrides (not formatting). */
function fingerprint(cells: readonly Cell[], overrides: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>): string {
  const entries = overrides instanceof Map ? [...overrides] : Object.entries(overrides);
  return JSON.stringify([cells.map((c) => [c.id, c.kind, c.source, c.metadata]), entries]);
}

/**
 * The cache identity of one output value. A primitive (a parameter, a threshold) is keyed by
 * its value, so editing one parameter in a cell that defines several re-runs only the cells
 * that read that one; anything else is keyed by the cell that made it and its name.
 */
function valueKey(cellKey: string, name: string, value: unknown): string {
  const t = typeof value;
  if (value === null || t === 'undefined' || t === 'boolean' || t === 'number' || (t === 'string' && (value as string).length <= 4096)) {
    return `value:${t}:${Object.is(value, -0) ? '-0' : String(value)}`;
  }
  return `cell:${cellKey}:${name}`;
}

/** Lines the AsyncFunction wrapper adds before the body (`async function anonymous(…\n) {\n`). */
const WRAPPER_LINES = 2;

/** How an uncaught error reached the kernel (see `Kernel.reportUncaught`). */
export type UncaughtKind = 'rejection' | 'exception';

/** An uncaught error attributed to a running cell: keeps the original value and says how it escaped. */
class UncaughtInCell {
  constructor(readonly error: unknown, readonly how: string) {}
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

/**
 * A thrown value as a cell error. Errors keep their name and message, and get the line in
 * the cell's source when their stack passes through `sourceUrl`. Anything else thrown
 * (`throw 42`, `throw {code: 1}`, `throw null`) is shown as what it is:
 * "Uncaught value (object): {"code":1}". Never throws.
 */
function describeError(thrown: unknown, sourceUrl?: string, compiled?: CompiledCell): CellError {
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
  if (sourceUrl && compiled) {
    const m = new RegExp(`${sourceUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):\\d+`).exec(stackText);
    if (m) line = compiled.sourceLine(Number(m[1]) - WRAPPER_LINES);
  }
  const stack = stackText.split('\n').filter((l) => !l.includes('kernel/runtime.ts')).slice(0, 8).join('\n');
  return { name, message: message + how, ...(line !== undefined ? { line } : {}), stack };
}
