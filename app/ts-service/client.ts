/**
 * The editor's side of the language service: it keeps the code cells' editors, composes
 * their text into the notebook file (`notebook-file.ts`) in page order, sends it to the
 * worker (`ts-worker.ts`) when it changed, and answers each editor in its own offsets.
 *
 * Invariants:
 * - the worker starts on `start()` only (the first focus of a code editor), so opening a
 *   notebook loads no TypeScript;
 * - before the worker is ready, and for good once it failed (reported once on the console),
 *   every query answers empty (no lints, no hover, no completions); when it becomes ready,
 *   and after any cell's text changes, every editor is linted again (a name renamed in one
 *   cell breaks its readers in others);
 * - a query's answer is mapped with the file it was asked of, so a reply that arrives after
 *   more typing never lands at a shifted position;
 * - diagnostics are computed once per file text and shared by all editors.
 */
import type { Completion, CompletionResult } from '@codemirror/autocomplete';
import { forceLinting, type Diagnostic } from '@codemirror/lint';
import { StateEffect } from '@codemirror/state';
import type { EditorView } from '@codemirror/view';
import type { HoverInfo } from '@valtown/codemirror-ts';
import { composeNotebookFile, rangeInCell, toCell, toFileOffset, type NotebookFile } from './notebook-file.ts';
import type { ServiceFailed, ServiceReady, ServiceRequest, ServiceResponse, ServiceResults } from './protocol.ts';
import type { FileDiagnostic } from './service.ts';

/** What carries requests to the service: a `Worker`, or an in-process fake in tests. */
export interface ServicePort {
  postMessage(message: ServiceRequest): void;
  addEventListener(type: 'message', listener: (event: { data: ServiceResponse | ServiceReady | ServiceFailed }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

/** Hover information in an editor's own offsets. */
export interface CellHover {
  readonly from: number;
  readonly to: number;
  readonly info: HoverInfo;
}

/** Dispatched to an editor whose lints are out of date (its linter's `needsRefresh` looks for it). */
export const relintEffect = StateEffect.define<null>();

/** Milliseconds after the last edit before the other editors are linted again. */
const RELINT_DELAY_MS = 400;

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export class NotebookTypes {
  readonly #spawn: () => ServicePort;
  readonly #views = new Map<string, EditorView>();
  #port: ServicePort | undefined;
  #ready = false;
  #failed: string | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #sentText: string | undefined;
  #diagnostics: { text: string; result: Promise<FileDiagnostic[]> } | undefined;
  #relint: ReturnType<typeof setTimeout> | undefined;

  /** `spawn` creates the worker; it is called once, by `start()`. */
  constructor(spawn: () => ServicePort) {
    this.#spawn = spawn;
  }

  /** Tracks an editor under `key` (unique per editor); its text is one code cell. */
  register(key: string, view: EditorView): void {
    this.#views.set(key, view);
    this.#scheduleRelint();
  }

  unregister(key: string): void {
    this.#views.delete(key);
    this.#scheduleRelint();
  }

  /** Starts the worker (once); when it is ready, every editor is linted. */
  start(): void {
    if (this.#port) return;
    const port = this.#spawn();
    this.#port = port;
    port.addEventListener('message', (event) => {
      const data = event.data;
      if ('ready' in data) {
        this.#ready = true;
        this.#relintAll();
        return;
      }
      if ('failed' in data) {
        this.#fail(data.failed);
        return;
      }
      const pending = this.#pending.get(data.id);
      if (!pending) return;
      this.#pending.delete(data.id);
      if (data.ok) pending.resolve(data.result);
      else pending.reject(new Error(`TypeScript service: ${data.error}`));
    });
    port.addEventListener('error', (event) => this.#fail(event.message ?? 'the TypeScript worker failed to load'));
  }

  /** The service is gone: say so once, end what waits, answer empty from now on. */
  #fail(reason: string): void {
    if (this.#failed) return;
    this.#failed = reason;
    console.error(`voxbook: editor types are off: ${reason}`);
    for (const p of this.#pending.values()) p.reject(new Error(reason));
    this.#pending.clear();
  }

  /** Stops the worker for good. */
  dispose(): void {
    clearTimeout(this.#relint);
    this.#port?.terminate();
    this.#failed ??= 'disposed';
  }

  /** An editor's text changed: its readers in other cells may have new errors. */
  changed(): void {
    this.#scheduleRelint();
  }

  /** TypeScript's diagnostics that touch the editor `key`, in its offsets. */
  async lints(key: string): Promise<Diagnostic[]> {
    const file = this.#sync();
    if (!file) return [];
    const all = await this.#fileDiagnostics(file.text);
    const out: Diagnostic[] = [];
    for (const d of all) {
      const range = rangeInCell(file, key, d.from, d.to);
      if (range) out.push({ from: range.from, to: range.to, severity: d.severity, message: d.message, source: `ts(${d.code})` });
    }
    return out;
  }

  /** The type at `pos` of the editor `key`, or null. */
  async hover(key: string, pos: number): Promise<CellHover | null> {
    const file = this.#sync();
    const offset = file && toFileOffset(file, key, pos);
    if (offset === undefined) return null;
    const info = await this.#call('hover', { offset });
    if (!info) return null;
    const range = rangeInCell(file!, key, info.start, info.end);
    return range ? { ...range, info } : null;
  }

  /** Completions at `pos` of the editor `key` (`from` in its offsets), or null. */
  async completions(key: string, pos: number, explicit: boolean): Promise<CompletionResult | null> {
    const file = this.#sync();
    const offset = file && toFileOffset(file, key, pos);
    if (offset === undefined) return null;
    const result = await this.#call('completions', { offset, explicit });
    if (!result) return null;
    const at = toCell(file!, result.from);
    if (!at || at.key !== key) return null;
    return { from: at.pos, options: result.options as Completion[], validFor: /^\w*$/ };
  }

  /** The file of the editors attached to the page, in page order; sent to the worker if new. Undefined before ready. */
  #sync(): NotebookFile | undefined {
    if (!this.#ready || this.#failed) return undefined;
    const attached = [...this.#views].filter(([, view]) => view.dom.isConnected);
    attached.sort(([, a], [, b]) => (a.dom.compareDocumentPosition(b.dom) & 4 /* Node.DOCUMENT_POSITION_FOLLOWING */ ? -1 : 1));
    const file = composeNotebookFile(attached.map(([key, view]) => ({ key, source: view.state.doc.toString() })));
    if (file.text !== this.#sentText) {
      this.#sentText = file.text;
      void this.#call('setText', { text: file.text }).catch(() => {});
    }
    return file;
  }

  #fileDiagnostics(text: string): Promise<FileDiagnostic[]> {
    if (this.#diagnostics?.text !== text) this.#diagnostics = { text, result: this.#call('diagnostics', {}).catch(() => []) };
    return this.#diagnostics.result;
  }

  #call<M extends ServiceRequest['method']>(method: M, args: Omit<Extract<ServiceRequest, { method: M }>, 'id' | 'method'>): Promise<ServiceResults[M]> {
    const port = this.#port;
    if (!port || this.#failed) return Promise.reject(new Error(this.#failed ?? 'TypeScript service not started'));
    const id = this.#nextId++;
    return new Promise<ServiceResults[M]>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      port.postMessage({ id, method, ...args } as ServiceRequest);
    });
  }

  #scheduleRelint(): void {
    if (!this.#ready) return;
    clearTimeout(this.#relint);
    this.#relint = setTimeout(() => this.#relintAll(), RELINT_DELAY_MS);
  }

  #relintAll(): void {
    for (const view of this.#views.values()) {
      view.dispatch({ effects: relintEffect.of(null) });
      forceLinting(view);
    }
  }
}

let shared: NotebookTypes | undefined;

/** The page's one service, its worker in `ts-worker.ts` (started on first focus). */
export function notebookTypes(): NotebookTypes {
  shared ??= new NotebookTypes(
    () => new Worker(new URL('./ts-worker.ts', import.meta.url), { type: 'module', name: 'voxbook-ts' }) as unknown as ServicePort,
  );
  return shared;
}
