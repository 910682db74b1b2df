import { describe, expect, it } from 'vitest';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import type { LabelMap } from '../../cells/core/labelmap.ts';
import { IDENTITY3, makeVolume, type Vec3 } from '../../cells/core/volume.ts';
import { compareLabelMaps } from '../../cells/metrics/compare-labels.ts';
import { compareMasks } from '../../cells/metrics/compare-masks.ts';
import { maskPair, vol } from './synthetic.ts';

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

  it('equals compareMasks on full-size masks, bit for bit, label by label (each compared on its crop)', () => {
    // Int16 maps on an anisotropic, rotated grid: five labels as pairs of jittered blobs (a
    // negative one, one above 255), a label touching the grid's far corner in the prediction
    // only, one voxel of a label at the near corner in the reference only, a label scattered
    // over the whole grid (its crop is the grid), and label 0 asked for explicitly.
    const dims: Vec3 = [23, 19, 17];
    const n = dims[0] * dims[1] * dims[2];
    const r = new Int16Array(n), p = new Int16Array(n);
    [1, 5, -3, 300, 7].forEach((label, l) => {
      const [a, b] = maskPair(dims, 100 + l, 2, 0);
      for (let i = 0; i < n; i++) { if (a[i]) r[i] = label; if (b[i]) p[i] = label; }
    });
    for (let i = n - 30; i < n; i++) p[i] = 11;
    r[0] = 12;
    for (let i = 3; i < n; i += 97) { r[i] = 13; p[i + 1] = 13; }
    const grid = { dims, spacingMm: [0.7, 1.1, 2.5] as Vec3, originMm: [-40, 12.5, 3] as Vec3, direction: [0, 1, 0, -1, 0, 0, 0, 0, 1] as const };
    const ref = makeVolume({ data: r, ...grid }), pred = makeVolume({ data: p, ...grid });
    const full = (a: Int16Array, v: number) => makeVolume({ data: Uint8Array.from(a, (x) => (x === v ? 1 : 0)), ...grid });
    const expected = (v: number) => ({ label: v, name: `label ${v}`, ...compareMasks(full(r, v), full(p, v), { toleranceMm: 1.5 }) });

    const rows = compareLabelMaps(ref, pred, { toleranceMm: 1.5 });
    expect(rows.map((x) => x.label)).toEqual([-3, 1, 5, 7, 11, 12, 13, 300]);
    for (const row of rows) expect(row).toEqual(expected(row.label));
    // Some rows must have real distances for the comparison to mean anything.
    expect(rows.filter((x) => Number.isFinite(x.hdMm) && x.hdMm > 0).length).toBeGreaterThanOrEqual(5);

    const asked = compareLabelMaps(ref, pred, { labels: [0, 42, 5, 5], toleranceMm: 1.5 });
    expect(asked).toEqual([0, 42, 5, 5].map(expected));
  });
});
