/**
 * display() while a cell runs: outputs reach the host before the cell finishes (a training
 * plot that grows), a handle updates its output in place, and updates are coalesced.
 */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../kernel/runtime.ts';
import { LIVE_OUTPUT_INTERVAL_MS, type KernelMessage } from '../../kernel/protocol.ts';

function kernel() {
  const messages: Array<KernelMessage & { at: number }> = [];
  const k = new Kernel({ importModule: async () => ({}) }, (m) => messages.push({ ...m, at: performance.now() }));
  return { k, messages };
}

const text = (m: { outputs: readonly { data: Readonly<Record<string, unknown>> }[] }) => m.outputs.map((b) => b.data['text/plain']);

describe('live outputs of a running cell', () => {
  it('sends what a cell displayed before it finishes, and the handle replaces it in place', async () => {
    const { k, messages } = kernel();
    await k.open(`// %% id="train"
const plot = display('epoch 0');
for (let e = 1; e <= 3; e++) {
  await new Promise((r) => setTimeout(r, ${LIVE_OUTPUT_INTERVAL_MS + 50}));
  plot.update('epoch ' + e);
}
display('done');
`);
    expect(await k.run()).toBe(true);
    const live = messages.filter((m): m is Extract<KernelMessage, { type: 'cell-outputs' }> & { at: number } => m.type === 'cell-outputs');
    const done = messages.find((m) => m.type === 'cell' && m.status === 'done')!;
    // One message per update (each came after the interval), all before the cell finished;
    // 'done', displayed within the interval of the last update, comes with the final outputs.
    expect(live.map(text)).toEqual([['epoch 0'], ['epoch 1'], ['epoch 2'], ['epoch 3']]);
    expect(live.every((m) => m.at <= done.at)).toBe(true);
    expect(text(done as { outputs: readonly { data: Readonly<Record<string, unknown>> }[] })).toEqual(['epoch 3', 'done']);
  });

  it('coalesces a burst of updates into at most one message per interval, ending on the last value', async () => {
    const { k, messages } = kernel();
    await k.open(`// %% id="burst"
const h = display(0);
for (let i = 1; i <= 1000; i++) h.update(i);
await new Promise((r) => setTimeout(r, ${2 * LIVE_OUTPUT_INTERVAL_MS}));
`);
    expect(await k.run()).toBe(true);
    const live = messages.filter((m) => m.type === 'cell-outputs') as Array<Extract<KernelMessage, { type: 'cell-outputs' }>>;
    // The first display goes at once; the 1000 updates after it become one message.
    expect(live.map(text)).toEqual([['0'], ['1000']]);
  });
});

describe('Stop: the signal builtin', () => {
  it('fires the running cell\'s signal, keeps what it returned for the session without caching it, and runs no further cell', async () => {
    const { k, messages } = kernel();
    await k.open(`// %% id="train"
let _steps = 0;
while (!signal.aborted && _steps < 1000) { _steps++; await new Promise((r) => setTimeout(r, 5)); }
const steps = _steps;
const stopped = signal.aborted;

// %% id="after"
const next = steps + 1;
`);
    const running = k.run();
    await new Promise((r) => setTimeout(r, 100));
    k.interrupt();
    expect(await running).toBe(false);
    const done = messages.filter((m) => m.type === 'cell' && m.status === 'done').map((m) => (m as { id: string }).id);
    expect(done).toEqual(['train']);
    expect(messages.some((m) => m.type === 'cell' && m.id === 'after' && m.status === 'running')).toBe(false);
    // Run again: 'train' is not served from the cache (it was stopped), so it runs in full.
    messages.length = 0;
    expect(await k.run()).toBe(true);
    const ran = messages.filter((m) => m.type === 'cell' && m.status === 'running').map((m) => (m as { id: string }).id);
    expect(ran).toEqual(['train', 'after']);
  });
});

describe('live views (the voxbook.subscribe protocol)', () => {
  it('re-renders a displayed live view in place when it notifies, and unsubscribes when the cell ends', async () => {
    const { k, messages } = kernel();
    await k.open(`// %% id="monitor"
const _listeners = new Set<() => void>();
let _n = 0;
const _view = {
  [Symbol.for('voxbook.mime')]: () => ({ data: { 'text/plain': 'step ' + _n } }),
  [Symbol.for('voxbook.subscribe')]: (l: () => void) => { _listeners.add(l); return () => _listeners.delete(l); },
};
display(_view);
for (let i = 0; i < 3; i++) {
  await new Promise((r) => setTimeout(r, ${LIVE_OUTPUT_INTERVAL_MS + 50}));
  _n++;
  for (const l of _listeners) l();
}
const listenersAtEnd = () => _listeners.size;

// %% id="check"
listenersAtEnd()
`);
    expect(await k.run()).toBe(true);
    const live = messages.filter((m) => m.type === 'cell-outputs') as Array<Extract<KernelMessage, { type: 'cell-outputs' }>>;
    expect(live.map(text)).toEqual([['step 0'], ['step 1'], ['step 2'], ['step 3']]);
    // Unsubscribed when the cell finished: the next cell sees no listener left.
    const check = messages.find((m) => m.type === 'cell' && m.id === 'check' && m.status === 'done') as Extract<KernelMessage, { type: 'cell' }>;
    expect(text(check as { outputs: readonly { data: Readonly<Record<string, unknown>> }[] })).toEqual(['0']);
  });
});
