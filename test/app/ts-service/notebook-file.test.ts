import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CELL_SEPARATOR, composeNotebookFile, rangeInCell, toCell, toFileOffset } from '../../../app/ts-service/notebook-file.ts';

const cells = [
  { key: 'a', source: 'const x = 1;' },
  { key: 'b', source: '' },
  { key: 'c', source: 'x.toFixed()\n// done' },
];

describe('the notebook as one file', () => {
  it('joins code cells in order with a separator that ends a statement', () => {
    const file = composeNotebookFile(cells);
    expect(file.text).toBe(`const x = 1;${CELL_SEPARATOR}${CELL_SEPARATOR}x.toFixed()\n// done`);
    expect(file.spans.map((s) => [s.key, s.start, s.length])).toEqual([
      ['a', 0, 12],
      ['b', 15, 0],
      ['c', 18, 19],
    ]);
  });

  it('maps cell positions to file offsets and back', () => {
    const file = composeNotebookFile(cells);
    expect(toFileOffset(file, 'c', 2)).toBe(20);
    expect(file.text.slice(20, 27)).toBe('toFixed');
    expect(toCell(file, 20)).toEqual({ key: 'c', pos: 2 });
    // A cell's end belongs to it; the separator after it to no cell.
    expect(toCell(file, 12)).toEqual({ key: 'a', pos: 12 });
    expect(toCell(file, 13)).toBeUndefined();
    expect(toCell(file, 15)).toEqual({ key: 'b', pos: 0 });
    expect(toFileOffset(file, 'a', 99)).toBe(12);
    expect(toFileOffset(file, 'nope', 0)).toBeUndefined();
  });

  it('clips a file range to the part inside one cell', () => {
    const file = composeNotebookFile(cells);
    expect(rangeInCell(file, 'c', 20, 27)).toEqual({ from: 2, to: 9 });
    expect(rangeInCell(file, 'a', 10, 20)).toEqual({ from: 10, to: 12 });
    expect(rangeInCell(file, 'c', 10, 20)).toEqual({ from: 0, to: 2 });
    expect(rangeInCell(file, 'a', 20, 27)).toBeUndefined();
    expect(rangeInCell(file, 'a', 12, 12)).toEqual({ from: 12, to: 12 });
    // A range ending where a cell starts does not touch it.
    expect(rangeInCell(file, 'c', 10, 18)).toBeUndefined();
  });

  it('round-trips every position of every cell (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 6 }), (sources) => {
        const file = composeNotebookFile(sources.map((source, i) => ({ key: `k${i}`, source })));
        for (const [i, source] of sources.entries()) {
          for (let pos = 0; pos <= source.length; pos++) {
            const offset = toFileOffset(file, `k${i}`, pos)!;
            expect(toCell(file, offset)).toEqual({ key: `k${i}`, pos });
            expect(file.text.slice(offset - pos, offset - pos + source.length)).toBe(source);
          }
        }
      }),
    );
  });
});
