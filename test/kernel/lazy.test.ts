import { describe, expect, it } from 'vitest';
import { Kernel } from '../../kernel/runtime.ts';
import { notebookIsLazy } from '../../kernel/lazy.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';

function harness() {
  const messages: KernelMessage[] = [];
  const kernel = new Kernel({ importModule: async (s) => { throw new Error(`no module ${s}`); } }, (m) => messages.push(m));
  type CellMessage = Extract<KernelMessage, { type: 'cell' }>;
  const status = (id: string) => messages.filter((m): m is CellMessage => m.type === 'cell' && m.id === id).pop()?.status;
  const ran = () => messages.filter((m): m is CellMessage => m.type === 'cell' && m.status === 'running').map((m) => m.id);
  const text = (id: string) => {
    const withOutputs = messages.filter((m): m is CellMessage => m.type === 'cell' && m.id === id && m.outputs !== undefined).pop();
    return withOutputs?.outputs?.map((o) => o.data['text/plain']).join('\n');
  };
  return { kernel, messages, status, ran, text, clear: () => (messages.length = 0) };
}

// a → b (lazy) → c;  a → d
const NB = `// %% id="a"
const x = 2;

// %% id="b" tags=["lazy"]
const y = x * 10;
y

// %% id="c"
const z = y + 1;
z

// %% id="d"
x + 100
`;

describe('lazy cells', () => {
  it('Run all runs lazy cells too', async () => {
    const h = harness();
    await h.kernel.open(NB);
    expect(await h.kernel.run()).toBe(true);
    expect(h.ran()).toEqual(['a', 'b', 'c', 'd']);
    expect(h.text('c')).toBe('21');
  });

  it('marks a lazy descendant and what follows it stale, keeping their outputs, and runs the rest', async () => {
    const h = harness();
    await h.kernel.open(NB);
    await h.kernel.run();
    h.clear();
    await h.kernel.edit('a', 'const x = 3;');
    expect(h.ran()).toEqual(['a', 'd']);
    expect(h.status('b')).toBe('stale');
    expect(h.status('c')).toBe('stale');
    expect(h.status('d')).toBe('done');
    expect(h.text('d')).toBe('103');
    // Stale cells keep the outputs they had: no new outputs were sent for them.
    expect(h.text('b')).toBeUndefined();
  });

  it('runs a stale cell on demand with its stale ancestors; its lazy-free descendants follow', async () => {
    const h = harness();
    await h.kernel.open(NB);
    await h.kernel.run();
    await h.kernel.edit('a', 'const x = 3;');
    h.clear();
    // Asking for c brings b (stale, upstream of c) up to date first.
    expect(await h.kernel.run(['c'])).toBe(true);
    expect(h.ran()).toEqual(['b', 'c']);
    expect(h.text('b')).toBe('30');
    expect(h.text('c')).toBe('31');
    expect(h.status('b')).toBe('done');
  });

  it('un-stales a lazy cell whose inputs are back to what it last ran with', async () => {
    const h = harness();
    await h.kernel.open(NB);
    await h.kernel.run();
    await h.kernel.edit('a', 'const x = 3;');
    expect(h.status('b')).toBe('stale');
    h.clear();
    await h.kernel.edit('a', 'const x = 2;');
    // a and d come from the cache; b and c are back to the values they hold: nothing runs.
    expect(h.ran()).toEqual([]);
    expect(h.status('b')).toBe('done');
    expect(h.status('c')).toBe('done');
  });

  it('makes every cell lazy when the Jupytext header says jupyter.voxbook.lazy: true', async () => {
    const h = harness();
    const header = '// ---\n// jupyter:\n//   jupytext:\n//     formats: ts:percent\n//   voxbook:\n//     lazy: true\n// ---\n\n';
    await h.kernel.open(header + NB.replace(' tags=["lazy"]', ''));
    await h.kernel.run();
    h.clear();
    await h.kernel.edit('a', 'const x = 3;');
    expect(h.ran()).toEqual(['a']);
    expect(['b', 'c', 'd'].map(h.status)).toEqual(['stale', 'stale', 'stale']);
  });

  it('reads the notebook-level switch strictly', () => {
    expect(notebookIsLazy('')).toBe(false);
    expect(notebookIsLazy('// ---\n// jupyter:\n//   voxbook:\n//     lazy: false\n// ---')).toBe(false);
    // Only jupyter.voxbook.lazy counts, not a lazy key elsewhere.
    expect(notebookIsLazy('// ---\n// jupyter:\n//   other:\n//     lazy: true\n// ---')).toBe(false);
    expect(() => notebookIsLazy('// ---\n// jupyter:\n//   voxbook:\n//     lazy: yes\n// ---')).toThrow(/jupyter.voxbook.lazy is "yes"; write true or false/);
  });
});
