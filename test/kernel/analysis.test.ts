import { describe, expect, it } from 'vitest';
import { analyzeCell } from '../../kernel/analysis.ts';
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
