import { afterEach, describe, expect, it, vi } from 'vitest';
import { KernelClient, type KernelPort } from '../../app/kernel-client.ts';
import { NotebookSession, STOP_GRACE_MS } from '../../app/notebook-session.ts';
import type { HostMessage, KernelMessage } from '../../kernel/protocol.ts';

/** A kernel port that records what the app sends and lets the test speak for the kernel. */
class RecordingPort implements KernelPort {
  readonly sent: HostMessage[] = [];
  terminated = false;
  #message: Array<(event: { data: KernelMessage }) => void> = [];
  #error: Array<(event: { message?: string }) => void> = [];

  postMessage(message: HostMessage): void {
    this.sent.push(message);
  }

  addEventListener(type: 'message' | 'error', listener: never): void {
    if (type === 'message') this.#message.push(listener);
    else this.#error.push(listener);
  }

  terminate(): void {
    this.terminated = true;
  }

  reply(data: KernelMessage): void {
    for (const l of this.#message) l({ data });
  }

  fail(message: string): void {
    for (const l of this.#error) l({ message });
  }
}

const TEXT = '// %% id="a"\nconst a = 1;\n\n// %% id="b"\nconst b = a + 1;\n\n// %% [markdown]\n// notes\n';

/** As TEXT, but cell "a" passes the kernel's `signal` on (so Stop waits for it first). */
const LISTENING = TEXT.replace('const a = 1;', 'const a = await slowStage({ signal });');

function open(text = TEXT) {
  const ports: RecordingPort[] = [];
  const session = new NotebookSession(() => {
    ports.push(new RecordingPort());
    return new KernelClient(ports.at(-1)!);
  }, text);
  return { port: ports[0]!, ports, session };
}

describe('NotebookSession inputs', () => {
  it('sends a moved input to the kernel, and gives the values to the next kernel after Stop', () => {
    const { ports, session } = open();
    session.runAll();
    ports[0]!.reply({ type: 'run-done', ok: true, ms: 1 });
    session.setInput('a', 'minHu', 300);
    session.setInput('a', 'minHu', 310);
    expect(ports[0]!.sent.slice(2)).toEqual([
      { type: 'input', id: 'a', name: 'minHu', value: 300 },
      { type: 'input', id: 'a', name: 'minHu', value: 310 },
    ]);
    session.interrupt({ now: true });
    // A move in the fresh kernel (not open yet) opens it with the values so far and runs all.
    session.setInput('a', 'smooth', true);
    expect(ports[1]!.sent).toEqual([
      { type: 'open', text: TEXT, inputs: [{ id: 'a', name: 'minHu', value: 310 }, { id: 'a', name: 'smooth', value: true }] },
      { type: 'run' },
    ]);
  });
});

describe('NotebookSession', () => {
  it('Run all sends the notebook text, then run', () => {
    const { port, session } = open();
    session.runAll();
    expect(port.sent).toEqual([{ type: 'open', text: TEXT }, { type: 'run' }]);
    expect(session.state.phase).toBe('running');
    expect(session.state.cells.map((c) => c.status)).toEqual(['queued', 'queued', 'idle']);
  });

  it('ignores Run all while a run is in progress, and takes it again once the kernel is done', () => {
    const { port, session } = open();
    session.runAll();
    session.runAll();
    expect(port.sent).toEqual([{ type: 'open', text: TEXT }, { type: 'run' }]);
    expect(session.running).toBe(true);
    port.reply({ type: 'run-done', ok: true, ms: 5 });
    expect(session.running).toBe(false);
    session.runAll();
    expect(port.sent.map((m) => m.type)).toEqual(['open', 'run', 'open', 'run']);
  });

  it('knows about unsaved changes: edits and drafts, until saved', () => {
    const { session } = open();
    expect(session.hasUnsavedChanges()).toBe(false);
    expect(session.hasUnsavedChanges(new Map([['a', 'const a = 2;']]))).toBe(true);
    session.setMarkdown('cell-3', 'new notes');
    expect(session.hasUnsavedChanges()).toBe(true);
    const text = session.text(new Map([['b', 'const b = a + 3;']]));
    expect(text).toContain('// new notes');
    expect(text).toContain('const b = a + 3;');
    session.markSaved(text);
    expect(session.hasUnsavedChanges(new Map([['b', 'const b = a + 3;']]))).toBe(false);
    // The draft was saved but not run; dropping it (e.g. undo) is a change from what was saved.
    expect(session.hasUnsavedChanges()).toBe(true);
  });

  it('Shift-Enter on a changed cell sends an edit; on an unchanged one, a run of that cell', () => {
    const { port, session } = open();
    session.runAll();
    session.runCell('b', 'const b = a + 2;');
    session.runCell('b', 'const b = a + 2;');
    expect(port.sent.slice(2)).toEqual([{ type: 'edit', id: 'b', source: 'const b = a + 2;' }, { type: 'run', ids: ['b'] }]);
    expect(session.state.cells[1]!.source).toBe('const b = a + 2;');
  });

  it('Shift-Enter before any run opens the notebook with the edit and runs it all', () => {
    const { port, session } = open();
    session.runCell('a', 'const a = 5;');
    expect(port.sent).toHaveLength(2);
    expect(port.sent[0]).toMatchObject({ type: 'open' });
    expect((port.sent[0] as { text: string }).text).toContain('const a = 5;');
    expect(port.sent[1]).toEqual({ type: 'run' });
  });

  it('keeps markdown edits for the next open without sending them', () => {
    const { port, session } = open();
    session.setMarkdown('cell-3', 'new notes');
    expect(port.sent).toEqual([]);
    session.runAll();
    expect((port.sent[0] as { text: string }).text).toContain('// new notes');
  });

  it('turns kernel messages into state and notifies subscribers', () => {
    const { port, session } = open();
    const phases: string[] = [];
    session.subscribe((s) => phases.push(s.phase));
    session.runAll();
    port.reply({ type: 'cell', id: 'a', status: 'done', outputs: [], ms: 3 });
    port.reply({ type: 'run-done', ok: true, ms: 5 });
    expect(session.state.cells[0]).toMatchObject({ status: 'done', ms: 3 });
    expect(phases).toEqual(['idle', 'running', 'running', 'done']);
  });

  it('reports a worker that fails to start as a kernel error and ends the run', () => {
    const { port, session } = open();
    session.runAll();
    port.fail('SyntaxError: Unexpected token');
    expect(session.state.log).toEqual([{ level: 'error', text: 'kernel worker failed: SyntaxError: Unexpected token' }]);
    expect(session.state.phase).toBe('failed');
    expect(session.state.cells.map((c) => c.status)).toEqual(['idle', 'idle', 'idle']);
  });

  afterEach(() => vi.useRealTimers());

  it('Stop ends the worker at once when the running cell never names `signal` (it could not honour it)', () => {
    const { ports, session } = open();
    session.runAll();
    ports[0]!.reply({ type: 'cell', id: 'a', status: 'running', outputs: [] });
    session.interrupt();
    expect(ports[0]!.terminated).toBe(true);
    expect(ports[0]!.sent.map((m) => m.type)).not.toContain('interrupt');
    expect(session.state.cells[0]!.error?.name).toBe('Interrupted');
    expect(session.running).toBe(false);
  });

  it('Stop first fires the kernel\'s signal; a run that ends within the grace keeps its worker', () => {
    vi.useFakeTimers();
    const { ports, session } = open(LISTENING);
    session.runAll();
    ports[0]!.reply({ type: 'cell', id: 'a', status: 'running', outputs: [] });
    session.interrupt();
    expect(ports[0]!.sent.at(-1)).toEqual({ type: 'interrupt' });
    expect(ports[0]!.terminated).toBe(false);
    // The cell honoured the signal: it finished and the kernel ended the run.
    ports[0]!.reply({ type: 'cell', id: 'a', status: 'done', outputs: [] });
    ports[0]!.reply({ type: 'run-done', ok: false, ms: 5 });
    vi.advanceTimersByTime(STOP_GRACE_MS * 2);
    expect(ports[0]!.terminated).toBe(false);
    expect(ports).toHaveLength(1);
    expect(session.state.cells[0]!.status).toBe('done');
  });

  it('Stop ends the worker after the grace when the cell ignores the signal, starts a fresh one and re-opens the notebook on the next run', () => {
    vi.useFakeTimers();
    const { ports, session } = open(LISTENING);
    session.runAll();
    ports[0]!.reply({ type: 'cell', id: 'a', status: 'running', outputs: [] });
    ports[0]!.reply({ type: 'cell', id: 'b', status: 'queued', outputs: [] });
    session.interrupt();
    vi.advanceTimersByTime(STOP_GRACE_MS - 1);
    expect(ports[0]!.terminated).toBe(false);
    vi.advanceTimersByTime(1);
    expect(ports[0]!.terminated).toBe(true);
    expect(session.state.cells.map((c) => c.status)).toEqual(['error', 'idle', 'idle']);
    expect(session.state.cells[0]!.error?.name).toBe('Interrupted');
    // Late messages from the old worker are ignored.
    ports[0]!.reply({ type: 'cell', id: 'a', status: 'done', outputs: [] });
    expect(session.state.cells[0]!.status).toBe('error');
    session.runCell('a', 'const a = await slowStage({ signal });');
    expect(ports[1]!.sent.map((m) => m.type)).toEqual(['open', 'run']);
  });

  it('ends the worker on dispose', () => {
    const { port, session } = open();
    session.dispose();
    expect(port.terminated).toBe(true);
  });

  it('inserting a cell re-opens the notebook at the next run, with the new cell in its text', () => {
    const { port, session } = open();
    session.runAll();
    port.reply({ type: 'run-done', ok: true, ms: 1 });
    const id = session.insertCell(1, 'code');
    expect(id).toBe('cell-4');
    expect(session.state.cells.map((c) => c.id)).toEqual(['a', 'cell-4', 'b', 'cell-3']);
    expect(session.hasUnsavedChanges()).toBe(true);
    session.runCell(id, 'const c = 3;');
    const reopened = port.sent.slice(2);
    expect(reopened[0]).toMatchObject({ type: 'open' });
    expect((reopened[0] as { text: string }).text).toContain('// %% id="cell-4"\nconst c = 3;');
    expect(reopened[1]).toEqual({ type: 'run' });
  });

  it('runs a cell inserted during a run: the new notebook is queued behind the run, not dropped', () => {
    const { port, session } = open();
    session.runAll();
    const id = session.insertCell(2, 'code');
    session.runCell(id, 'const c = b + 1;');
    expect(port.sent.map((m) => m.type)).toEqual(['open', 'run', 'open', 'run']);
    expect((port.sent[2] as { text: string }).text).toContain('const c = b + 1;');
  });

  it('deletes cells and puts them back last deleted first; changes a cell\'s kind', () => {
    const { session } = open();
    expect(session.deleteCell('a')).toBe(true);
    expect(session.deleteCell('cell-3')).toBe(true);
    expect(session.deleteCell('nope')).toBe(false);
    expect(session.state.cells.map((c) => c.id)).toEqual(['b']);
    expect(session.undoDelete()).toBe('cell-3');
    expect(session.undoDelete()).toBe('a');
    expect(session.undoDelete()).toBeUndefined();
    expect(session.state.cells.map((c) => c.id)).toEqual(['a', 'b', 'cell-3']);
    // The markdown cell moved while 'a' was gone, so its id is now written in its metadata.
    expect(session.text()).toBe(TEXT.replace('// %% [markdown]', '// %% [markdown] id="cell-3"'));
    session.setKind('b', 'markdown');
    expect(session.state.cells[1]).toMatchObject({ kind: 'markdown', source: 'const b = a + 1;' });
    expect(session.text()).toContain('// %% [markdown] id="b"\n// const b = a + 1;');
  });

  it('with restore, sends the notebook and a restore at once, runs nothing, and shows the restored cells', () => {
    const ports: RecordingPort[] = [];
    const session = new NotebookSession(() => {
      ports.push(new RecordingPort());
      return new KernelClient(ports.at(-1)!);
    }, TEXT, { restore: true });
    const port = ports[0]!;
    expect(port.sent).toEqual([{ type: 'open', text: TEXT }, { type: 'restore' }]);
    expect(session.running).toBe(false);
    port.reply({ type: 'cell', id: 'a', status: 'done', outputs: [{ data: { 'text/plain': '1' } }], ms: 3, cached: true });
    port.reply({ type: 'restore-done', restored: 1, cells: 2, ms: 4 });
    expect(session.state.phase).toBe('idle');
    expect(session.state.cells.map((c) => [c.id, c.status, c.cached ?? false])).toEqual([['a', 'done', true], ['b', 'idle', false], [session.state.cells[2]!.id, 'idle', false]]);
    expect(session.state.log.at(-1)?.text).toMatch(/restored 1 of 2 cells from the cache/);
    // The kernel has the notebook: Shift-Enter on an edited cell is an edit, not a whole new open.
    session.runCell('b', 'const b = a + 2;');
    expect(port.sent.at(-1)).toEqual({ type: 'edit', id: 'b', source: 'const b = a + 2;' });
  });
});
