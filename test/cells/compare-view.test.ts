import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, makeVolume, type Mat3, type Vec3 } from '../../cells/core/volume.ts';
import { compareLabelMaps } from '../../cells/metrics/compare-labels.ts';
import { compareMasks } from '../../cells/metrics/compare-masks.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { compareView } from '../../cells/viz/compare-view.ts';

const dims: Vec3 = [32, 28, 20];
const spacingMm: Vec3 = [1, 1, 2];
const grid = <T extends Uint8Array | Float32Array>(data: T, direction: Mat3 = IDENTITY3) => makeVolume<T>({ data, dims, spacingMm, originMm: [0, 0, 0], direction });
const at = (i: number, j: number, k: number) => i + dims[0] * (j + dims[1] * k);

/** A ball of radius r mm about (cx, cy, cz) mm, as a 0/1 mask. */
function ball(cx: number, cy: number, cz: number, r: number, value = 1): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) {
    if (Math.hypot(i - cx, j - cy, 2 * k - cz) <= r) m[at(i, j, k)] = value;
  }
  return m;
}

/** An image: 100 everywhere, with one bright voxel column at the anterior (j = 0) and one at the top (k = 19). */
function image(): Float32Array {
  const d = new Float32Array(dims[0] * dims[1] * dims[2]).fill(100);
  for (let k = 0; k < dims[2]; k++) d[at(16, 0, k)] = 1000;
  for (let j = 0; j < dims[1]; j++) d[at(16, j, 19)] = 1000;
  return d;
}

const png = (v: ReturnType<typeof compareView>) => {
  const b = v[MIME_METHOD]();
  const p = decode(Uint8Array.from(atob(b.data['image/png'] as string), (c) => c.charCodeAt(0)));
  return { b, p };
};

describe('compareView', () => {
  const a = grid(ball(15, 14, 20, 8)), b = grid(ball(18, 14, 20, 8));
  const img = grid(image());

  it("puts compareMasks' Dice and HD95 in the caption, from the metric functions", () => {
    const v = compareView(img, a, b, { names: ['manual', 'model'] });
    const m = compareMasks(a, b);
    expect(v.value.kind).toBe('masks');
    expect(v.value.dice).toBe(m.dice);
    expect(v.value.hd95Mm).toBe(m.hd95Mm);
    expect(v.value.caption).toBe(`manual vs model: Dice ${m.dice.toFixed(4)} · HD95 ${m.hd95Mm.toFixed(2)} mm`);
    expect(m.dice).toBeGreaterThan(0.5);
    expect(m.dice).toBeLessThan(0.9);
    const { b: bundle, p } = png(v);
    expect(bundle.data['text/plain']).toContain(v.value.caption);
    expect(bundle.data['text/html']).toContain('<figcaption');
    expect(bundle.data['text/html']).toContain('Dice ' + m.dice.toFixed(4));
    expect([p.width, p.height]).toEqual([v.value.width, v.value.height]);
  });

  it('lays out axial, coronal and sagittal panels with square pixels, through the middle of A ∪ B', () => {
    // A ∪ B spans i 7..26, j 6..22, k 6..14: middles 16.5 → 17, 14, 10.
    const v = compareView(img, a, b);
    // 32 mm × 28 mm × 40 mm at 40/256 mm per pixel (a small volume is enlarged to 256 px across).
    expect(v.value.pixelMm).toBeCloseTo(40 / 256, 12);
    expect(v.value.panels.map((p) => [p.plane, p.index, p.width, p.height])).toEqual([
      ['axial', 10, 205, 179], ['coronal', 14, 205, 256], ['sagittal', 17, 179, 256],
    ]);
    expect(v.value.width).toBe(205 + 205 + 179 + 8);
    expect(v.value.panels.every((p) => p.outlineA > 0 && p.outlineB > 0 && p.overlap > 0)).toBe(true);
  });

  it('draws A orange, B sky blue, the overlap green-tinted, and coincident outlines alternating', () => {
    const v = compareView(img, a, a, { windowCenter: 100, windowWidth: 200 });
    const { p } = png(v);
    const rgbAt = (x: number, y: number) => [0, 1, 2].map((c) => p.data[p.channels * (x + p.width * y) + c]);
    const axial = v.value.panels[0]!;
    expect(axial.outlineA).toBe(axial.outlineB);
    // Along the axial panel's middle row the first outline pixel: A's or B's colour by (x + y) parity.
    const y = Math.floor(axial.height / 2);
    let x = 0;
    while (rgbAt(x, y)[1] === 127 && rgbAt(x, y)[0] === 127) x++; // window 0..200: 100 is grey 127
    expect([[230, 159, 0], [86, 180, 233]]).toContainEqual(rgbAt(x, y));
    expect(rgbAt(x, y)).toEqual((x + y) % 2 === 0 ? [230, 159, 0] : [86, 180, 233]);
    // Inside: grey 127 blended 55 : 45 with bluish green (0, 158, 115).
    expect(rgbAt(x + 10, y)).toEqual([0, 158, 115].map((c) => Math.round(0.55 * 127 + 0.45 * c)));
    const same = compareView(img, a, a).value;
    expect([same.dice, same.hd95Mm]).toEqual([1, 0]);
  });

  it('shows anterior at the top of the axial panel and superior at the top of the coronal one', () => {
    const v = compareView(img, a, b, { windowCenter: 550, windowWidth: 900 });
    const { p } = png(v);
    const grey = (x: number, y: number) => p.data[p.channels * (x + p.width * y)]!;
    const [axial, coronal] = v.value.panels;
    // The bright column at j = 0 (anterior) is the axial panel's top row at i = 16.
    const cx = Math.floor(((16 + 0.5) * 1) / v.value.pixelMm);
    expect(grey(axial!.x + cx, 0)).toBe(255);
    expect(grey(axial!.x + cx, axial!.height - 1)).toBe(0);
    // The bright row at k = 19 (superior), i = 16, is the coronal panel's top row.
    expect(grey(coronal!.x + cx, 0)).toBe(255);
    expect(grey(coronal!.x + cx, coronal!.height - 1)).toBe(0);
    // A grid stored with k running inferior (direction z = −1) shows the same: superior still on top.
    const flipped: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, -1];
    const vf = compareView(grid(image(), flipped), grid(a.data, flipped), grid(b.data, flipped), { windowCenter: 550, windowWidth: 900 });
    const pf = png(vf).p;
    const cor = vf.value.panels[1]!;
    expect(pf.data[pf.channels * (cor.x + cx + pf.width * (cor.height - 1))]).toBe(255); // k = 19 is now inferior
    expect(pf.data[pf.channels * (cor.x + cx)]).toBe(0);
  });

  it('compares label maps per label with compareLabelMaps and reports the means', () => {
    const la = ball(10, 14, 20, 6, 1), lb = ball(10, 14, 22, 6, 1);
    const l2a = ball(22, 14, 20, 5, 2), l2b = ball(23, 14, 20, 5, 2);
    for (let p = 0; p < la.length; p++) { if (l2a[p]) la[p] = 2; if (l2b[p]) lb[p] = 2; }
    const A = grid(la), B = grid(lb);
    const v = compareView(img, A, B);
    const rows = compareLabelMaps(A, B);
    expect(v.value.kind).toBe('labels');
    expect(v.value.dice).toBeCloseTo((rows[0]!.dice + rows[1]!.dice) / 2, 15);
    expect(v.value.hd95Mm).toBeCloseTo((rows[0]!.hd95Mm + rows[1]!.hd95Mm) / 2, 15);
    expect(v.value.caption).toBe(`A vs B, 2 labels: mean Dice ${v.value.dice.toFixed(4)} · mean HD95 ${v.value.hd95Mm.toFixed(2)} mm`);
    expect(v[MIME_METHOD]().data['text/plain']).toContain(`label 2: Dice ${rows[1]!.dice.toFixed(4)}`);
    expect(v[MIME_METHOD]().data['text/html']).toContain(`<summary>per label (2)</summary><pre style="margin:0">label 1: Dice ${rows[0]!.dice.toFixed(4)}`);
  });

  it('refuses masks on another grid and a slice outside the volume', () => {
    const other = makeVolume({ data: new Uint8Array(8), dims: [2, 2, 2], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
    expect(() => compareView(img, a, other)).toThrow(GeometryError);
    expect(() => compareView(img, a, b, { slice: { axial: 20 } })).toThrow(ParameterError);
    expect(compareView(img, a, b, { slice: { axial: 3 }, planes: ['axial'] }).value.panels).toMatchObject([{ plane: 'axial', index: 3 }]);
  });
});
