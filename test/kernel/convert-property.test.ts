/**
 * Property: converting any .ipynb to the percent format either refuses with a typed error,
 * or gives text in which (a) TypeScript's scanner finds code only inside cells the .ipynb
 * held as code cells, and (b) reading it back gives the same cells.
 *
 * Documented normalisation (percent.ts): a code cell's source reads back with `\r\n` and
 * lone `\r` as `\n`, and without trailing blank lines; a metadata number -0 reads back as 0. Everything else — markdown and raw sources byte
 * for byte, ids, titles, metadata (in order) — must come back exactly.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ts from 'typescript';
import { NotebookWriteError, parsePercent } from '../../kernel/notebook/percent.ts';
import { fromIpynb, toIpynb, IpynbFormatError } from '../../kernel/notebook/ipynb.ts';
import { notebookToText } from '../../kernel/notebook/file.ts';

/** Pieces that end comments, start markers, confuse titles and metadata, or open strings. */
const DANGEROUS = ['\n', '\r', '\r\n', '\u2028', '\u2029', '%%', '// %%', '//', '[markdown]', '[raw]', '[md]', '*/', '/*', '=', 'x=1', '"', "'", '`', '${', '}', '\\', ' ', '  ', '\t', 'a', 'id', 'title', 'é'];
/** Code built from these never leaves a string, comment or template open. */
const TAME = ['\n', '\r', '\u2028', '\u2029', '%%', '// %%', '//', '[markdown]', '=', 'x=1', ' ', 'a', 'f()', ';', '"s"', '`t`', '/* c */', '\\'];

/** Code cells built from DANGEROUS pieces: the only cells the writer may refuse. */
const untamed = new WeakSet<object>();
const text = (pieces: readonly string[], maxLength = 10) => fc.array(fc.constantFrom(...pieces), { maxLength }).map((p) => p.join(''));
const dangerous = text(DANGEROUS);
const metaValue = fc.oneof(dangerous, fc.jsonValue({ maxDepth: 2 }), fc.array(dangerous, { maxLength: 3 }), fc.dictionary(dangerous, dangerous, { maxKeys: 2 }));
const metadata = fc.oneof(
  { weight: 3, arbitrary: fc.dictionary(fc.oneof(dangerous, fc.constantFrom('tags', 'title', 'a.b', 'x-y', '__proto__', 'constructor')), metaValue, { maxKeys: 3 }) },
  { weight: 2, arbitrary: fc.record({ title: dangerous }) },
);
const source = (pieces: readonly string[]) => fc.oneof(text(pieces, 14), fc.array(text(pieces, 5), { maxLength: 4 }));
const cell = fc.record(
  {
    id: fc.constantFrom('a', 'b', 'c', 'cell-1', 'cell-2', 'cell-3', 'x_Y-9'),
    cell_type: fc.constantFrom('code', 'markdown', 'raw'),
    metadata,
    tame: fc.boolean(),
    danger: source(DANGEROUS),
    safe: source(TAME),
    outputs: fc.constantFrom(undefined, [], [{ output_type: 'stream', name: 'stdout', text: 'x' }]),
  },
  { requiredKeys: ['cell_type', 'metadata', 'tame', 'danger', 'safe'] },
).map(({ tame, danger, safe, outputs, ...c }) => {
  const out = { ...c, source: c.cell_type === 'code' && tame ? safe : danger, ...(outputs ? { outputs } : {}) };
  if (c.cell_type === 'code' && !tame) untamed.add(out);
  return out;
});
const notebook = fc.array(cell, { minLength: 1, maxLength: 5 }).map((cells) => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));

/** JSON has no -0: metadata -0 is written, and read back, as 0 (as in any .ipynb writer). */
const json = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
const joined = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);
/** The documented normalisation of code sources, written independently of percent.ts. */
const normalCode = (s: string) => s.replace(/\r\n?/g, '\n').replace(/(^|[\n\r\u2028\u2029])\s*$/, '');

/** [start, end) of each cell's lines after its marker, found from the text alone. */
function cellBodies(out: string): Array<[number, number]> {
  const bodies: Array<[number, number]> = [];
  let lineStart = 0;
  for (let i = 0; i <= out.length; i++) {
    if (i < out.length && !/[\n\r\u2028\u2029]/.test(out[i]!)) continue;
    const line = out.slice(lineStart, i);
    if (/^\/\/ %%( |$)/.test(line)) {
      if (bodies.length > 0) bodies[bodies.length - 1]![1] = lineStart;
      bodies.push([i + 1, out.length]);
    }
    lineStart = i + 1;
  }
  return bodies;
}

/** Non-trivia tokens, driving the scanner as an editor does: `}` closing `${` continues the template. */
function tokens(out: string): Array<[number, number]> {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, out);
  const found: Array<[number, number]> = [];
  const stack: boolean[] = [];
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    if (k >= ts.SyntaxKind.FirstTriviaToken && k <= ts.SyntaxKind.LastTriviaToken) continue;
    if (k === ts.SyntaxKind.CloseBraceToken && stack.pop() === true) k = scanner.reScanTemplateToken(false);
    if (k === ts.SyntaxKind.OpenBraceToken) stack.push(false);
    if (k === ts.SyntaxKind.TemplateHead || k === ts.SyntaxKind.TemplateMiddle) stack.push(true);
    found.push([scanner.getTokenStart(), scanner.getTokenEnd()]);
  }
  return found;
}

describe('convert .ipynb → .nb.ts (property)', () => {
  it('refuses with a typed error, or keeps code in code cells and reads back the same cells', () => {
    const tally = { runs: 0, badIpynb: 0, refused: 0, written: 0, codeCells: 0, otherCells: 0 };
    const t0 = performance.now();
    fc.assert(
      fc.property(notebook, (doc) => {
        tally.runs++;
        let nb;
        try {
          nb = fromIpynb(doc);
        } catch (e) {
          expect(e).toBeInstanceOf(IpynbFormatError);
          tally.badIpynb++;
          return;
        }
        let out: string;
        try {
          out = notebookToText(nb, 'x.nb.ts');
        } catch (e) {
          // Only a code cell that may leave a template literal, comment or string open is
          // refused; titles, metadata, markdown and raw text are always escaped, never refused.
          expect(e, String(e)).toBeInstanceOf(NotebookWriteError);
          const blamed = doc.cells[(e as NotebookWriteError).cellIndex]!;
          expect(untamed.has(blamed), `${String(e)} for ${JSON.stringify(doc)}`).toBe(true);
          expect(String(e)).toMatch(/TypeScript/);
          tally.refused++;
          return;
        }
        tally.written++;
        // (a) Every token lies inside the body of a cell the .ipynb held as code.
        const bodies = cellBodies(out);
        expect(bodies.length).toBe(doc.cells.length);
        for (const [start, end] of tokens(out)) {
          const i = bodies.findIndex(([s, e]) => start >= s && start < e);
          expect(i, `token ${JSON.stringify(out.slice(start, end))} outside every cell in ${JSON.stringify(out)}`).toBeGreaterThanOrEqual(0);
          expect(doc.cells[i]!.cell_type, `token ${JSON.stringify(out.slice(start, end))} in a ${doc.cells[i]!.cell_type} cell of ${JSON.stringify(out)}`).toBe('code');
          expect(end).toBeLessThanOrEqual(bodies[i]![1]);
        }
        // (b) The same cells come back: kind, source, id, metadata, title.
        const back = parsePercent(out).cells;
        expect(back.length).toBe(doc.cells.length);
        back.forEach((c, i) => {
          const original = doc.cells[i]!;
          const src = joined(original.source);
          expect(c.kind).toBe(original.cell_type);
          expect(c.source).toBe(original.cell_type === 'code' ? normalCode(src) : src);
          expect(c.id).toBe(original.id ?? c.id);
          const expected = nb.cells[i]!;
          expect({ ...c, metadata: json(c.metadata) }).toEqual({ ...expected, metadata: json(expected.metadata), source: original.cell_type === 'code' ? normalCode(src) : src });
          if (original.cell_type === 'code') tally.codeCells++;
          else tally.otherCells++;
        });
        // And back to .ipynb: the metadata (title included) as the document had it.
        toIpynb({ cells: back, preamble: '' }).cells.forEach((c, i) => {
          expect(json(c.metadata)).toEqual(json(doc.cells[i]!.metadata));
          expect(c.cell_type).toBe(doc.cells[i]!.cell_type);
        });
      }),
      { seed: 20240511, numRuns: 3000 },
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(`convert property: ${JSON.stringify(tally)} in ${seconds.toFixed(1)} s`);
    // Enough documents must get through for the property to mean something.
    expect(tally.written).toBeGreaterThan(tally.runs / 4);
  }, 20_000);
});
