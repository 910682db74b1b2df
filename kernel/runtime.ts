/**
 * The reactive kernel: session state and the scheduler (DESIGN.md §2). Invariants:
 * - requests are served one at a time (`enqueue`): a run never overlaps another, and at most
 *   one cell's code runs at any moment; only `interrupt` and `reportUncaught` act at once;
 * - `scope` and `nameKeys` hold exactly the names whose defining cell last finished (`done`)
 *   in this session; a cell that fails, is blocked or is withdrawn loses its names;
 * - a run visits cells in the graph's topological order (kernel/graph.ts): a cell runs only
 *   after all its parents are `done`, otherwise it is `blocked`; after Stop no further cell
 *   starts;
 * - a cell whose key (kernel/cache.ts) is unchanged since it finished keeps its values and is
 *   not re-sent; one whose key is cached takes the cached values; otherwise it runs
 *   (kernel/executor.ts) and, if it finished without Stop, its result is cached under the key;
 * - with a host store (kernel/store.ts) a cached result may come from an earlier process;
 *   the values of a result that read files are keyed by those files' hashes too (`resultKey`),
 *   a cell starts only once the cache writes of the cells before it have ended (so Stop, which
 *   may end the worker, loses no finished result), and `run-done` only once all have;
 * - the host is sent a cell's outputs only when they changed since it was last sent them;
 * - `restore` (kernel/restore.ts) takes what the cache holds and never runs a cell;
 * - lazy cells (kernel/lazy.ts) that a run reaches without being asked for are marked
 *   `stale`, keeping their values and outputs, and so is everything downstream of a stale
 *   cell; a stale cell whose key is back to its last one is `done` again;
 * - input values (kernel/inputs.ts) are part of their cell's key; input changes that arrive
 *   before their run starts join it (`setInput`): newest value wins, one run.
 * Its parts: kernel/imports.ts resolves import bindings, kernel/cache.ts keeps results,
 * kernel/executor.ts runs one cell, kernel/errors.ts turns thrown values into cell errors.
 */
import type { CellSyntax } from './analysis.ts';
import { binaryBytes, cellKey, DEFAULT_CACHE_BYTES, valueKey } from './cache.ts';
import { cellInStack, describeError, type UncaughtKind } from './errors.ts';
import { BUILTINS, Executor, loadCompiler, type CellResult } from './executor.ts';
import { buildGraph, type Graph } from './graph.ts';
import { hashString, sha256Hex } from './hash.ts';
import { importBindings, ImportResolver, importProblems, type ImportingCell } from './imports.ts';
import { type Cell, cellTags } from './notebook/cell.ts';
import { parsePercent } from './notebook/percent.ts';
import { applyOverrides, ParameterOverrideError } from './parameters.ts';
import type { CellAnalysis, CellError, CellStatus, KernelMessage, MimeBundle } from './protocol.ts';
import { restoreFromCache, type Restorer } from './restore.ts';
import { PersistentCache, resultKey, type ResultStore } from './store.ts';
import { DECLARED_INPUTS, InputValues, mentionsName } from './inputs.ts';
import { LAZY_TAG, notebookIsLazy, planRun, type RunPlan } from './lazy.ts';

export type { DisplayHandle } from './executor.ts';

/** Bump when kernel/analysis.ts's `CellSyntax` changes: persisted analyses of the old kind are then ignored. */
const ANALYSIS_FORMAT = 1;
export type { UncaughtKind } from './errors.ts';

/** What the environment gives the kernel: module loading and version facts. */
export interface KernelHost {
  /** Resolves an import specifier from a cell ('voxbook', 'node:fs', …) to its module namespace. */
  importModule(specifier: string): Promise<Record<string, unknown>>;
  /** Library versions recorded in provenance (and mixed into cache keys). */
  readonly versions?: Readonly<Record<string, string>>;
  /** Memory budget of the result cache, bytes of typed arrays (default 1 GiB). */
  readonly cacheBytes?: number;
  /** Where results outlive the process (kernel/node/store.ts in Node); none: memory only. */
  readonly store?: ResultStore;
  /** Debug log (why a result was not persisted or not reused); silent by default. */
  readonly debug?: (text: string) => void;
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
  /** The identity of its result (`resultKey`), '' when it has none. */
  resultKey?: string;
}

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
  private graph: Graph = buildGraph([]);
  private states = new Map<string, CellState>();
  /** name → value, for names whose defining cell last ran successfully. */
  private scope = new Map<string, unknown>();
  /** name → the key its value is cached under (see `valueKey`); cells' keys are built from these. */
  private nameKeys = new Map<string, string>();
  /** Cells whose current outputs the host has been sent. */
  private sentOutputs = new Set<string>();
  private openedWith = '';
  private readonly cache: PersistentCache;
  private parameters: Record<string, unknown> = {};
  /** Parameter overrides by own name (a Map, so `constructor` or `__proto__` are names like any other). */
  private overrides = new Map<string, unknown>();
  private notebookSha256 = '';
  private startedAt = new Date().toISOString();
  private importErrors = new Map<string, string[]>();
  private readonly imports: ImportResolver;
  private readonly executor = new Executor();
  private queue: Promise<unknown> = Promise.resolve();
  /** Fired by `interrupt()`: the `signal` builtin of the cells of the current run. */
  private stopper = new AbortController();
  /** Values of the notebook's inputs (kernel/inputs.ts). */
  private readonly inputs = new InputValues();
  /** The run that input changes are waiting for, while it has not started; and the cells they touched. */
  private inputRun: Promise<boolean> | undefined;
  private readonly inputCells = new Set<string>();
  /** Whether every cell is lazy (the notebook header's `jupyter.voxbook.lazy`). */
  private lazyNotebook = false;
  /** Set while `runCells` is in progress; an uncaught error from a finished cell clears `ok`. */
  private activeRun: { ok: boolean } | undefined;

  constructor(private readonly host: KernelHost, private readonly emit: (m: KernelMessage) => void) {
    this.cache = new PersistentCache(host.cacheBytes ?? DEFAULT_CACHE_BYTES, host.store, host.debug);
    this.imports = new ImportResolver((specifier) => host.importModule(specifier));
  }

  /** Serialises requests: a run never overlaps another. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Opens `text` with parameter `overrides` and, for a notebook not open already, the input
   * values `inputs` (set in the app before: a fresh kernel after Stop keeps them).
   */
  open(text: string, overrides: Readonly<Record<string, unknown>> = {}, inputs: ReadonlyArray<{ readonly id: string; readonly name: string; readonly value: unknown }> = []): Promise<void> {
    return this.enqueue(async () => {
      // Re-opening the same text with the same overrides (the app's "Run all") keeps every
      // cell's state, so unchanged cells are neither recomputed nor re-sent.
      const nb = parsePercent(text);
      this.lazyNotebook = notebookIsLazy(nb.preamble);
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
      this.inputs.clear();
      for (const { id, name, value } of inputs) this.inputs.setValue(id, name, value);
      await this.analyseSources();
      this.reanalyze();
    });
  }

  edit(id: string, source: string): Promise<void> {
    return this.enqueue(async () => {
      const i = this.cells.findIndex((c) => c.id === id);
      if (i < 0) throw new Error(`no cell with id "${id}"`);
      this.cells[i] = { ...this.cells[i]!, source };
      this.openedWith = fingerprint(this.cells, this.overrides);
      await this.analyseSources();
      this.reanalyze();
      await this.runCells([id]);
    });
  }

  /** Runs all cells (unchanged ones come from the cache) or `ids` and their descendants. */
  run(ids?: readonly string[]): Promise<boolean> {
    return this.enqueue(() => this.runCells(ids));
  }

  /**
   * Shows what the cache holds without running anything (a reopened page): cell by cell in
   * graph order, a cell whose parents are all `done` and whose key is cached takes the cached
   * values and outputs (`done`, `cached`); any other cell — a miss, a structural error, a
   * parent not restored — and its descendants stay as they are (`idle` in a fresh kernel).
   * Never executes a cell nor resolves an import. Ends with `restore-done`; resolves to the
   * number of cells restored.
   */
  restore(): Promise<number> {
    return this.enqueue(() => restoreFromCache(this.restorer()));
  }

  /**
   * Sets input `name` of cell `id` (the app moved its widget) and re-runs that cell and its
   * descendants (lazy ones become stale). Changes that arrive before that run starts join it,
   * so a dragged slider costs one run for the newest value, not one per position.
   */
  setInput(id: string, name: string, value: unknown): Promise<boolean> {
    this.inputs.setValue(id, name, value);
    this.inputCells.add(id);
    return (this.inputRun ??= this.enqueue(() => {
      this.inputRun = undefined;
      const ids = [...this.inputCells].filter((c) => this.cells.some((x) => x.id === c));
      this.inputCells.clear();
      return this.runCells(ids, { keepOutputs: true });
    }));
  }

  /** Whether `cell` is lazy: tagged `lazy`, or every cell of a lazy notebook. */
  private isLazy(cell: Cell): boolean {
    return this.lazyNotebook || cellTags(cell).includes(LAZY_TAG);
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
    const id = cellInStack(error, new Set(this.cells.map((c) => c.id))) ?? this.executor.runningId;
    const how = kind === 'rejection' ? 'an unhandled promise rejection' : 'an uncaught exception in a callback';
    if (id !== undefined && this.executor.runningId === id) {
      this.executor.failRunning(error, how);
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
    if (st?.key) this.cache.delete(st.key);
    this.clearValues(cell.id);
    this.setState(cell.id, { status: 'error', key: '', error: { ...e, message }, cached: false });
  }

  /** `error` as shown under `cell`, with the line in the cell's source when its stack has one. */
  private cellError(cell: Cell, error: unknown): CellError {
    const syntax = this.syntax.get(cell.source);
    if (!syntax) return describeError(error);
    return this.executor.describe(cell.id, cell.source, syntax.defines.filter((n) => !n.startsWith('_')), error);
  }

  get notebookCells(): readonly Cell[] {
    return this.cells;
  }

  /**
   * Analyses every code cell not analysed yet: from the store when it has the analysis (so a
   * run served from the cache never loads the TypeScript compiler), else with
   * kernel/analysis.ts, storing the result.
   */
  private async analyseSources(): Promise<void> {
    const missing = [...new Set(this.cells.filter((c) => c.kind === 'code').map((c) => c.source))].filter((s) => !this.syntax.has(s));
    if (missing.length === 0) return;
    const keyOf = (s: string) => `syntax-${hashString(JSON.stringify([ANALYSIS_FORMAT, s, this.host.versions ?? {}]))}`;
    const stored = this.host.store ? await Promise.all(missing.map((s) => this.cache.loadStored(keyOf(s)))) : [];
    const toAnalyse: string[] = [];
    missing.forEach((s, i) => {
      const syntax = stored[i]?.values.syntax as CellSyntax | undefined;
      if (syntax && Array.isArray(syntax.defines) && syntax.references instanceof Set && Array.isArray(syntax.imports) && Array.isArray(syntax.diagnostics)) this.syntax.set(s, syntax);
      else toAnalyse.push(s);
    });
    if (toAnalyse.length === 0) return;
    const { analyzeCell } = await loadCompiler();
    for (const s of toAnalyse) {
      const syntax = analyzeCell(s);
      this.syntax.set(s, syntax);
      if (this.host.store) this.cache.saveStored(keyOf(s), { values: { syntax }, outputs: [], ms: 0, files: [] });
    }
  }

  /** Rebuilds the graph from `syntax`, which `analyseSources` has filled for every code cell. */
  private reanalyze(): void {
    const code = this.cells.filter((c) => c.kind === 'code');
    this.graph = buildGraph(code.map((c) => {
      const s = this.syntax.get(c.source)!;
      return { id: c.id, defines: s.defines, references: s.references };
    }));
    this.importErrors = importProblems(this.importingCells(), BUILTINS);
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

  private importingCells(): ImportingCell[] {
    return this.cells.filter((c) => c.kind === 'code').map((c) => {
      const s = this.syntax.get(c.source)!;
      return { id: c.id, imports: s.imports, defines: s.defines };
    });
  }

  private setState(id: string, patch: Partial<CellState>): void {
    const prev = this.states.get(id) ?? { status: 'idle' as CellStatus, key: '', outputs: [], ms: 0, cached: false };
    const next = { ...prev, ...patch };
    if (patch.status && patch.status !== 'error' && !('error' in patch)) delete next.error;
    this.states.set(id, next);
    // Outputs travel only when they changed: a mesh and its STL are tens of MB to clone.
    const outputsChanged = !this.sentOutputs.has(id) || next.outputs !== prev.outputs;
    this.sentOutputs.add(id);
    const identity = this.host.store && next.status === 'done' && next.resultKey ? { resultKey: next.resultKey } : {};
    this.emit({ type: 'cell', id, status: next.status, ...(outputsChanged ? { outputs: next.outputs } : {}), ...(next.error ? { error: next.error } : {}), ms: next.ms, cached: next.cached, ...identity });
  }

  /** A cell's cache key from its source and the keys of the values it reads now (kernel/cache.ts). */
  private keyOf(cell: Cell, isParams: boolean): string {
    // Input values set in the app, and overrides the source names as a string literal (kernel/inputs.ts).
    const inputPart = this.inputs.keyPart(cell.id, cell.source, this.overrides);
    return cellKey({
      source: cell.source,
      inputs: (this.graph.inputs.get(cell.id) ?? []).map((n) => [n, this.nameKeys.get(n) ?? ''] as const),
      overrides: isParams ? [...this.overrides, ...inputPart] : inputPart.length > 0 ? inputPart : null,
      versions: this.host.versions ?? {},
      ...(this.syntax.get(cell.source)?.references.has('runInfo') ? { runFacts: JSON.stringify([this.notebookSha256, this.parameters]) } : {}),
    });
  }

  /** What kernel/restore.ts needs of this kernel: its cells in graph order, keys, the cache, and state changes. */
  private restorer(): Restorer {
    const byId = new Map(this.cells.filter((c) => c.kind === 'code').map((c) => [c.id, c]));
    return {
      order: this.graph.order,
      parents: (id) => this.graph.parents.get(id) ?? [],
      status: (id) => this.states.get(id)?.status ?? 'idle',
      runnable: (id) => byId.has(id) && this.problems(byId.get(id)!).length === 0,
      key: (id) => {
        const cell = byId.get(id)!;
        const key = this.keyOf(cell, cellTags(cell).includes('parameters'));
        const st = this.states.get(id);
        return { key, current: st?.status === 'done' && st.key === key };
      },
      lookup: (key) => this.cache.lookup(key, (e) => binaryBytes([e.values, e.outputs])),
      apply: (id, key, hit) => {
        const identity = resultKey(key, hit.files ?? []);
        const declared = hit.values[DECLARED_INPUTS];
        if (Array.isArray(declared)) this.inputs.declaredFromCache(id, declared.filter((n): n is string => typeof n === 'string'), this.overrides);
        this.applyValues(id, hit.values, identity);
        if (cellTags(byId.get(id)!).includes('parameters')) {
          const { [DECLARED_INPUTS]: _declared, ...parameters } = hit.values;
          this.parameters = parameters;
        }
        this.setState(id, { status: 'done', key, outputs: hit.outputs, ms: hit.ms, cached: true, resultKey: identity });
      },
      emit: this.emit,
    };
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

  /**
   * With `keepOutputs` (a run for an input change) a cell keeps showing its last outputs while
   * it runs, until its new ones replace them: a preview redrawn as a slider moves keeps its
   * 3D view (and WebGL context) instead of losing it for the few ms the cell runs.
   */
  private async runCells(ids?: readonly string[], options: { readonly keepOutputs?: boolean } = {}): Promise<boolean> {
    const t0 = performance.now();
    this.startedAt = new Date().toISOString();
    const code = this.cells.filter((c) => c.kind === 'code');
    const byId = new Map(code.map((c) => [c.id, c]));
    const plan = planRun(this.graph, code.map((c) => c.id), ids, (id) => this.states.get(id)?.status === 'stale');
    const run = { ok: true };
    this.inputs.startRun();
    this.activeRun = run;
    this.stopper = new AbortController();
    try {
      return await this.runTargets(code, byId, plan, run, t0, options.keepOutputs ?? false);
    } finally {
      this.activeRun = undefined;
    }
  }

  /** The body of `runCells`; `run.ok` may also be cleared from outside by `reportUncaught`. */
  private async runTargets(code: readonly Cell[], byId: ReadonlyMap<string, Cell>, plan: RunPlan, run: { ok: boolean }, t0: number, keepOutputs: boolean): Promise<boolean> {
    let ok = true;
    const { targets } = plan;
    const namedByInputs = (name: string) => code.some((c) => mentionsName(c.source, name));
    if (this.overrides.size > 0 && !code.some((c) => cellTags(c).includes('parameters')) && ![...this.overrides.keys()].every(namedByInputs)) {
      const names = [...this.overrides.keys()].join(', ');
      this.emit({ type: 'log', level: 'error', text: `${new ParameterOverrideError(`parameters given (${names}) but no cell is tagged "parameters"; tag the cell that holds the defaults: // %% tags=["parameters"]`).message}` });
      this.emit({ type: 'run-done', ok: false, ms: performance.now() - t0 });
      return false;
    }
    // Imports are resolved before the first cell that has to run. With a persistent store that
    // may be never: a run served wholly from the cache does not load the libraries (which
    // takes longer than reading the cache). Without one, at once, so import failures are
    // reported up front.
    let resolved: { values: ReadonlyMap<string, unknown>; failures: ReadonlyMap<string, string> } | undefined;
    const resolveImports = async () => (resolved ??= await this.imports.resolve(importBindings(this.importingCells())));
    const importFailures = this.host.store ? new Map<string, string>() : (await resolveImports()).failures;
    const importProblemsOf = (c: Cell, failures: ReadonlyMap<string, string>): CellError[] => {
      const syntax = this.syntax.get(c.source)!;
      const found: CellError[] = [];
      for (const [local, message] of failures) {
        if (syntax.references.has(local) || syntax.imports.some((b) => b.local === local)) found.push({ name: 'ImportError', message });
      }
      return found;
    };
    // Cells with structural errors never run; everything downstream of them is blocked.
    const inOrder = new Set(this.graph.order);
    const broken = new Set<string>();
    // Which cells were stale before this run queued them.
    const wasStale = new Set(code.filter((c) => this.states.get(c.id)?.status === 'stale').map((c) => c.id));
    for (const c of code) {
      if (!targets.has(c.id)) continue;
      const problems = [...this.problems(c), ...importProblemsOf(c, importFailures)];
      if (problems.length > 0) {
        ok = false;
        broken.add(c.id);
        this.clearValues(c.id);
        this.setState(c.id, { status: 'error', outputs: [], error: problems[0]!, ms: 0, cached: false });
      } else if (!inOrder.has(c.id)) {
        ok = false;
        this.clearValues(c.id);
        this.setState(c.id, { status: 'blocked', outputs: [], error: { name: 'Blocked', message: 'an upstream cell cannot run (see the errors above)' }, ms: 0, cached: false });
      } else if (!keepOutputs) this.setState(c.id, { status: 'queued' });
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
      if (parents.some((p) => this.states.get(p)?.status === 'stale')) {
        // Downstream of a stale cell: computing now would mix old and new values.
        this.markStale(id);
        continue;
      }
      if (failed !== undefined) {
        ok = false;
        this.clearValues(id);
        this.setState(id, { status: 'blocked', outputs: [], error: { name: 'Blocked', message: `waits for cell "${failed}", which did not finish` }, ms: 0, cached: false });
        continue;
      }
      const isParams = cellTags(cell).includes('parameters');
      const key = this.keyOf(cell, isParams);
      const before = this.states.get(id);
      if (before?.key === key && (before.status === 'done' || wasStale.has(id))) {
        // Unchanged since its last run in this session: its values are still in scope.
        this.cache.get(key); // marks it as just used
        this.inputs.declaredFromCache(id, this.inputs.namesOf(id), this.overrides);
        // (In an input run nothing was queued: a cell already done needs no news.)
        if (before.status !== 'done') this.setState(id, { status: 'done' });
        continue;
      }
      if (plan.lazyApplies && !plan.wanted.has(id) && this.isLazy(cell)) {
        // Lazy and not asked for: keeps its last values and outputs until run on demand.
        this.markStale(id);
        continue;
      }
      const hit = await this.cache.lookup(key, (e) => binaryBytes([e.values, e.outputs]));
      if (hit) {
        const identity = resultKey(key, hit.files ?? []);
        const declared = hit.values[DECLARED_INPUTS];
        if (Array.isArray(declared)) this.inputs.declaredFromCache(id, declared.filter((n): n is string => typeof n === 'string'), this.overrides);
        this.applyValues(id, hit.values, identity);
        if (isParams) {
          const { [DECLARED_INPUTS]: _declared, ...parameters } = hit.values;
          this.parameters = parameters;
        }
        this.setState(id, { status: 'done', key, outputs: hit.outputs, ms: hit.ms, cached: true, resultKey: identity });
        continue;
      }
      const { values: importValues, failures } = await resolveImports();
      const importError = importProblemsOf(cell, failures)[0];
      if (importError) {
        ok = false;
        this.clearValues(id);
        this.setState(id, { status: 'error', outputs: [], error: importError, ms: 0, cached: false });
        continue;
      }
      // Results of the cells before this one reach the store first: a cell that never yields
      // (`while (true) {}`) would hold their writes back until Stop ends the worker and loses them.
      await this.cache.flush();
      this.setState(id, keepOutputs ? { status: 'running' } : { status: 'running', outputs: [] });
      const result = await this.execute(cell, importValues, isParams, stop);
      if ('error' in result) {
        ok = false;
        this.clearValues(id);
        this.setState(id, { status: 'error', key: '', outputs: result.outputs, error: result.error, ms: result.ms, cached: false });
      } else if (stop.aborted) {
        // Finished after Stop (a training cell returns its best weights so far): usable now,
        // but not what its source computes when left to run, so neither cached nor keyed.
        this.applyValues(id, result.values, key);
        this.setState(id, { status: 'done', key: '', outputs: result.outputs, ms: result.ms, cached: false, resultKey: '' });
      } else {
        if (result.inputs.length > 0) result.values[DECLARED_INPUTS] = result.inputs;
        const files = this.cache.stamp(result.reads);
        const identity = resultKey(key, files);
        this.applyValues(id, result.values, identity);
        // Entries a cell currently shows are held in scope anyway: evicting them frees nothing.
        this.cache.set(key, { values: result.values, outputs: result.outputs, ms: result.ms, bytes: binaryBytes([result.values, result.outputs]), files }, () => [...this.states.values()].map((st) => st.key), id);
        this.setState(id, { status: 'done', key, outputs: result.outputs, ms: result.ms, cached: false, resultKey: identity });
      }
    }
    ok &&= run.ok;
    if (ok && !plan.lazyApplies) {
      const unused = this.inputs.unusedOverrides(this.overrides, Object.keys(this.parameters));
      if (unused) {
        ok = false;
        this.emit({ type: 'log', level: 'error', text: unused.message });
      }
    }
    await this.cache.flush();
    this.emit({ type: 'run-done', ok, ms: performance.now() - t0, parameters: { ...this.parameters } });
    return ok;
  }

  /** Marks a cell stale, keeping its values and outputs; a cell stale already is not re-announced. */
  private markStale(id: string): void {
    if (this.states.get(id)?.status !== 'stale') this.setState(id, { status: 'stale' });
  }

  private applyValues(id: string, values: Readonly<Record<string, unknown>>, key: string): void {
    for (const [name, v] of Object.entries(values)) {
      if (this.graph.definer.get(name) !== id) continue;
      this.scope.set(name, v);
      this.nameKeys.set(name, valueKey(key, name, v));
    }
  }

  private clearValues(id: string): void {
    for (const [name, definer] of this.graph.definer) if (definer === id) {
      this.scope.delete(name);
      this.nameKeys.delete(name);
    }
  }

  /** Runs one cell with its inputs from scope; the parameters cell gets the overrides applied. */
  private execute(cell: Cell, importValues: ReadonlyMap<string, unknown>, isParams: boolean, signal: AbortSignal): Promise<CellResult> {
    const inputs = this.graph.inputs.get(cell.id) ?? [];
    this.inputs.forgetCell(cell.id);
    return this.executor.execute({
      id: cell.id,
      source: cell.source,
      outputs: this.syntax.get(cell.source)!.defines.filter((n) => !n.startsWith('_')),
      inputs,
      inputValues: inputs.map((n) => this.scope.get(n)),
      imports: importValues,
      signal,
      runInfo: () => this.runInfo(),
      liveOutputs: (outputs) => this.emit({ type: 'cell-outputs', id: cell.id, outputs }),
      progress: ({ label, fraction }) => this.emit({ type: 'progress', id: cell.id, label, fraction }),
      inputHook: (display, declared) => this.inputs.hook(cell.id, this.overrides, display, declared),
      ...(isParams ? {
        finish: (values: Record<string, unknown>) => {
          // Overrides of inputs (declared already, or named as a string literal in a cell) are
          // the inputs' to use; the rest must be this cell's parameters.
          const code = this.cells.filter((c) => c.kind === 'code');
          const mine = new Map([...this.overrides].filter(([n]) => Object.hasOwn(values, n) || !(this.inputs.names.includes(n) || code.some((c) => mentionsName(c.source, n)))));
          applyOverrides(values, mine);
          this.parameters = { ...values };
        },
      } : {}),
    });
  }
}

/** What makes two opened notebooks the same: their cells and the parameter overrides (not formatting). */
function fingerprint(cells: readonly Cell[], overrides: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>): string {
  const entries = overrides instanceof Map ? [...overrides] : Object.entries(overrides);
  return JSON.stringify([cells.map((c) => [c.id, c.kind, c.source, c.metadata]), entries]);
}
