import { describe, expect, it } from 'vitest';
import { analyzeCell, compileCell } from '../../kernel/analysis.ts';
import { Kernel } from '../../kernel/runtime.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';
import { buildGraph } from '../../kernel/graph.ts';

describe('analyzeCell', () => {
  it('finds top-level definitions including destructuring, functions and classes', () => {
    const s = analyzeCell('const { a, b: [c] } = f();\nlet d = 1;\nfunction g() {}\nclass H {}\ntype T = number;\nconst _local = 2;');
    expect(s.defines).toEqual(['a', 'c', 'd', 'g', 'H', '_local']);
  });
  it('reads free identifiers but not properties, parameters, locals or types', () => {
    const s = analyzeCell('const y = (obj.prop as T).q + fn((p: number) => p + z);\nfor (const i of items) { const w = i; use(w); }\ntry { g() } catch (err) { h(err) }\nconst o = { short, long: val };');
    expect([...s.references].sort()).toEqual(['fn', 'g', 'h', 'items', 'obj', 'short', 'use', 'val', 'z']);
  });
  it('collects import bindings and reports syntax errors with lines', () => {
    const s = analyzeCell("import { threshold as th } from 'voxbook';\nimport * as vb from 'voxbook';\nconst x = ;");
    expect(s.imports).toEqual([
      { local: 'th', module: 'voxbook', imported: 'threshold' },
      { local: 'vb', module: 'voxbook', imported: '*' },
    ]);
    expect(s.diagnostics[0]!.line).toBe(3);
  });
});

describe('buildGraph', () => {
  const cell = (id: string, defines: string[], refs: string[]) => ({ id, defines, references: new Set(refs) });
  it('orders cells after their parents, document order among equals', () => {
    const g = buildGraph([cell('a', ['x'], ['y']), cell('b', ['y'], []), cell('c', ['z'], [])]);
    expect(g.order).toEqual(['b', 'a', 'c']);
    expect(g.inputs.get('a')).toEqual(['y']);
  });
  it('reports duplicate definitions on every cell involved', () => {
    const g = buildGraph([cell('a', ['x'], []), cell('b', ['x'], [])]);
    expect([...g.errors.keys()]).toEqual(['a', 'b']);
    expect(g.errors.get('a')![0]).toMatch(/"x" is defined in 2 cells/);
  });
  it('reports cycles and leaves the cells out of the run order', () => {
    const g = buildGraph([cell('a', ['x'], ['y']), cell('b', ['y'], ['x']), cell('c', ['z'], [])]);
    expect(g.errors.get('a')![0]).toMatch(/cycle: a → b → a/);
    expect(g.order).toEqual(['c']);
  });
});

/** Thirteen lines of TypeScript whose first five (types only) the transpiler removes; the throw is on line 13. */
const TYPED = `interface Point {
  x: number;
  y: number;
}
type Pair = [Point, Point];
const p: Point = { x: 1, y: 2 };
const pair: Pair = [p, p];
function total(a: Pair): number {
  return a[0].x + a[1].y;
}
const t = total(pair) as number;
if (t > 2) {
  throw new RangeError(\`total \${t}\`);
}`;

describe('compileCell: lines of the compiled body map to lines of the cell', () => {
  it('maps every generated line back to the source line it came from, across stripped types', () => {
    const { body, sourceLine } = compileCell(TYPED, ['p', 'pair', 'total', 't']);
    const generated = body.split('\n');
    // The interface and the type alias are gone, so the body is shorter than the source.
    expect(generated.findIndex((l) => l.includes('throw new RangeError'))).toBeLessThan(12);
    const source = TYPED.split('\n');
    // [text on the generated line, text on the source line, source line]
    const pairs = [
      ['const p =', 'const p: Point', 6], ['const pair =', 'const pair: Pair', 7], ['function total(a)', 'function total(a: Pair)', 8],
      ['return a[0].x', 'return a[0].x', 9], ['const t =', 'const t =', 11], ['if (t > 2)', 'if (t > 2)', 12], ['throw new RangeError', 'throw new RangeError', 13],
    ] as const;
    for (const [gen, src, line] of pairs) {
      expect(source[line - 1]).toContain(src);
      const g = generated.findIndex((l) => l.includes(gen));
      expect(g, gen).toBeGreaterThanOrEqual(0);
      expect(sourceLine(g + 1), gen).toBe(line);
    }
  });

  it('keeps lines when imports are blanked and the last expression becomes the value', () => {
    const src = "import { a } from 'm';\nconst b: number = a;\nconst c = b\n  * 2;\nc + 1";
    const { body, sourceLine } = compileCell(src, ['b', 'c']);
    const generated = body.split('\n');
    expect(sourceLine(generated.findIndex((l) => l.includes('__vb.value')) + 1)).toBe(5);
    expect(sourceLine(generated.findIndex((l) => l.includes('const c')) + 1)).toBe(3);
  });

  it('reports a runtime error on its line in the cell, after types the transpiler strips', async () => {
    const messages: KernelMessage[] = [];
    const kernel = new Kernel({ importModule: async () => ({}) }, (m) => messages.push(m));
    await kernel.open(`// %% id="a"\nconst k = 1;\n\n// %% id="typed"\n${TYPED}\n`);
    expect(await kernel.run()).toBe(false);
    const last = messages.filter((m): m is Extract<KernelMessage, { type: 'cell' }> => m.type === 'cell' && m.id === 'typed').pop()!;
    expect(last.status).toBe('error');
    expect(last.error).toMatchObject({ name: 'RangeError', message: 'total 3', line: 13 });
  });

  it('reports an error thrown inside a function on the function\'s line', async () => {
    const messages: KernelMessage[] = [];
    const kernel = new Kernel({ importModule: async () => ({}) }, (m) => messages.push(m));
    const src = TYPED.replace('return a[0].x + a[1].y;', 'if (a.length) throw new TypeError(\'inside\');\n  return 0;');
    await kernel.open(`// %% id="typed"\n${src}\n`);
    expect(await kernel.run()).toBe(false);
    const last = messages.filter((m): m is Extract<KernelMessage, { type: 'cell' }> => m.type === 'cell' && m.id === 'typed').pop()!;
    expect(last.error).toMatchObject({ name: 'TypeError', message: 'inside', line: 9 });
  });
});
