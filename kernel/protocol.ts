/**
 * The messages between a kernel host (the app's main thread, or the CLI) and the kernel
 * running in a worker (a Web Worker in the browser, worker_threads in Node). The same
 * shapes travel by structured clone in both, so typed arrays pass without copies.
 */

/** MIME types the kernel and the app agree on (DESIGN.md §2). */
export const MIME = {
  text: 'text/plain',
  markdown: 'text/markdown',
  html: 'text/html',
  png: 'image/png',
  svg: 'image/svg+xml',
  json: 'application/json',
  /** `TableData` */
  table: 'application/vnd.voxbook.table+json',
  /** `MeshData` */
  mesh: 'application/vnd.voxbook.mesh+json',
  /** A volume rendering: `VolumeViewData` (cells/viz/volume-view.ts). */
  volume: 'application/vnd.voxbook.volume+json',
  /** Three linked orthogonal planes with overlays: `PlanesViewData` (cells/viz/planes.ts). */
  planes: 'application/vnd.voxbook.planes+json',
  /** `MeshSceneData`: several meshes in one view, or the pyramid four-view */
  meshes: 'application/vnd.voxbook.meshes+json',
  /** `FileData`: an artefact; headless runs write it into --out, the app offers a download. */
  file: 'application/vnd.voxbook.file+json',
  /** An input widget (cells/viz/inputs.ts): moving it sends an `input` message. */
  input: 'application/vnd.voxbook.input+json',
} as const;

/**
 * A display bundle, as Jupyter's display_data: one representation per MIME type, richest
 * first for the renderer to choose. `image/png` is base64 text, as in nbformat.
 */
export interface MimeBundle {
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface TableData {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>;
  readonly caption?: string;
}

/** A mesh for a 3D view: world mm (LPS), counter-clockwise outward triangles. */
export interface MeshData {
  readonly positions: Float32Array;
  readonly indices: Uint32Array;
  readonly triangles: number;
  /** sRGB 0..255 */
  readonly color?: readonly [number, number, number];
  readonly name?: string;
  /** Per-vertex sRGB 0..255, 3 bytes per vertex; when present the view colours vertices with it instead of `color`. */
  readonly colors?: Uint8Array;
}

/** One part of a `MeshSceneData`: a mesh with its name, colour (sRGB 0..255) and opacity (0..1). */
export interface MeshPartData extends MeshData {
  readonly name: string;
  readonly color: readonly [number, number, number];
  readonly opacity: number;
}

/** Several meshes in one 3D view (`layout: 'view'`) or four renders for a pyramid display (`'four'`). */
export interface MeshSceneData {
  readonly name: string;
  readonly layout: 'view' | 'four';
  readonly parts: readonly MeshPartData[];
}

export interface FileData {
  readonly name: string;
  readonly mime: string;
  readonly bytes: Uint8Array;
}

/** The shortest time between two `cell-outputs` messages of one running cell, ms. */
export const LIVE_OUTPUT_INTERVAL_MS = 200;

/** Where a cell is in its life. `stale`: an input changed in lazy mode; `blocked`: an ancestor failed. */
export type CellStatus = 'idle' | 'queued' | 'running' | 'done' | 'error' | 'blocked' | 'stale';

/** A cell's error as shown under it. `line` is 1-based within the cell's source. */
export interface CellError {
  readonly name: string;
  readonly message: string;
  readonly line?: number;
  readonly stack?: string;
}

/** What the analysis found in one code cell. */
export interface CellAnalysis {
  readonly id: string;
  readonly defines: readonly string[];
  readonly uses: readonly string[];
  /** Problems that stop the cell from running: duplicate definitions, cycles, syntax errors. */
  readonly errors: readonly CellError[];
}

// --- host → kernel -------------------------------------------------------------

export type HostMessage =
  /** Load a notebook (percent-format text) with parameter overrides. Replaces any open one. */
  | {
      readonly type: 'open';
      readonly text: string;
      readonly parameters?: Readonly<Record<string, unknown>>;
      /** Input values set in the app before (a fresh kernel after Stop keeps the user's slider positions). */
      readonly inputs?: ReadonlyArray<{ readonly id: string; readonly name: string; readonly value: unknown }>;
    }
  /** Replace one cell's source; re-analyses and (auto mode) re-runs it and its descendants. */
  | { readonly type: 'edit'; readonly id: string; readonly source: string }
  /** Run every cell (cached ones return at once), or the given cells and their descendants. */
  | { readonly type: 'run'; readonly ids?: readonly string[] }
  /**
   * Show the cached results of the open notebook without running anything (a reopened
   * page): each cell whose result is in the cache, with all its parents, becomes `done`
   * (`cached`); the others stay as they are. Answered by `restore-done`, not `run-done`.
   */
  | { readonly type: 'restore' }
  /**
   * Stop, gently: fires the run's `signal` (a builtin every cell can pass to long stages) and
   * runs no further cells. Handled at once, not queued behind the run. A cell that ignores
   * the signal keeps running: the host then terminates the worker (see app/notebook-session.ts).
   */
  | { readonly type: 'interrupt' }
  /**
   * The user set input `name` of cell `id` (a slider moved): the kernel keeps the value and
   * re-runs that cell and its descendants (lazy ones become stale). Changes that arrive before
   * that run starts join it: the newest value wins.
   */
  | { readonly type: 'input'; readonly id: string; readonly name: string; readonly value: unknown };

// --- kernel → host -------------------------------------------------------------

export type KernelMessage =
  | { readonly type: 'analysis'; readonly cells: readonly CellAnalysis[] }
  | {
      readonly type: 'cell';
      readonly id: string;
      readonly status: CellStatus;
      /** The cell's outputs when they changed; absent when they are the same as last sent (a status change only). */
      readonly outputs?: readonly MimeBundle[];
      readonly error?: CellError;
      /** Wall time of the last run, ms; 0 when served from the cache. */
      readonly ms?: number;
      readonly cached?: boolean;
      /**
       * With a persistent store: the identity of a `done` cell's result (its cache key and the
       * hashes of the files it read). Equal keys mean equal values and outputs.
       */
      readonly resultKey?: string;
    }
  /**
   * What a running cell has displayed so far, sent while it runs (at most every
   * `LIVE_OUTPUT_INTERVAL_MS`) when it calls `display()` or updates a display handle: a
   * training cell's loss plot grows epoch by epoch. The final outputs still come with the
   * cell's `done` or `error` message; hosts that only want those may ignore this one.
   */
  | { readonly type: 'cell-outputs'; readonly id: string; readonly outputs: readonly MimeBundle[] }
  /**
   * A stage of a running cell moved on: `fraction` (0..1) of the stage `label` is done, as the
   * cell reported it through `progress(label)` (kernel/progress.ts; throttled there). Hosts
   * may ignore it; the cell's `done` or `error` message ends its stages.
   */
  | { readonly type: 'progress'; readonly id: string; readonly label: string; readonly fraction: number }
  /** A `restore` ended: `restored` of the notebook's `cells` code cells came from the cache, in `ms`. Nothing ran. */
  | { readonly type: 'restore-done'; readonly restored: number; readonly cells: number; readonly ms: number }
  | { readonly type: 'run-done'; readonly ok: boolean; readonly ms: number; readonly parameters?: Readonly<Record<string, unknown>> }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly text: string };
