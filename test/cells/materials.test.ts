import { describe, expect, it } from 'vitest';
import { AbortError, GeometryError, ParameterError } from '../../cells/core/errors.ts';
import type { LabelMap } from '../../cells/core/labelmap.ts';
import { IDENTITY3, makeVolume, type Vec3 } from '../../cells/core/volume.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { labelSurfaces } from '../../cells/mesh/label-surfaces.ts';
import { assignMaterials, DEFAULT_MATERIAL_TABLE, type MaterialTable } from '../../cells/print/materials.ts';

// A synthetic CT: label 1 (a slab, "soft") holds HU 0..60 in a known pattern, label 2 (a cube,
// "bone") holds 1000 + 10·(i mod 5), label 3 ("fat") −100; background −1000.
const dims: Vec3 = [20, 10, 10];
const n = dims[0] * dims[1] * dims[2];
const labels = new Uint8Array(n), hu = new Int16Array(n).fill(-1000);
const soft: number[] = [], bone: number[] = [];
for (let k = 0; k < 10; k++)
  for (let j = 0; j < 10; j++)
    for (let i = 0; i < 20; i++) {
      const v = i + 20 * (j + 10 * k);
      if (i >= 2 && i < 8 && j >= 2 && j < 8 && k >= 2 && k < 8) { labels[v] = 1; hu[v] = (i + j + k) * 2 + 3; soft.push(hu[v]!); }
      else if (i >= 10 && i < 16 && j >= 2 && j < 8 && k >= 2 && k < 8) { labels[v] = 2; hu[v] = 1000 + 10 * (i % 5); bone.push(hu[v]!); }
      else if (i === 18 && j === 5 && k === 5) { labels[v] = 3; hu[v] = -100; }
    }
const geom = { dims, spacingMm: [0.5, 0.5, 1] as Vec3, originMm: [0, 0, 0] as Vec3, direction: IDENTITY3 };
const ct = makeVolume({ data: hu, ...geom, source: { input: 'synthetic', format: 'test', sha256: '', description: 'synthetic CT', valueUnit: 'HU' } });
const labelMap: LabelMap = { ...makeVolume({ data: labels, ...geom }), labels: [{ value: 1, name: 'soft', color: [213, 94, 0] }, { value: 2, name: 'bone', color: [227, 218, 201] }, { value: 3, name: 'fat', color: [240, 228, 66] }] };
const { parts } = labelSurfaces(labelMap);

/** numpy's default percentile, on a sorted copy. */
function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b), v = (s.length - 1) * q / 100, lo = Math.floor(v);
  return lo + 1 < s.length ? s[lo]! + (s[lo + 1]! - s[lo]!) * (v - lo) : s[lo]!;
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('assignMaterials', () => {
  const r = assignMaterials(parts, ct, { labelMap });
  const by = (name: string) => r.parts.find((p) => p.name === name)!;

  it('measures each label\'s HU statistics (mean, median, p5, p95)', () => {
    for (const [name, xs] of [['soft', soft], ['bone', bone]] as const) {
      const s = by(name).huStats;
      expect(s.voxels).toBe(xs.length);
      expect(s.meanHu).toBeCloseTo(mean(xs), 9);
      expect(s.medianHu).toBeCloseTo(percentile(xs, 50), 9);
      expect(s.p5Hu).toBeCloseTo(percentile(xs, 5), 9);
      expect(s.p95Hu).toBeCloseTo(percentile(xs, 95), 9);
    }
    expect(by('fat').huStats).toEqual({ voxels: 1, meanHu: -100, medianHu: -100, p5Hu: -100, p95Hu: -100 });
  });

  it('maps > 800 HU to rigid bone-like at 80% and 20–40 HU to soft silicone-like at 50%; the nearest rule otherwise, and says so', () => {
    expect(percentile(soft, 50)).toBeGreaterThanOrEqual(20);
    expect(percentile(soft, 50)).toBeLessThanOrEqual(40);
    expect([by('bone').material, by('bone').infillPercent, by('bone').chosenBy]).toEqual(['rigid bone-like', 80, 'hu-range']);
    expect([by('soft').material, by('soft').infillPercent, by('soft').chosenBy]).toEqual(['soft silicone-like', 50, 'hu-range']);
    expect([by('fat').material, by('fat').chosenBy]).toEqual(['soft silicone-like', 'nearest-hu-range']);
    expect(by('soft').color).toBe('#D55E00'); // the part's own colour when the rule names none
    expect(r.warnings).toEqual([]);
  });

  it('lets a table by name override the rules, and rules be changed as data', () => {
    const table: MaterialTable = {
      ...DEFAULT_MATERIAL_TABLE,
      statistic: 'meanHu',
      rules: [{ material: 'PLA', maxHu: 500, infillPercent: 15, color: '#00ff00' }, ...DEFAULT_MATERIAL_TABLE.rules],
      byName: { bone: { material: 'PETG', infillPercent: 100, color: '#ffffff' } },
    };
    const t = assignMaterials(parts, ct, { labelMap, table });
    expect(t.parts.map((p) => [p.name, p.material, p.infillPercent, p.color, p.chosenBy])).toEqual([
      ['soft', 'PLA', 15, '#00FF00', 'hu-range'], ['bone', 'PETG', 100, '#FFFFFF', 'name'], ['fat', 'PLA', 15, '#00FF00', 'hu-range'],
    ]);
  });

  it('gives a table view with one row per part', () => {
    const t = r.view.value;
    expect(t.rows.map((row) => [row[0], row[1], row[2], row[7], row[8]])).toEqual([['soft', 1, 216, 'soft silicone-like', 50], ['bone', 2, 216, 'rigid bone-like', 80], ['fat', 3, 1, 'soft silicone-like', 50]]);
    expect(t.rows[1]![9]).toBe('median in ≥ 800 HU');
    expect(String(r.view[MIME_METHOD]().data['text/markdown'])).toContain('| bone | 2 | 216 | 1016.7 |');
  });

  it('warns when the volume is not known to be HU', () => {
    const { source: _s, ...bare } = ct;
    expect(assignMaterials(parts, bare, { labelMap }).warnings.length).toBe(1);
  });

  it('throws typed errors for bad input', () => {
    expect(() => assignMaterials([], ct, { labelMap })).toThrow(ParameterError);
    expect(() => assignMaterials([{ ...parts[0]!, label: 9 }], ct, { labelMap })).toThrow(ParameterError);
    expect(() => assignMaterials(parts, ct, { labelMap, table: { statistic: 'medianHu', rules: [] } })).toThrow(ParameterError);
    expect(() => assignMaterials(parts, ct, { labelMap, table: { statistic: 'medianHu', rules: [{ material: 'x', minHu: 50, maxHu: 10, infillPercent: 20 }] } })).toThrow(ParameterError);
    expect(() => assignMaterials(parts, ct, { labelMap, table: { statistic: 'medianHu', rules: [{ material: 'x', infillPercent: 120 }] } })).toThrow(ParameterError);
    expect(() => assignMaterials(parts, ct, { labelMap, table: { statistic: 'medianHu', rules: [{ material: 'x', minHu: Infinity, infillPercent: 20 }] } })).toThrow(ParameterError);
    const small = makeVolume({ ...geom, dims: [10, 10, 20] as Vec3, data: hu });
    expect(() => assignMaterials(parts, small, { labelMap })).toThrow(GeometryError);
    const ac = new AbortController();
    ac.abort();
    expect(() => assignMaterials(parts, ct, { labelMap, signal: ac.signal })).toThrow(AbortError);
  });
});
