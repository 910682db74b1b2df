import { describe, expect, it } from 'vitest';
import { Kernel } from '../../kernel/runtime.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';
import { MIME_METHOD } from '../../kernel/display.ts';

function harness(modules: Record<string, Record<string, unknown>> = {}, cacheBytes?: number) {
  const messages: KernelMessage[] = [];
  const kernel = new Kernel({ importModule: async (s) => {
    if (!(s in modules)) throw new Error(`no module ${s}`);
    return modules[s]!;
  }, ...(cacheBytes !== undefined ? { cacheBytes } : {}) }, (m) => messages.push(m));
  type CellMessage = Extract<KernelMessage, { type: 'cell' }>;
  /** The latest status of a cell, with the outputs it last received (messages omit unchanged outputs). */
  const last = (id: string) => {
    const mine = messages.filter((m): m is CellMessage => m.type === 'cell' && m.id === id);
    const latest = mine[mine.length - 1]!;
    const withOutputs = [...mine].reverse().find((m) => m.outputs !== undefined);
    return { ...latest, outputs: withOutputs?.outputs ?? [] };
  };
  const ranFresh = () => messages.filter((m) => m.type === 'cell' && m.status === 'running').map((m) => (m as { id: string }).id);
  return { kernel, messages, last, ranFresh, clear: () => (messages.length = 0) };
}

const NB = `// %% id="p" tags=["parameters"]
const n = 3;

// %% id="a"
const xs = Array.from({ length: n }, (_, i) => i * k);
xs.length

// %% id="b"
const k = 2;

// %% id="c"
await Promise.resolve();
const total = xs.reduce((s, x) => s + x, 0);
total
`;

describe('Kernel', () => {
  it('runs cells in dependency order and shows trailing expressions', async () => {
    const h = harness();
    await h.kernel.open(NB);
    expect(await h.kernel.run()).toBe(true);
    expect(h.ranFresh()).toEqual(['p', 'b', 'a', 'c']);
    expect(h.last('c').outputs[0]!.data['text/plain']).toBe('6');
    expect(h.last('a').outputs[0]!.data['text/plain']).toBe('3');
  });

  it('recomputes nothing when run again, and only descendants after an edit', async () => {
    const h = harness();
    await h.kernel.open(NB);
    await h.kernel.run();
    h.clear();
    await h.kernel.open(NB); // the app's Run all re-sends the text
    await h.kernel.run();
    expect(h.ranFresh()).toEqual([]);
    // Nothing changed, so no outputs travel again.
    expect(h.messages.filter((m) => m.type === 'cell' && m.outputs !== undefined)).toEqual([]);
    h.clear();
    await h.kernel.edit('b', 'const k = 10;');
    expect(h.ranFresh()).toEqual(['b', 'a', 'c']);
    expect(h.last('c').outputs[0]!.data['text/plain']).toBe('30');
    h.clear();
    await h.kernel.edit('b', 'const k = 2;'); // back to a cached state
    expect(h.ranFresh()).toEqual([]);
    expect(h.last('c').outputs[0]!.data['text/plain']).toBe('6');
    // The app then re-sends the edited text with Run all: nothing runs and nothing is re-sent.
    h.clear();
    await h.kernel.open(NB);
    await h.kernel.run();
    expect(h.ranFresh()).toEqual([]);
    expect(h.messages.filter((m) => m.type === 'cell' && m.outputs !== undefined)).toEqual([]);
  });

  it('applies parameter overrides coerced to the default type', async () => {
    const h = harness();
    await h.kernel.open(NB, { n: '5' });
    await h.kernel.run();
    expect(h.last('c').outputs[0]!.data['text/plain']).toBe(String(2 * (0 + 1 + 2 + 3 + 4)));
  });

  it('rejects an override that does not fit the default', async () => {
    const h = harness();
    await h.kernel.open(NB, { n: 'many' });
    expect(await h.kernel.run()).toBe(false);
    expect(h.last('p').error!.message).toMatch(/"many" is not a number/);
    expect(h.last('c').status).toBe('blocked');
  });

  it('reports a throwing cell with its own line and blocks only its descendants', async () => {
    const h = harness();
    await h.kernel.open(`// %% id="a"
const x = 1;

// %% id="bad"
const y = x + 1;
if (y > 1) {
  throw new RangeError('y too big');
}

// %% id="after"
const z = y * 2;

// %% id="other"
const w = x + 5;
w
`);
    expect(await h.kernel.run()).toBe(false);
    const bad = h.last('bad');
    expect(bad.status).toBe('error');
    expect(bad.error).toMatchObject({ name: 'RangeError', message: 'y too big', line: 3 });
    expect(h.last('after').status).toBe('blocked');
    expect(h.last('other').status).toBe('done');
    expect(h.last('other').outputs[0]!.data['text/plain']).toBe('6');
  });

  it('reports duplicate definitions and cycles on the cells without running them', async () => {
    const h = harness();
    await h.kernel.open(`// %% id="a"\nconst x = 1;\n\n// %% id="b"\nconst x = 2;\n\n// %% id="c"\nconst p = q;\n\n// %% id="d"\nconst q = p;\n`);
    await h.kernel.run();
    expect(h.ranFresh()).toEqual([]);
    expect(h.last('a').error!.message).toMatch(/defined in 2 cells/);
    expect(h.last('c').error!.message).toMatch(/cycle/);
    expect(h.last('d').error!.message).toMatch(/cycle/);
  });

  it('hoists imports and uses the display protocol of values', async () => {
    const shown = { [MIME_METHOD]: () => ({ data: { 'text/markdown': '**hi**' } }) };
    const h = harness({ lib: { double: (x: number) => 2 * x, shown } });
    await h.kernel.open(`// %% id="a"\nconst y = double(21);\ndisplay(shown);\ny\n\n// %% id="b"\nimport { double, shown } from 'lib';\n`);
    expect(await h.kernel.run()).toBe(true);
    expect(h.last('a').outputs.map((o) => Object.keys(o.data)[0])).toEqual(['text/markdown', 'text/plain']);
    expect(h.last('a').outputs[1]!.data['text/plain']).toBe('42');
  });

  it('reports a missing module export as an import error', async () => {
    const h = harness({ lib: {} });
    await h.kernel.open(`// %% id="a"\nimport { nope } from 'lib';\nnope()\n`);
    expect(await h.kernel.run()).toBe(false);
    expect(h.last('a').error!.message).toMatch(/no export named "nope"/);
  });

  it('keeps names starting with _ local to their cell', async () => {
    const h = harness();
    await h.kernel.open(`// %% id="a"\nconst _t = 1;\n\n// %% id="b"\nconst _t = 2;\n_t\n`);
    expect(await h.kernel.run()).toBe(true);
    expect(h.last('b').outputs[0]!.data['text/plain']).toBe('2');
  });

  it('reports a syntax error with its line and still runs unrelated cells', async () => {
    const h = harness();
    await h.kernel.open(`// %% id="a"\nconst x = 1;\nconst y = ;\n\n// %% id="b"\nconst z = 2;\nz\n`);
    expect(await h.kernel.run()).toBe(false);
    expect(h.last('a').error).toMatchObject({ name: 'SyntaxError', line: 2 });
    expect(h.last('b').outputs[0]!.data['text/plain']).toBe('2');
  });

  it('fails only the cells that import or read a binding that cannot be loaded', async () => {
    const h = harness({ lib: { twice: (x: number) => 2 * x } });
    await h.kernel.open(`// %% id="a"\nconst a = 1;\na\n\n// %% id="b"\nimport { x } from 'no-such-module';\nconst b = x;\n\n// %% id="c"\nimport { twise } from 'lib';\nconst c = twise(a);\n\n// %% id="d"\nimport { twice } from 'lib';\ntwice(a)\n`);
    expect(await h.kernel.run()).toBe(false);
    expect(h.last('a').status).toBe('done');
    expect(h.last('b').error!.message).toMatch(/cannot import "no-such-module"/);
    expect(h.last('c').error!.message).toMatch(/no export named "twise"/);
    expect(h.last('d').outputs[0]!.data['text/plain']).toBe('2');
  });

  it('refuses parameter overrides when no cell is tagged parameters', async () => {
    const h = harness();
    await h.kernel.open(`// %% id="a"\nconst minHu = 226;\n`, { minHu: '300' });
    expect(await h.kernel.run()).toBe(false);
    expect(h.ranFresh()).toEqual([]);
    const log = h.messages.find((m) => m.type === 'log');
    expect(log && 'text' in log ? log.text : '').toMatch(/no cell is tagged "parameters"/);
  });

  it('accepts export on a cell declaration', async () => {
    const h = harness();
    await h.kernel.open(`// %% id="a"\nexport const a = 20;\n\n// %% id="b"\na + 1\n`);
    expect(await h.kernel.run()).toBe(true);
    expect(h.last('b').outputs[0]!.data['text/plain']).toBe('21');
  });

  it('re-runs only the readers of a parameter when one of several parameters changes', async () => {
    const h = harness();
    const nb = (m: number) => `// %% id="p" tags=["parameters"]\nconst path = 'scan';\nconst level = ${m};\n\n// %% id="load"\nconst data = [path.length, 2, 3];\n\n// %% id="seg"\nconst kept = data.filter((x) => x >= level);\nkept.length\n`;
    await h.kernel.open(nb(2));
    await h.kernel.run();
    h.clear();
    await h.kernel.edit('p', `const path = 'scan';\nconst level = 4;`);
    expect(h.ranFresh()).toEqual(['p', 'seg']);
    expect(h.last('seg').outputs[0]!.data['text/plain']).toBe('1');
  });

  it('evicts the least recently used results beyond its byte budget', async () => {
    // Each run of "big" holds 1 MB; the budget holds two of them.
    const h = harness({}, 2.5e6);
    const nb = (n: number) => `// %% id="p" tags=["parameters"]\nconst n = ${n};\n\n// %% id="big"\nconst buf = new Uint8Array(1_000_000).fill(n);\nbuf[0]\n`;
    for (const n of [1, 2, 3]) {
      await h.kernel.open(nb(n));
      await h.kernel.run();
    }
    h.clear();
    await h.kernel.open(nb(3)); // still cached (most recent)
    await h.kernel.open(nb(2));
    await h.kernel.run();
    expect(h.ranFresh()).toEqual([]);
    await h.kernel.open(nb(1)); // evicted (with the older, smaller entry before it): recomputed
    await h.kernel.run();
    expect(h.ranFresh()).toEqual(['p', 'big']);
  });

  it('never evicts what cells currently show, so Run all after parameter edits recomputes nothing', async () => {
    const h = harness({}, 2500);
    const nb = (t: number) => `// %% id="load"\nconst scan = new Uint8Array(1000);\n\n// %% id="p" tags=["parameters"]\nconst t = ${t};\n\n// %% id="seg"\nconst seg = scan.map((x) => x + t);\nseg[0]\n`;
    await h.kernel.open(nb(1));
    await h.kernel.run();
    await h.kernel.edit('p', 'const t = 2;');
    await h.kernel.edit('p', 'const t = 3;');
    h.clear();
    await h.kernel.open(nb(3));
    await h.kernel.run();
    expect(h.ranFresh()).toEqual([]);
  });

  it('reports the hash of the notebook as edited', async () => {
    const h = harness();
    const nb = (t: number) => `// %% id="p"\nconst t = ${t};\n\n// %% id="r"\nconst hash = runInfo().notebookSha256;\nt\n`;
    await h.kernel.open(nb(1));
    await h.kernel.run();
    await h.kernel.edit('p', 'const t = 2;');
    await h.kernel.open(nb(2));
    await h.kernel.run();
    const { sha256Hex } = await import('../../kernel/hash.ts');
    const info = (h.kernel as unknown as { runInfo(): { notebookSha256: string } }).runInfo();
    expect(info.notebookSha256).toBe(await sha256Hex(nb(2)));
  });

  it('re-runs a cell that reads runInfo() when only the notebook\'s prose changed; other cells stay cached', async () => {
    const h = harness();
    const nb = (prose: string) => `// %% [markdown]\n// ${prose}\n\n// %% id="a"\nconst a = 2;\n\n// %% id="r"\nconst hash = runInfo().notebookSha256;\nhash\n`;
    await h.kernel.open(nb('first words'));
    await h.kernel.run();
    const firstHash = JSON.stringify(h.last('r').outputs);
    await h.kernel.open(nb('other words'));
    h.clear();
    await h.kernel.run();
    expect(h.ranFresh()).toEqual(['r']);
    const { sha256Hex } = await import('../../kernel/hash.ts');
    expect(JSON.stringify(h.last('r').outputs)).toContain(await sha256Hex(nb('other words')));
    expect(JSON.stringify(h.last('r').outputs)).not.toBe(firstHash);
  });
});
