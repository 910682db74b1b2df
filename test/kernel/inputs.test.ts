import { describe, expect, it } from 'vitest';
import { Kernel } from '../../kernel/runtime.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';
import * as inputs from '../../cells/viz/inputs.ts';

const INPUT_MIME = 'application/vnd.voxbook.input+json';

function harness() {
  const messages: KernelMessage[] = [];
  const kernel = new Kernel({ importModule: async (s) => {
    if (s !== 'voxbook') throw new Error(`no module ${s}`);
    return inputs as unknown as Record<string, unknown>;
  } }, (m) => messages.push(m));
  type CellMessage = Extract<KernelMessage, { type: 'cell' }>;
  const cellMessages = (id: string) => messages.filter((m): m is CellMessage => m.type === 'cell' && m.id === id);
  const status = (id: string) => cellMessages(id).pop()?.status;
  const ran = () => messages.filter((m): m is CellMessage => m.type === 'cell' && m.status === 'running').map((m) => m.id);
  const outputs = (id: string) => cellMessages(id).filter((m) => m.outputs !== undefined).pop()?.outputs ?? [];
  const text = (id: string) => outputs(id).map((o) => o.data['text/plain']).join('\n');
  const logs = () => messages.filter((m): m is Extract<KernelMessage, { type: 'log' }> => m.type === 'log').map((m) => m.text);
  return { kernel, messages, status, ran, outputs, text, logs, clear: () => (messages.length = 0) };
}

const NB = `// %% id="p" tags=["parameters"]
import { slider, select, checkbox, button } from 'voxbook';
const input = 'scan';
const minHu = slider('minHu', { min: -1000, max: 3000, value: 226, label: 'bone (HU)' });

// %% id="load"
const loaded = input + ' loaded';
loaded

// %% id="segment"
const mask = \`mask ≥ \${minHu} of \${loaded}\`;
mask

// %% id="mesh" tags=["lazy"]
const surface = mask + ' meshed';
surface

// %% id="view"
const mode = select('mode', { options: ['surface', 'slices'] });
const smooth = checkbox('smooth', { value: true });
const presses = button('again');
\`\${mode} \${smooth} \${presses}\`
`;

describe('inputs', () => {
  it('shows a widget and gives the cell the plain default value', async () => {
    const h = harness();
    await h.kernel.open(NB);
    expect(await h.kernel.run()).toBe(true);
    const widget = h.outputs('p')[0]!.data[INPUT_MIME];
    expect(widget).toEqual({ kind: 'slider', name: 'minHu', label: 'bone (HU)', value: 226, min: -1000, max: 3000, step: 1 });
    expect(h.text('segment')).toBe('mask ≥ 226 of scan loaded');
    expect(h.text('view')).toContain('surface true 0');
    expect(h.outputs('view').map((o) => (o.data[INPUT_MIME] as { kind: string } | undefined)?.kind)).toEqual(['select', 'checkbox', 'button', undefined]);
  });

  it('a slider move re-runs only the cells that read it; lazy ones go stale', async () => {
    const h = harness();
    await h.kernel.open(NB);
    await h.kernel.run();
    h.clear();
    expect(await h.kernel.setInput('p', 'minHu', 300)).toBe(true);
    expect(h.ran()).toEqual(['p', 'segment']);
    // load reads only \`input\`, which did not change: not re-run, and no news of it at all.
    expect(h.status('load')).toBeUndefined();
    expect(h.status('view')).toBeUndefined(); // not downstream: not even queued
    expect(h.status('mesh')).toBe('stale');
    expect(h.text('segment')).toBe('mask ≥ 300 of scan loaded');
    expect((h.outputs('p')[0]!.data[INPUT_MIME] as { value: number }).value).toBe(300);
    // The value is part of the cell's key: back to 226 takes every cell from the cache.
    h.clear();
    await h.kernel.setInput('p', 'minHu', 226);
    expect(h.ran()).toEqual([]);
    expect(h.status('mesh')).toBe('done');
  });

  it('coalesces moves that arrive before their run starts: newest wins, one run', async () => {
    const h = harness();
    await h.kernel.open(NB);
    await h.kernel.run();
    h.clear();
    const first = h.kernel.setInput('p', 'minHu', 250);
    const rest = [260, 270, 280, 290, 310].map((v) => h.kernel.setInput('p', 'minHu', v));
    await Promise.all([first, ...rest]);
    // All six arrived before the run began: one run, with the last value.
    expect(h.ran()).toEqual(['p', 'segment']);
    expect(new Set([first, ...rest]).size).toBe(1);
    expect(h.text('segment')).toBe('mask ≥ 310 of scan loaded');
  });

  it('refuses a value outside the slider, failing the cell with why', async () => {
    const h = harness();
    await h.kernel.open(NB);
    await h.kernel.run();
    expect(await h.kernel.setInput('p', 'minHu', 5000)).toBe(false);
    const p = h.messages.filter((m): m is Extract<KernelMessage, { type: 'cell' }> => m.type === 'cell' && m.id === 'p').pop()!;
    expect(p.error).toMatchObject({ name: 'ParameterError', message: expect.stringContaining('input minHu: 5000 is above its maximum 3000') });
  });

  it('headless: -p sets an input of the parameters cell and one of another cell, converted like a parameter', async () => {
    const h = harness();
    await h.kernel.open(NB, { minHu: '300', mode: 'slices' });
    expect(await h.kernel.run()).toBe(true);
    expect(h.text('segment')).toBe('mask ≥ 300 of scan loaded');
    expect(h.text('view')).toContain('slices true 0');
  });

  it('headless: refuses -p for a name that is neither a parameter nor an input, and one that does not fit', async () => {
    const typo = harness();
    await typo.kernel.open(NB, { minHU: '300' });
    expect(await typo.kernel.run()).toBe(false);
    const p = typo.messages.filter((m): m is Extract<KernelMessage, { type: 'cell' }> => m.type === 'cell' && m.id === 'p').pop()!;
    expect(p.error?.message).toBe('unknown parameter "minHU"; the parameters cell defines: input, minHu');
    const bad = harness();
    await bad.kernel.open(NB, { mode: 'volume' });
    expect(await bad.kernel.run()).toBe(false);
    expect(bad.messages.some((m) => m.type === 'cell' && m.id === 'view' && m.error?.message.includes('"volume" is not one of "surface", "slices"'))).toBe(true);
  });

  it('refuses two inputs with the same name', async () => {
    const h = harness();
    await h.kernel.open(NB.replace("button('again')", "button('mode')"));
    expect(await h.kernel.run()).toBe(false);
    const view = h.messages.filter((m): m is Extract<KernelMessage, { type: 'cell' }> => m.type === 'cell' && m.id === 'view').pop()!;
    expect(view.error).toMatchObject({ name: 'InputError', message: 'input "mode" is declared twice in this cell; give each input its own name' });
  });

  it('a string literal that names an override but is no input fails the run at its end', async () => {
    const h = harness();
    await h.kernel.open(NB.replace("const loaded = input + ' loaded';", "const loaded = input + ' loaded' + 'colour'.length;"), { colour: 'red' });
    expect(await h.kernel.run()).toBe(false);
    expect(h.logs()).toContain('unknown parameter "colour"; the parameters cell defines: input, minHu; the inputs are: minHu, mode, smooth, again');
  });

  it('a kernel opened with input values set before (a fresh one after Stop) runs with them', async () => {
    const h = harness();
    await h.kernel.open(NB, {}, [{ id: 'p', name: 'minHu', value: 333 }]);
    expect(await h.kernel.run()).toBe(true);
    expect(h.text('segment')).toBe('mask ≥ 333 of scan loaded');
    expect((h.outputs('p')[0]!.data[INPUT_MIME] as { value: number }).value).toBe(333);
  });

  it('outside a kernel an input is its default', () => {
    expect(inputs.slider('t', { min: 0, max: 10, value: 4 })).toBe(4);
    expect(() => inputs.slider('t', { min: 0, max: 10, value: 40 })).toThrow('input t: 40 is above its maximum 10');
  });
});
