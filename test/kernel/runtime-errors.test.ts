import { describe, expect, it } from 'vitest';
import { Kernel } from '../../kernel/runtime.ts';
import type { CellError, KernelMessage } from '../../kernel/protocol.ts';

type CellMessage = Extract<KernelMessage, { type: 'cell' }>;

function harness(modules: Record<string, Record<string, unknown>> = {}) {
  const messages: KernelMessage[] = [];
  const kernel = new Kernel({ importModule: async (s) => modules[s] ?? {} }, (m) => messages.push(m));
  const last = (id: string) => messages.filter((m): m is CellMessage => m.type === 'cell' && m.id === id).pop()!;
  const logs = () => messages.filter((m): m is Extract<KernelMessage, { type: 'log' }> => m.type === 'log').map((m) => m.text);
  return { kernel, messages, last, logs };
}

/** A controllable cell body: `hold()` tells the test the cell is running and never settles. */
function holder() {
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  return { running, module: { hold: () => { started(); return new Promise(() => {}); } } };
}

/** An error whose stack passes through a cell, as V8 prints it. */
function errorFromCell(id: string, message: string): Error {
  const e = new Error(message);
  e.stack = `Error: ${message}\n    at eval (voxbook-cell-${id}.js:3:9)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`;
  return e;
}

describe('Kernel: values thrown that are not Errors', () => {
  const cases: Array<[string, Partial<CellError>]> = [
    ['throw 42;', { name: 'Uncaught value (number)', message: '42' }],
    ['throw { code: 1 };', { name: 'Uncaught value (object)', message: '{"code":1}' }],
    ['throw null;', { name: 'Uncaught value (null)', message: 'null' }],
    ['throw undefined;', { name: 'Uncaught value (undefined)', message: 'undefined' }],
    ["throw 'text';", { name: 'Uncaught value (string)', message: '"text"' }],
    ['throw [1, 2n];', { name: 'Uncaught value (array)', message: '[1,"2n"]' }],
    ['const _o: any = { a: 1 }; _o.self = _o; throw _o;', { name: 'Uncaught value (object)', message: '{"a":1,"self":"[Circular]"}' }],
    ['throw Object.create(null);', { name: 'Uncaught value (object)', message: '[null prototype] {}' }],
    ['class Oops { n = 2 }\nthrow new Oops();', { name: 'Uncaught value (object)', message: 'Oops {"n":2}' }],
    ["throw { toJSON() { throw new Error('no'); } };", { name: 'Uncaught value (object)', message: '(a value that cannot be shown)' }],
  ];
  for (const [source, error] of cases) {
    it(`shows \`${source}\` as what it is`, async () => {
      const h = harness();
      await h.kernel.open(`// %% id="a"\n${source}\n\n// %% id="b"\nconst ok = 1;\nok\n`);
      expect(await h.kernel.run()).toBe(false);
      expect(h.last('a').status).toBe('error');
      expect(h.last('a').error).toMatchObject(error);
      expect(h.last('b').status).toBe('done');
    });
  }
});

describe('Kernel.reportUncaught', () => {
  it('fails the running cell at once when the error has no cell frame, even if its code never settles', async () => {
    const { running, module } = holder();
    const h = harness({ ctl: module });
    await h.kernel.open(`// %% id="a"\nconst x = 1;\n\n// %% id="b"\nimport { hold } from 'ctl';\nawait hold();\nconst y = x;\n\n// %% id="c"\nconst z = y;\n`);
    const done = h.kernel.run();
    await running;
    h.kernel.reportUncaught({ code: 7 }, 'rejection');
    expect(await done).toBe(false);
    expect(h.last('b').error).toMatchObject({ name: 'Uncaught value (object)', message: '{"code":7} (an unhandled promise rejection)' });
    expect(h.last('c').status).toBe('blocked');
    expect(h.last('a').status).toBe('done');
  });

  it('fails the cell named in the stack, not the running one, and fails the run', async () => {
    const { running, module } = holder();
    let release!: () => void;
    const h = harness({ ctl: { hold: () => { module.hold(); return new Promise<void>((r) => (release = r)); } } });
    await h.kernel.open(`// %% id="a"\nconst x = 1;\n\n// %% id="b"\nimport { hold } from 'ctl';\nawait hold();\nconst y = 2;\n`);
    const done = h.kernel.run();
    await running;
    h.kernel.reportUncaught(errorFromCell('a', 'late boom'), 'exception');
    release();
    expect(await done).toBe(false);
    expect(h.last('a').status).toBe('error');
    expect(h.last('a').error!.message).toBe('late boom (an uncaught exception in a callback, after the cell had finished)');
    expect(h.last('b').status).toBe('done');
    expect(h.logs().join('\n')).toContain('cell "a": Error: late boom');
    // Its results were withdrawn: the next run computes it again.
    h.messages.length = 0;
    expect(await h.kernel.run()).toBe(true);
    expect(h.messages.some((m) => m.type === 'cell' && m.id === 'a' && m.status === 'running')).toBe(true);
  });

  it('fails a cell named in the stack after the run, and logs an error no cell can be named for', async () => {
    const h = harness();
    await h.kernel.open(`// %% id="a"\nconst x = 1;\n`);
    expect(await h.kernel.run()).toBe(true);
    h.kernel.reportUncaught(errorFromCell('a', 'later'), 'rejection');
    expect(h.last('a').status).toBe('error');
    h.kernel.reportUncaught('orphan', 'rejection');
    expect(h.logs()).toContain('an unhandled promise rejection outside any cell: Uncaught value (string): "orphan"');
  });
});
