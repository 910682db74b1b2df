import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeResultStore } from '../../kernel/node/store.ts';
import { startNodeKernel, type NodeKernel } from '../../kernel/node/host.ts';
import { Kernel } from '../../kernel/runtime.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'vb-restore-'));

// a → b → c persist; d holds a function (not persisted), e reads d; p is the parameters cell.
const NB = [
  '// %% id="p" tags=["parameters"]\nconst minHu = 226;',
  '// %% id="a"\nconst a = new Float32Array([1, 2, minHu]);\na.length',
  '// %% id="b"\nconst b = a[2]! * 2;\nb',
  '// %% id="c"\nconst c = `b is ${b}`;\nc',
  '// %% id="d"\nconst d = () => 1;',
  '// %% id="e"\nconst e = d() + 1;\ne',
].join('\n');

function kernelOn(d: string) {
  const msgs: KernelMessage[] = [];
  let imports = 0;
  const k = new Kernel({ importModule: async () => { imports++; return {}; }, store: new NodeResultStore(d) }, (m) => msgs.push(m));
  return { k, msgs, imports: () => imports };
}

const cellMsgs = (msgs: readonly KernelMessage[]) => msgs.filter((m): m is Extract<KernelMessage, { type: 'cell' }> => m.type === 'cell');

describe('Kernel.restore', () => {
  it('shows every cached cell of a reopened notebook without running any, and leaves the rest idle', async () => {
    const d = dir();
    const first = kernelOn(d);
    await first.k.open(NB);
    expect(await first.k.run()).toBe(true);

    const second = kernelOn(d);
    await second.k.open(NB);
    expect(await second.k.restore()).toBe(4);
    const cells = cellMsgs(second.msgs);
    expect(cells.filter((m) => m.status !== 'done')).toEqual([]);
    expect(cells.map((m) => m.id)).toEqual(['p', 'a', 'b', 'c']);
    expect(cells.every((m) => m.cached === true)).toBe(true);
    expect(JSON.stringify(cells.find((m) => m.id === 'c')!.outputs)).toContain('b is 452');
    expect(second.msgs.some((m) => m.type === 'run-done')).toBe(false);
    expect(second.msgs.at(-1)).toMatchObject({ type: 'restore-done', restored: 4, cells: 6 });
    expect(second.imports()).toBe(0);

    // Run all after a restore runs only what was not restored: d (a function, never persisted);
    // e then comes from the cache (d's key is the same), and nothing else is re-sent.
    second.msgs.length = 0;
    expect(await second.k.run()).toBe(true);
    const running = cellMsgs(second.msgs).filter((m) => m.status === 'running').map((m) => m.id);
    expect(running).toEqual(['d']);
    expect(cellMsgs(second.msgs).find((m) => m.id === 'e' && m.status === 'done')?.cached).toBe(true);
  });

  it('restores nothing below a cell whose source changed, or that cannot run', async () => {
    const d = dir();
    const first = kernelOn(d);
    await first.k.open(NB);
    await first.k.run();

    const edited = kernelOn(d);
    await edited.k.open(NB.replace('a[2]! * 2', 'a[2]! * 3'));
    expect(await edited.k.restore()).toBe(2);
    expect(cellMsgs(edited.msgs).map((m) => m.id)).toEqual(['p', 'a']);

    const broken = kernelOn(d);
    await broken.k.open(NB.replace('const a = new Float32Array([1, 2, minHu]);', 'const a = new Float32Array([1, 2, minHu];'));
    expect(await broken.k.restore()).toBe(1);
    expect(cellMsgs(broken.msgs).map((m) => m.id)).toEqual(['p']);

    // A parameter override changes the parameters cell's key: nothing below it is restored.
    const overridden = kernelOn(d);
    await overridden.k.open(NB, { minHu: 300 });
    expect(await overridden.k.restore()).toBe(0);
    expect(cellMsgs(overridden.msgs)).toEqual([]);
    expect(overridden.msgs.at(-1)).toMatchObject({ type: 'restore-done', restored: 0 });
  });

  it('without a store, restores from the kernel memory only (nothing in a fresh kernel)', async () => {
    const msgs: KernelMessage[] = [];
    const k = new Kernel({ importModule: async () => ({}) }, (m) => msgs.push(m));
    await k.open(NB);
    expect(await k.restore()).toBe(0);
    expect(cellMsgs(msgs)).toEqual([]);
  });
});

/** Collects a worker kernel's messages; `until` waits for the first one that matches. */
function watch(kernel: NodeKernel) {
  const msgs: KernelMessage[] = [];
  const waiters: Array<{ match: (m: KernelMessage) => boolean; resolve: (m: KernelMessage) => void }> = [];
  kernel.onMessage((m) => {
    msgs.push(m);
    for (const w of [...waiters]) if (w.match(m)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  const until = (match: (m: KernelMessage) => boolean) => {
    const seen = msgs.find(match);
    return seen ? Promise.resolve(seen) : new Promise<KernelMessage>((resolve) => waiters.push({ match, resolve }));
  };
  return { msgs, until };
}

describe('Stop, then reuse (a kernel in a worker thread, Node store)', () => {
  const LOOP_NB = [
    '// %% id="a"\nconst a = new Float64Array(1000).fill(3);\na.length',
    '// %% id="b"\nconst _t0 = Date.now();\nwhile (true) {}\nconst b = 1;',
    '// %% id="c"\nconst c = a[0]! + 1;\nc',
  ].join('\n');

  it('ends a `while (true) {}` cell within 1 s, and a new kernel on the same store takes every finished cell from it', async () => {
    const cacheDir = dir();
    const first = startNodeKernel({ cacheDir });
    const w1 = watch(first);
    first.send({ type: 'open', text: LOOP_NB });
    first.send({ type: 'run' });
    await w1.until((m) => m.type === 'cell' && m.id === 'b' && m.status === 'running');
    // a finished, and its cache write ended before b started (kernel/runtime.ts): the store has it.
    expect(w1.msgs.some((m) => m.type === 'cell' && m.id === 'a' && m.status === 'done')).toBe(true);
    const t0 = performance.now();
    await first.terminate();
    const stopMs = performance.now() - t0;
    expect(stopMs).toBeLessThan(1000);
    console.log(`[stop] worker with while (true) {} ended in ${stopMs.toFixed(1)} ms`);

    const second = startNodeKernel({ cacheDir });
    const w2 = watch(second);
    try {
      second.send({ type: 'open', text: LOOP_NB });
      second.send({ type: 'restore' });
      await w2.until((m) => m.type === 'restore-done');
      const restored = w2.msgs.filter((m) => m.type === 'cell');
      expect(restored.map((m) => [m.type === 'cell' && m.id, m.type === 'cell' && m.status, m.type === 'cell' && m.cached])).toEqual([['a', 'done', true]]);
      // Running a's part of the notebook takes a from the cache and runs only c; b never starts.
      second.send({ type: 'run', ids: ['c'] });
      await w2.until((m) => m.type === 'run-done');
      const ran = w2.msgs.filter((m) => m.type === 'cell' && m.status === 'running').map((m) => (m as { id: string }).id);
      expect(ran).toEqual(['c']);
      expect(JSON.stringify(w2.msgs.find((m) => m.type === 'cell' && m.id === 'c' && m.status === 'done'))).toContain('4');
    } finally {
      await second.terminate();
    }
  }, 60_000);
});
