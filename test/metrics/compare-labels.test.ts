import { describe, expect, it } from 'vitest';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import type { LabelMap } from '../../cells/core/labelmap.ts';
import { IDENTITY3, makeVolume, type Vec3 } from '../../cells/core/volume.ts';
import { compareLabelMaps } from '../../cells/metrics/compare-labels.ts';
import { compareMasks } from '../../cells/metrics/compare-masks.ts';
import { vol } from './synthetic.ts';

const G: Vec3 = [10, 8, 6];
const S: Vec3 = [0.5, 0.75, 2];

/** Label 1: x < 4; label 2: x ≥ 6 (reference) or x ≥ 5 (prediction); label 3 only in the prediction. */
function maps(): [Uint8Array, Uint8Array] {
  const r = new Uint8Array(480), p = new Uint8Array(480);
  for (let z = 0, i = 0; z < 6; z++) for (let y = 0; y < 8; y++) for (let x = 0; x < 10; x++, i++) {
    r[i] = x < 4 ? 1 : x >= 6 ? 2 : 0;
    p[i] = x < 4 ? 1 : x >= 5 ? 2 : 0;
    if (z === 5 && y === 0 && x === 4) p[i] = 3;
  }
  return [r, p];
}

describe('compareLabelMaps', () => {
  const [r, p] = maps();
  const table: LabelMap = { ...makeVolume({ data: r, dims: G, spacingMm: S, originMm: [0, 0, 0], direction: IDENTITY3 }), labels: [
    { value: 1, name: 'skull', color: [255, 255, 255] }, { value: 2, name: 'brain', color: [200, 100, 100] },
  ] };

  it('gives one row per label present, named from the label table, each equal to compareMasks of that label', () => {
    const rows = compareLabelMaps(table, vol(p, G, S));
    expect(rows.map((x) => [x.label, x.name])).toEqual([[1, 'skull'], [2, 'brain'], [3, 'label 3']]);
    expect(rows[0]).toMatchObject({ dice: 1, hdMm: 0, surfaceDice: 1 });
    // Label 2: reference 4 columns of x, prediction 5 → Dice 2·4/9; the extra layer is 0.5 mm away.
    expect(rows[1]!.dice).toBeCloseTo(8 / 9, 15);
    expect(rows[1]!.hdMm).toBe(0.5);
    const only2 = (a: Uint8Array) => vol(Uint8Array.from(a, (v) => (v === 2 ? 1 : 0)), G, S);
    expect(rows[1]).toEqual({ label: 2, name: 'brain', ...compareMasks(only2(r), only2(p)) });
    // Label 3 is absent from the reference: Dice 0, distances Infinity.
    expect(rows[2]).toMatchObject({ dice: 0, hdMm: Infinity, volumeDiffPercent: Infinity });
  });

  it('compares only the labels asked for, in that order, absent ones as both-empty', () => {
    const rows = compareLabelMaps(vol(r, G, S), vol(p, G, S), { labels: [7, 1] });
    expect(rows.map((x) => x.label)).toEqual([7, 1]);
    expect(rows[0]).toMatchObject({ dice: 1, hdMm: 0 });
  });

  it('refuses different grids, float data and non-integer labels', () => {
    expect(() => compareLabelMaps(vol(r, G, S), vol(p, G, [0.5, 0.75, 2.5]))).toThrow(GeometryError);
    const f = makeVolume({ data: new Float32Array(480), dims: G, spacingMm: S, originMm: [0, 0, 0], direction: IDENTITY3 });
    expect(() => compareLabelMaps(f as never, vol(p, G, S))).toThrow(/integer labels, got Float32Array/);
    expect(() => compareLabelMaps(vol(r, G, S), vol(p, G, S), { labels: [1.5] })).toThrow(ParameterError);
  });
});
