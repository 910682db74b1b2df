/**
 * What the app knows about the open notebook: its cells (source, as parsed from the
 * percent-format text) and, per code cell, the latest news from the kernel (status,
 * outputs, error, analysis). Pure functions from state and message to new state; the
 * view only reads it.
 */
import type { CellError, CellStatus, KernelMessage, MimeBundle } from '../kernel/protocol.ts';
import { cellTags, type Cell } from '../kernel/notebook/cell.ts';
import { parsePercent, serializePercent } from '../kernel/notebook/percent.ts';

export interface CellState {
  /** The kernel's id for the cell (`id=` metadata, else `cell-N`). */
  readonly id: string;
  /** Raw cells (nbformat's) are shown as plain text and never run. */
  readonly kind: Cell['kind'];
  readonly title?: string;
  readonly tags: readonly string[];
  /** Jupytext metadata from the marker line, kept so the notebook can be written back. */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly source: string;
  readonly status: CellStatus;
  readonly outputs: readonly MimeBundle[];
  readonly error?: CellError;
  /** Wall time of the last run in ms; 0 when served from the cache. */
  readonly ms?: number;
  readonly cached?: boolean;
  /** From the kernel's analysis: the names the cell defines and the names it reads. */
  readonly defines: readonly string[];
  readonly uses: readonly string[];
  /** Problems the analysis found (duplicate definitions, cycles, syntax errors). */
  readonly problems: readonly CellError[];
}

export type RunPhase = 'idle' | 'running' | 'done' | 'failed';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly text: string;
}

export interface NotebookState {
  readonly cells: readonly CellState[];
  readonly phase: RunPhase;
  /** Wall time of the last completed run, ms. */
  readonly lastRunMs?: number;
  readonly log: readonly LogEntry[];
  /** Text before the first cell marker, kept verbatim. */
  readonly preamble: string;
  /** Set when the notebook text could not be parsed; `cells` is then empty. */
  readonly loadError?: string;
}

const LOG_LIMIT = 200;

/** The state of a freshly opened notebook: every cell idle, nothing analysed yet. */
export function stateFromText(text: string): NotebookState {
  try {
    const nb = parsePercent(text);
    const cells = nb.cells.map((cell): CellState => ({
      id: cell.id,
      kind: cell.kind,
      ...(cell.title ? { title: cell.title } : {}),
      tags: cellTags(cell),
      metadata: cell.metadata,
      source: cell.source,
      status: 'idle',
      outputs: [],
      defines: [],
      uses: [],
      problems: [],
    }));
    return { cells, phase: 'idle', log: [], preamble: nb.preamble };
  } catch (err) {
    return { cells: [], phase: 'idle', log: [], preamble: '', loadError: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The notebook as percent-format text, with the cells' current sources — or, for the cells
 * in `drafts` (id → text), the text in their editors.
 */
export function notebookText(state: NotebookState, drafts: ReadonlyMap<string, string> = new Map()): string {
  return serializePercent({
    preamble: state.preamble,
    cells: state.cells.map((c) => ({
      id: c.id,
      kind: c.kind,
      source: drafts.get(c.id) ?? c.source,
      metadata: c.metadata,
      ...(c.title ? { title: c.title } : {}),
    })),
  });
}

/**
 * The user asked for a run: the notebook is busy until the kernel says `run-done`. With
 * `queueAll` (Run all) every code cell shows as queued until the kernel reports on it.
 */
export function withRunRequested(state: NotebookState, queueAll = false): NotebookState {
  const cells = queueAll ? state.cells.map((c): CellState => (c.kind === 'code' ? { ...c, status: 'queued' } : c)) : state.cells;
  return { ...state, cells, phase: 'running' };
}

/**
 * The kernel was interrupted: the running cell failed with `Interrupted`, queued cells
 * never ran, and nothing is running any more.
 */
export function withInterrupted(state: NotebookState): NotebookState {
  const cells = state.cells.map((c): CellState => {
    if (c.status === 'running') {
      return { ...c, status: 'error', error: { name: 'Interrupted', message: 'the kernel was stopped while this cell ran' } };
    }
    return c.status === 'queued' ? { ...c, status: 'idle' } : c;
  });
  return { ...state, cells, phase: 'failed' };
}

/** The user changed a cell's source in the editor. */
export function withSource(state: NotebookState, id: string, source: string): NotebookState {
  return { ...state, cells: state.cells.map((c) => (c.id === id ? { ...c, source } : c)) };
}

/** Applies one kernel message. Messages about unknown cells are logged, not dropped silently. */
export function applyKernelMessage(state: NotebookState, message: KernelMessage): NotebookState {
  switch (message.type) {
    case 'analysis': {
      const cells = matchAnalysisIds(state.cells, message.cells.map((a) => a.id));
      const byId = new Map(message.cells.map((a) => [a.id, a]));
      return {
        ...state,
        cells: cells.map((c) => {
          const a = byId.get(c.id);
          return a ? { ...c, defines: a.defines, uses: a.uses, problems: a.errors } : c;
        }),
      };
    }
    case 'cell': {
      if (!state.cells.some((c) => c.id === message.id)) {
        return withLog(state, { level: 'warn', text: `kernel reported on unknown cell "${message.id}"` });
      }
      return {
        ...state,
        cells: state.cells.map((c) => {
          if (c.id !== message.id) return c;
          const { error: _e, ms: _m, cached: _c, ...rest } = c;
          return {
            ...rest,
            status: message.status,
            outputs: message.outputs ?? c.outputs,
            ...(message.error ? { error: message.error } : {}),
            ...(message.ms !== undefined ? { ms: message.ms } : {}),
            ...(message.cached !== undefined ? { cached: message.cached } : {}),
          };
        }),
      };
    }
    case 'cell-outputs':
      // A running cell's displays so far (a training plot growing): shown at once.
      return state.cells.some((c) => c.id === message.id)
        ? { ...state, cells: state.cells.map((c) => (c.id === message.id ? { ...c, outputs: message.outputs } : c)) }
        : state;
    case 'run-done': {
      // Cells still queued were not run after all (the run failed before reaching them).
      const cells = state.cells.map((c): CellState => (c.status === 'queued' ? { ...c, status: 'idle' } : c));
      return { ...state, cells, phase: message.ok ? 'done' : 'failed', lastRunMs: message.ms };
    }
    case 'restore-done':
      // The cells it restored came as `cell` messages; the phase is the user's (nothing ran).
      return message.restored > 0
        ? withLog(state, { level: 'info', text: `restored ${message.restored} of ${message.cells} cells from the cache in ${Math.round(message.ms)} ms; nothing ran` })
        : state;
    case 'log':
      return withLog(state, { level: message.level, text: message.text });
  }
}

function withLog(state: NotebookState, entry: LogEntry): NotebookState {
  const log = [...state.log, entry];
  return { ...state, log: log.length > LOG_LIMIT ? log.slice(log.length - LOG_LIMIT) : log };
}

/**
 * The kernel's analysis names code cells by its own ids. They are normally the ids the app
 * parsed from the same text; if they are not (the kernel numbered cells differently), the
 * analysis lists code cells in document order, so adopt its ids by position.
 */
function matchAnalysisIds(cells: readonly CellState[], kernelIds: readonly string[]): readonly CellState[] {
  const known = new Set(cells.map((c) => c.id));
  if (kernelIds.every((id) => known.has(id))) return cells;
  const codeCount = cells.filter((c) => c.kind === 'code').length;
  if (codeCount !== kernelIds.length) return cells;
  let next = 0;
  return cells.map((c) => (c.kind === 'code' ? { ...c, id: kernelIds[next++]! } : c));
}

/**
 * The failed cells upstream of `id` (those in `error`), nearest first: what a `blocked`
 * cell waits on. Upstream means: cells defining a name `id` uses, transitively.
 */
export function failedAncestors(state: NotebookState, id: string): readonly CellState[] {
  const definer = new Map<string, CellState>();
  for (const c of state.cells) for (const name of c.defines) definer.set(name, c);
  const byId = new Map(state.cells.map((c) => [c.id, c]));
  const seen = new Set<string>([id]);
  const failed: CellState[] = [];
  let frontier = [byId.get(id)].filter((c): c is CellState => c !== undefined);
  while (frontier.length > 0) {
    const next: CellState[] = [];
    for (const cell of frontier) {
      for (const name of cell.uses) {
        const parent = definer.get(name);
        if (!parent || seen.has(parent.id)) continue;
        seen.add(parent.id);
        if (parent.status === 'error') failed.push(parent);
        next.push(parent);
      }
    }
    frontier = next;
  }
  return failed;
}

/** Whether a cell's id was written in the notebook (`id="load"`) rather than generated (`cell-3`). */
export function hasExplicitId(cell: Pick<CellState, 'id'>): boolean {
  return !/^cell-\d+$/.test(cell.id);
}

/**
 * Code cells' numbers, 1-based, in document order (markdown cells have none), as shown in
 * the gutter — like Jupyter's prompts, but fixed by position rather than by run order.
 */
export function codeNumbers(state: NotebookState): ReadonlyMap<string, number> {
  const numbers = new Map<string, number>();
  for (const c of state.cells) if (c.kind === 'code') numbers.set(c.id, numbers.size + 1);
  return numbers;
}

/**
 * A short human name for a cell: its title, else its explicit id, else its number
 * (`cell 4`, the fourth code cell; markdown cells, which have no number, by position).
 */
export function cellLabel(state: NotebookState, id: string): string {
  const index = state.cells.findIndex((c) => c.id === id);
  if (index < 0) return id;
  const cell = state.cells[index]!;
  return cell.title ?? (hasExplicitId(cell) ? cell.id : `cell ${codeNumbers(state).get(id) ?? index + 1}`);
}

export interface RunSummary {
  readonly code: number;
  readonly byStatus: Readonly<Record<CellStatus, number>>;
}

/** Counts code cells per status, for the toolbar. */
export function summarize(state: NotebookState): RunSummary {
  const byStatus: Record<CellStatus, number> = { idle: 0, queued: 0, running: 0, done: 0, error: 0, blocked: 0, stale: 0 };
  let code = 0;
  for (const c of state.cells) {
    if (c.kind !== 'code') continue;
    code++;
    byStatus[c.status]++;
  }
  return { code, byStatus };
}
