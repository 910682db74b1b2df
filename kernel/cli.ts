/**
 * The `voxbook` command: `run` (a notebook headless), `info` (facts about a scan),
 * `convert` (between the percent format and .ipynb).
 *
 * Exit codes: 0 done; 1 the run failed (a cell failed or ran over --timeout, the kernel
 * ended, the --out folder refused the files) or the input could not be read; 2 a usage
 * error; 130 interrupted (Ctrl-C).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { MIME, type FileData, type MimeBundle } from './protocol.ts';
import { parsePercent } from './notebook/percent.ts';
import { prepareBinary, toIpynb, useDeflate, type CellResult } from './notebook/ipynb.ts';
import { overridesRecord, parseParameterArgs, ParameterOverrideError } from './parameters.ts';
import { hashString, sha256Hex } from './hash.ts';
import { NodeResultStore } from './node/store.ts';
import { writeFileAtomic } from './node/fs-atomic.ts';
import { checkOutDir, MANIFEST, OutDirError, publishRun, type Artefact } from './node/out-dir.ts';
import { runNotebookInWorker, type CellOutcome, type RunningCell, type RunStop } from './node/run-notebook.ts';
import { runtimeVersions } from './node/versions.ts';
import { showsStageLines, StageLines } from './node/progress-lines.ts';

const USAGE = `voxbook — notebooks for imaging-to-print

Usage:
  voxbook run <notebook.nb.ts> [--out DIR] [-p name=value]... [--timeout SECONDS] [--quiet]
              [--cache DIR | --no-cache] [--cache-max-gb N] [--html] [--render cpu|browser]
      Run a notebook headless. Files the notebook exports (download(...)) and the executed
      notebook (<name>.ipynb, nbformat 4.5, with outputs) are written to DIR (default out/),
      all of them or none; DIR/${MANIFEST} lists them, and the next run into DIR removes
      the ones it does not write again. Files of yours in DIR are never overwritten: a run
      that would is refused before writing anything. In the .ipynb each 3-D view also
      carries a PNG (meshes drawn by a CPU rasteriser; a volume as its maximum-intensity
      projection); the line under it names the renderer.
      -p name=value    override a parameter (the cell tagged "parameters" holds the defaults);
                       numbers as decimals (-12, 3.5, 1e-3), booleans as true or false
      --timeout S      stop the run if one cell runs longer than S seconds
      --cache DIR      keep cell results in DIR (default .voxbook/cache/ beside the notebook),
                       so the next run reuses every cell whose code, inputs and files are
                       unchanged (printed as "cached" with the time it took when it ran)
      --no-cache       neither read nor write the cache
      --cache-max-gb N cap of the cache folder (default 2); least recently used goes first
      --html           also write DIR/<name>.html: the notebook with every output in one
                       self-contained page that opens from disk with no network (meshes over
                       200,000 triangles as decimated previews, files over 16 MB not embedded)
      --render browser draw the .ipynb's PNGs of 3-D views with the app's own renderers in
                       headless Chromium (/usr/bin/chromium or VOXBOOK_CHROMIUM; slower);
                       without a browser the CPU draws them and a note says why (default cpu)
      If a cell fails or runs over --timeout, its error is printed, nothing is written, and
      the exit code is 1. Ctrl-C stops the run (exit code 130), naming the running cell.
      On a terminal, a cell's long stages (progress(label) in the cell) show one progress
      line each; piped, they print nothing (VOXBOOK_PROGRESS=1 forces them on, =0 off).
  voxbook info <input>
      Load a scan and print what it is, as JSON: dims, spacing, origin, direction, modality,
      value range, voxel hash, warnings. <input>: a DICOM file or folder, a NIfTI file
      (.nii, .nii.gz), an InVesalius project (.inv3), or a sample id (ct-head-0051).
  voxbook convert <in.nb.ts|in.ipynb> <out.ipynb|out.nb.ts>
      Convert between the percent format and nbformat 4.5 (sources, ids, metadata).
  voxbook help

Exit codes: 0 done, 1 failed, 2 usage error, 130 interrupted.
`;

class UsageError extends Error {}

interface RunArgs {
  notebook: string;
  out: string;
  parameters: Record<string, string>;
  quiet: boolean;
  /** Per-cell time limit, ms. */
  timeoutMs?: number;
  /** Cache folder (default: `.voxbook/cache` beside the notebook); null: `--no-cache`. */
  cache?: string | null;
  cacheMaxBytes?: number;
  /** Also write the notebook as one self-contained HTML page. */
  html?: boolean;
  /** Who draws the .ipynb's PNGs of 3-D views (default 'cpu'). */
  render?: RenderMode;
}

/** `--render`: the CPU rasteriser (fast, deterministic) or the app's renderers in headless Chromium. */
type RenderMode = 'cpu' | 'browser';

/** `--timeout` seconds: a positive decimal number. */
function parseTimeout(text: string | undefined): number {
  const seconds = text !== undefined && /^(?:\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0)) throw new UsageError(`--timeout needs a number of seconds greater than 0, e.g. --timeout 600 (got ${text === undefined ? 'nothing' : JSON.stringify(text)})`);
  return seconds * 1000;
}

function parseRunArgs(args: string[]): RunArgs {
  let notebook: string | undefined;
  let out = 'out';
  let quiet = false;
  let timeoutMs: number | undefined;
  let cache: string | null | undefined;
  let cacheMaxBytes: number | undefined;
  let html = false;
  let render: RenderMode = 'cpu';
  const renderMode = (text: string | undefined): RenderMode => {
    if (text !== 'cpu' && text !== 'browser') throw new UsageError(`--render needs cpu or browser (got ${text === undefined ? 'nothing' : JSON.stringify(text)})`);
    return text;
  };
  const params: string[] = [];
  const cacheGb = (text: string | undefined): number => {
    const gb = text !== undefined && /^(?:\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
    if (!(gb > 0)) throw new UsageError(`--cache-max-gb needs a number greater than 0 (got ${text === undefined ? 'nothing' : JSON.stringify(text)})`);
    return Math.round(gb * 2 ** 30);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--out' || a === '-o') out = args[++i] ?? '';
    else if (a.startsWith('--out=')) out = a.slice(6);
    else if (a === '-p' || a === '--parameter') params.push(args[++i] ?? '');
    else if (a === '--timeout') timeoutMs = parseTimeout(args[++i]);
    else if (a.startsWith('--timeout=')) timeoutMs = parseTimeout(a.slice(10));
    else if (a === '--quiet' || a === '-q') quiet = true;
    else if (a === '--cache') cache = args[++i] ?? '';
    else if (a.startsWith('--cache=')) cache = a.slice(8);
    else if (a === '--no-cache') cache = null;
    else if (a === '--html') html = true;
    else if (a === '--render') render = renderMode(args[++i]);
    else if (a.startsWith('--render=')) render = renderMode(a.slice(9));
    else if (a === '--cache-max-gb') cacheMaxBytes = cacheGb(args[++i]);
    else if (a.startsWith('--cache-max-gb=')) cacheMaxBytes = cacheGb(a.slice(15));
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (!notebook) notebook = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  if (!notebook) throw new UsageError('which notebook? e.g. voxbook run notebooks/ct-to-print.nb.ts');
  if (!out) throw new UsageError('--out needs a folder');
  if (cache === '') throw new UsageError('--cache needs a folder');
  let parameters: Record<string, string>;
  try {
    parameters = overridesRecord(parseParameterArgs(params));
  } catch (e) {
    throw e instanceof ParameterOverrideError ? new UsageError(e.message) : e;
  }
  return { notebook, out, parameters, quiet, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(cache !== undefined ? { cache } : {}), ...(cacheMaxBytes !== undefined ? { cacheMaxBytes } : {}), ...(html ? { html } : {}), ...(render !== 'cpu' ? { render } : {}) };
}

const STATUS_MARK: Record<string, string> = { done: '✓', error: '✗', blocked: '·' };

/** A cell still running after this long is announced, so a long run is never silent. */
const ANNOUNCE_AFTER_MS = 2000;

function describeFailure(c: CellOutcome): string {
  const where = c.error?.line ? ` (line ${c.error.line} of the cell)` : '';
  return `  cell "${c.id}"${where}: ${c.error?.name ?? 'Error'}: ${c.error?.message ?? c.status}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function runningText(cell: RunningCell | undefined): string {
  return cell ? `cell "${cell.id}" was running (for ${seconds(cell.elapsedMs)})` : 'no cell was running (the kernel was loading imports, or between cells)';
}

/** Why a stopped run stopped, for stderr. */
function describeStop(stop: RunStop): string {
  switch (stop.kind) {
    case 'timeout':
      return `cell "${stop.cell.id}" ran longer than --timeout ${stop.limitMs / 1000} s (stopped after ${seconds(stop.cell.elapsedMs)}); the kernel was stopped`;
    case 'interrupted':
      return `interrupted: ${runningText(stop.cell)}; the kernel was stopped`;
    case 'worker-ended': {
      const how = stop.end.kind === 'exit' ? `exited (code ${stop.end.code})` : `crashed (${stop.end.message})`;
      return `the kernel worker ${how} while ${runningText(stop.cell)}`;
    }
  }
}

/**
 * Progress lines on stdout: one per finished cell, and a note for a cell still running after
 * `ANNOUNCE_AFTER_MS`, so a long run is never silent.
 */
function progressPrinter(quiet: boolean, stages?: StageLines): { onCell(c: CellOutcome): void; onProgress(p: { id: string; label: string; fraction: number }): void; stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    onCell(c) {
      if (quiet) return;
      if (c.status === 'running') {
        clearTimeout(timer);
        timer = setTimeout(() => {
          stages?.end();
          console.log(`… ${c.id.padEnd(12)} running`);
        }, ANNOUNCE_AFTER_MS);
        return;
      }
      clearTimeout(timer);
      stages?.end();
      if (!(c.status in STATUS_MARK)) return;
      // A cached cell shows the time it took when it ran.
      const time = c.cached ? `cached (ran in ${c.ms.toFixed(0)} ms)` : `${c.ms.toFixed(0)} ms`;
      console.log(`${STATUS_MARK[c.status]} ${c.id.padEnd(12)} ${c.status === 'done' ? time : c.status}`);
    },
    onProgress: (p) => {
      if (!stages) return;
      // Its stage lines say the cell is working: no "running" note in the middle of them.
      clearTimeout(timer);
      stages.update(p.id, p.label, p.fraction);
    },
    stop: () => {
      clearTimeout(timer);
      stages?.end();
    },
  };
}

/**
 * While a run is in progress, Ctrl-C aborts it; while files are being published, the first
 * Ctrl-C lets the publish finish (it takes moments) and a second one exits at once (the next
 * run rolls the half-published folder back).
 */
function ctrlC(): { signal: AbortSignal; publishing(): void; dispose(): void } {
  const controller = new AbortController();
  let publishing = false;
  let warned = false;
  const handler = () => {
    if (publishing && !warned) {
      warned = true;
      console.error('\nfinishing writing the files; press Ctrl-C again to stop at once (the next run puts the folder back as it was)');
      return;
    }
    if (publishing || controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    publishing: () => {
      publishing = true;
    },
    dispose: () => process.off('SIGINT', handler),
  };
}

async function run(args: RunArgs): Promise<number> {
  // The .ipynb's large arrays (meshes): zlib's native raw deflate, not fflate's JS one.
  useDeflate((bytes) => new Uint8Array(deflateRawSync(bytes, { level: 1 })));
  const path = resolve(args.notebook);
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`${args.notebook}: no such notebook`);
  });
  // Known refusals of the output folder come before a long run, not after it.
  await checkOutDir(args.out);
  const t0 = performance.now();
  const interrupt = ctrlC();
  const progress = progressPrinter(args.quiet, showsStageLines(process.stdout, args.quiet) ? new StageLines(process.stdout) : undefined);
  const cacheDir = args.cache === null ? undefined : resolve(args.cache ?? join(dirname(path), '.voxbook', 'cache'));
  const render = args.render ?? 'cpu';
  const early = new EarlyPictures();
  try {
    const outcome = await runNotebookInWorker(text, {
      ...(cacheDir !== undefined ? { cacheDir } : {}),
      ...(args.cacheMaxBytes !== undefined ? { cacheMaxBytes: args.cacheMaxBytes } : {}),
      parameters: args.parameters,
      signal: interrupt.signal,
      onCell: (c) => {
        progress.onCell(c);
        // Deflate a finished cell's large arrays for the .ipynb now, while the kernel runs the
        // next cells. Not exported files: the .ipynb refers to them instead of embedding them.
        if (c.status === 'done' && c.outputs.length > 0) {
          setImmediate(() => {
            for (const b of c.outputs) for (const [mime, data] of Object.entries(b.data)) if (mime !== MIME.file) prepareBinary(data);
          });
          // Likewise draw its 3-D views for the .ipynb (a cached cell's may come with the cached .ipynb).
          if (render === 'cpu' && !c.cached) early.add(c.outputs);
        }
      },
      onProgress: progress.onProgress,
      ...(args.timeoutMs !== undefined ? { cellTimeoutMs: args.timeoutMs } : {}),
    });
    progress.stop();
    for (const l of outcome.logs) console.error(l);
    if (outcome.stopped) {
      console.error(`\n${basename(path)}: ${describeStop(outcome.stopped)}; nothing was written to ${args.out}/`);
      return outcome.stopped.kind === 'interrupted' ? 130 : 1;
    }
    if (!outcome.ok) {
      const failed = [...outcome.cells.values()].filter((c) => c.status === 'error');
      console.error(`\n${basename(path)} failed; nothing was written to ${args.out}/${failed.length > 0 ? ':' : ' (see the errors above)'}`);
      for (const c of failed) console.error(describeFailure(c));
      return 1;
    }
    // Everything ran: publish the exported files and the executed notebook, all or none.
    const artefacts: Artefact[] = [];
    const results = new Map<string, CellResult>();
    let count = 0;
    for (const c of outcome.cells.values()) {
      results.set(c.id, { outputs: c.outputs, ...(c.error ? { error: c.error } : {}), executionCount: ++count });
      for (const b of c.outputs) {
        const file = b.data[MIME.file] as FileData | undefined;
        if (file) artefacts.push({ name: file.name, bytes: file.bytes, cell: c.id });
      }
    }
    const nb = parsePercent(text);
    const stem = basename(path).replace(/\.nb\.ts$|\.ts$/, '');
    // Exported files are written beside the notebook, so the .ipynb refers to them instead of embedding them.
    for (const [id, r] of results) {
      results.set(id, { ...r, outputs: r.outputs.map((b) => {
        const file = b.data[MIME.file] as FileData | undefined;
        return file ? { ...b, data: { ...b.data, [MIME.file]: { name: file.name, mime: file.mime, size: file.bytes.byteLength, path: file.name } } } : b;
      }) });
    }
    const provenance = {
      notebook: basename(path),
      notebookSha256: await sha256Hex(text),
      parameters: outcome.parameters,
      versions: runtimeVersions(),
      ranAt: new Date().toISOString(),
    };
    const executed = await executedNotebook(cacheDir, args.cacheMaxBytes, text, outcome.cells, render, async () => {
      const lost: string[] = [];
      const ipynb = toIpynb(nb, await headlessPictures(results, render, args.quiet, early), { voxbook: { provenance: PROVENANCE_SLOT } }, lost);
      return { text: JSON.stringify(ipynb, null, 1) + '\n', lost };
    });
    for (const l of executed.lost) console.error(`note: ${l}`);
    artefacts.push({ name: `${stem}.ipynb`, bytes: withProvenance(executed.text, provenance) });
    if (args.html) artefacts.push(await htmlArtefact(stem, text, nb, outcome.cells, provenance, args.quiet, cacheDir, args.cacheMaxBytes));
    interrupt.publishing();
    const published = await publishRun(args.out, artefacts, {
      notebook: provenance.notebook,
      notebookSha256: provenance.notebookSha256,
      parameters: provenance.parameters,
      ranAt: provenance.ranAt,
    });
    const removed = published.removed.length > 0 ? `; removed ${published.removed.map((w) => join(args.out, w)).join(', ')} (from an earlier run)` : '';
    const same = published.unchanged.length > 0 ? ` (${published.unchanged.join(', ')} unchanged since the last run)` : '';
    console.log(`\nwrote ${published.written.map((w) => join(args.out, w)).join(', ')}${same}${removed} in ${seconds(performance.now() - t0)}`);
    return 0;
  } finally {
    progress.stop();
    interrupt.dispose();
  }
}

/**
 * `<stem>.html`: the notebook with its outputs as one self-contained page (app/static/,
 * loaded at run time through the package entry `voxbook/html`, as `info` loads the 'voxbook'
 * API: the kernel does not depend on the app).
 */
async function htmlArtefact(stem: string, text: string, nb: ReturnType<typeof parsePercent>, cells: ReadonlyMap<string, CellOutcome>, provenance: { readonly notebook: string; readonly notebookSha256: string; readonly parameters: Readonly<Record<string, unknown>>; readonly versions: Readonly<Record<string, string>>; readonly ranAt: string }, quiet: boolean, cacheDir: string | undefined, cacheMaxBytes: number | undefined): Promise<Artefact> {
  const { exportNotebookHtml } = await import('voxbook/html');
  const page = await exportNotebookHtml({
    title: stem,
    provenance,
    cells: nb.cells.map((c) => {
      const r = cells.get(c.id);
      return { id: c.id, kind: c.kind, source: c.source, outputs: r?.outputs ?? [], ...(r ? { status: r.status, ms: r.ms, cached: r.cached } : {}), ...(r?.error ? { error: r.error } : {}) };
    }),
    whereLargeFilesAre: "it is in the run's output folder, beside this page",
    notebookText: text,
  }, undefined, { ...(cacheDir !== undefined ? { cacheDir } : {}), ...(cacheMaxBytes !== undefined ? { cacheMaxBytes } : {}) });
  for (const n of page.notes) console.error(`note: ${n}`);
  if (!quiet) console.log(`html: ${stem}.html, ${(Buffer.byteLength(page.html) / 1e6).toFixed(1)} MB in ${page.ms.toFixed(0)} ms (viewer ${page.viewer.cached ? 'cached' : 'built'} in ${page.viewer.ms.toFixed(0)} ms)`);
  return { name: `${stem}.html`, bytes: page.html };
}

/** MIME types of 3-D views the .ipynb shows as a PNG (drawn by the 'voxbook/headless' module). */
const VIEW_MIMES: readonly string[] = [MIME.mesh, MIME.meshes, MIME.volume];

/**
 * The results with a PNG of every 3-D view, for the .ipynb: Jupyter cannot run the app's
 * renderers. `cpu`: meshes drawn by the CPU rasteriser, a volume's projection labelled
 * (`voxbook/headless`). `browser`: the app's renderers in headless Chromium (`voxbook/html`);
 * when that cannot run, or a view draws nothing, a note says so and the CPU draws it. Called
 * only when the executed notebook is built (not when it comes from the cache). The imaging code
 * is loaded at run time, and only when some output is a 3-D view: the kernel does not depend
 * on `cells/` or `app/`.
 */
async function headlessPictures(results: ReadonlyMap<string, CellResult>, render: RenderMode, quiet: boolean, early?: EarlyPictures): Promise<ReadonlyMap<string, CellResult>> {
  const views = [...results.values()].flatMap((r) => r.outputs.filter(isView));
  if (views.length === 0) return results;
  const { withHeadlessPng } = await import('voxbook/headless');
  const drawn = new Map<MimeBundle, { base64: string; width: number; height: number }>();
  if (render === 'browser') {
    const { browserViewPngs } = await import('voxbook/html');
    const t0 = performance.now();
    try {
      const pngs = await browserViewPngs(views);
      pngs.forEach((p, i) => p && drawn.set(views[i]!, p));
      const missed = pngs.filter((p) => !p).length;
      if (missed > 0) console.error(`note: --render browser: ${missed} of ${views.length} views drew nothing in Chromium; the CPU drew them`);
      if (!quiet) console.log(`render: ${drawn.size} of ${views.length} views drawn in headless Chromium in ${seconds(performance.now() - t0)}`);
    } catch (e) {
      console.error(`note: --render browser: ${(e as Error).message}; the CPU drew the views`);
    }
  }
  return new Map([...results].map(([id, r]) => [id, { ...r, outputs: r.outputs.map((b) => {
    if (!isView(b)) return b;
    const png = drawn.get(b);
    return png ? withHeadlessPng(b, { browserPng: png }) : early?.get(b) ?? withHeadlessPng(b, {});
  }) }]));
}

const isView = (b: MimeBundle): boolean => VIEW_MIMES.some((m) => b.data[m] !== undefined);

/**
 * The CPU pictures of 3-D views (`withHeadlessPng(bundle, {})`), drawn as their cells finish,
 * one per turn of the event loop: the main thread is idle while the kernel worker runs the
 * next cells, so the .ipynb's pictures (~0.6 s for ct-to-print's three meshes) are ready when
 * the run ends. `get` gives a bundle's picture if it was drawn in time (else the caller draws it).
 */
class EarlyPictures {
  readonly #drawn = new Map<MimeBundle, MimeBundle>();
  #module: Promise<typeof import('voxbook/headless')> | undefined;

  add(outputs: readonly MimeBundle[]): void {
    const views = outputs.filter(isView);
    if (views.length === 0) return;
    this.#module ??= import('voxbook/headless');
    this.#module.then(({ withHeadlessPng }) => {
      const next = (i: number): void => {
        if (i >= views.length) return;
        const b = views[i]!;
        if (!this.#drawn.has(b)) this.#drawn.set(b, withHeadlessPng(b, {}) as MimeBundle);
        setImmediate(() => next(i + 1));
      };
      setImmediate(() => next(0));
    }, () => undefined); // not loadable now: headlessPictures draws them (and reports) at the end
  }

  get(b: MimeBundle): MimeBundle | undefined {
    return this.#drawn.get(b);
  }
}

/** Stands for the provenance in the executed notebook's text until it is filled in (`withProvenance`). */
const PROVENANCE_SLOT = '\u0000voxbook-provenance\u0000';

/** The executed notebook's text with the provenance object in its slot, indented as JSON.stringify(…, null, 1) would. */
function withProvenance(text: string, provenance: unknown): string {
  const slot = JSON.stringify(PROVENANCE_SLOT);
  const at = text.indexOf(slot);
  if (at < 0) throw new Error('internal: the executed notebook has no provenance slot');
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const indent = /^ */.exec(text.slice(lineStart))![0];
  return text.slice(0, at) + JSON.stringify(provenance, null, 1).replace(/\n/g, `\n${indent}`) + text.slice(at + slot.length);
}

/**
 * The executed notebook's text (with a provenance slot) and the notes of what it could not
 * hold. Building it deflates every mesh and image (a third of a second for ct-to-print), so
 * with a cache it is kept there, keyed by the notebook's text and each cell's result
 * identity: a run served from the cache then writes it without building it.
 */
async function executedNotebook(cacheDir: string | undefined, maxBytes: number | undefined, text: string, cells: ReadonlyMap<string, CellOutcome>, render: RenderMode, build: () => Promise<{ text: string; lost: string[] }>): Promise<{ text: string; lost: string[] }> {
  const identities = [...cells.values()].map((c) => [c.id, c.resultKey ?? null] as const);
  if (cacheDir === undefined || identities.some(([, k]) => k === null)) return build();
  const store = new NodeResultStore(cacheDir, maxBytes !== undefined ? { maxBytes } : {});
  // 2: the executed notebook carries PNGs of 3-D views (headlessPictures), drawn as `render` says.
  const key = `ipynb-${hashString(JSON.stringify([2, render, text, identities]))}`;
  const hit = await store.load(key).catch(() => undefined);
  const v = hit?.values as { text?: unknown; lost?: unknown } | undefined;
  if (typeof v?.text === 'string' && Array.isArray(v.lost) && v.text.includes(JSON.stringify(PROVENANCE_SLOT))) return { text: v.text, lost: v.lost as string[] };
  const built = await build();
  await store.save(key, { values: { text: built.text, lost: built.lost }, outputs: [], ms: 0, files: [] }).catch(() => undefined);
  return built;
}

/** The part of the public 'voxbook' API that `info` uses (loaded at run time: the kernel knows nothing of imaging). */
interface ImagingApi {
  loadInput(input: string): Promise<object>;
  volumeInfo(volume: object): Promise<object>;
}

/** `voxbook info <input>`: the volume's facts as JSON on stdout; a typed error naming the input on stderr. */
async function info(args: string[]): Promise<number> {
  const [input, ...extra] = args;
  if (!input || input.startsWith('-') || extra.length > 0) {
    throw new UsageError('info needs one input: a DICOM file or folder, a NIfTI file, an .inv3 project, or a sample id');
  }
  const api: ImagingApi = await import('voxbook');
  let volume: object;
  try {
    volume = await api.loadInput(input);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    console.error(`voxbook info: ${err.name}: ${err.message}`);
    return 1;
  }
  console.log(formatJson(await api.volumeInfo(volume)));
  return 0;
}

/** JSON with two-space indents, but arrays of numbers (dims, spacing, direction) on one line. */
function formatJson(value: unknown, indent = ''): string {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v === null || typeof v === 'number' || typeof v === 'boolean')) return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = indent + '  ';
  const items = Array.isArray(value)
    ? value.map((v) => inner + formatJson(v, inner))
    : Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return items.length === 0 ? open + close : `${open}\n${items.join(',\n')}\n${indent}${close}`;
}

async function convert(args: string[]): Promise<number> {
  const [input, output, ...extra] = args;
  if (!input || !output) throw new UsageError('convert needs an input and an output file');
  if (extra.length > 0) throw new UsageError(`convert takes one input and one output, got also ${extra.join(' ')}`);
  const text = await readFile(input, 'utf8').catch(() => {
    throw new UsageError(`${input}: no such notebook`);
  });
  // Read, escape and self-check before anything is written: a notebook that cannot be
  // represented safely is refused, never written half-right.
  // Loaded here, not at the top: it brings the TypeScript compiler (~0.7 s), which `run` does not need.
  const { convertNotebookText } = await import('./notebook/file.ts');
  const converted = convertNotebookText(text, input, output);
  await writeFileAtomic(output, converted.text);
  for (const note of converted.notes) console.error(`note: ${note}`);
  console.log(`wrote ${output}`);
  return 0;
}

/** The `voxbook` command. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'run') return await run(parseRunArgs(rest));
    if (command === 'info') return await info(rest);
    if (command === 'convert') return await convert(rest);
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      console.log(USAGE);
      return command ? 0 : 2;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`voxbook: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof OutDirError) {
      console.error(`voxbook: ${e.message}`);
      return 1;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    console.error(`voxbook: ${err.name}: ${err.message}`);
    return 1;
  }
}

