import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, indexToWorld, makeVolume, type Mat3, type Vec3 } from '../../cells/core/volume.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { lineProfile, sampleTrilinear, worldToIndex } from '../../cells/viz/line-profile.ts';
import { metricBoxPlot, metricErrorBars, metricStats, studentT975 } from '../../cells/viz/metric-stats.ts';
import { trainingCurves } from '../../cells/viz/training-curves.ts';

/** The SVG of a view, parsed. */
function svgOf(v: { [MIME_METHOD](): { data: Readonly<Record<string, unknown>> } }): Document {
  const text = v[MIME_METHOD]().data['image/svg+xml'] as string;
  expect(text.startsWith('<svg')).toBe(true);
  return parseHTML(`<!doctype html><html><body>${text}</body></html>`).document as unknown as Document;
}
const count = (doc: Document, selector: string) => doc.querySelectorAll(selector).length;

/** A volume whose voxels hold f(world position), on a grid with the given direction. */
function fieldVolume(f: (p: Vec3) => number, direction: Mat3) {
  const dims: Vec3 = [7, 6, 5];
  const v0 = makeVolume({ data: new Float64Array(7 * 6 * 5), dims, spacingMm: [1, 2, 3], originMm: [-10, 5, 3], direction });
  for (let k = 0; k < 5; k++) for (let j = 0; j < 6; j++) for (let i = 0; i < 7; i++) v0.data[i + 7 * (j + 6 * k)] = f(indexToWorld(v0, i, j, k));
  return v0;
}

describe('lineProfile', () => {
  const linear = (p: Vec3) => 2 * p[0] + 3 * p[1] - p[2] + 5;

  it('reproduces a linear field exactly (trilinear interpolation is exact for it), on a flipped and rotated grid too', () => {
    // A rotation of 90° about z composed with a flip of the new x: columns stay unit and orthogonal.
    for (const direction of [IDENTITY3, [0, -1, 0, -1, 0, 0, 0, 0, 1] as Mat3]) {
      const vol = fieldVolume(linear, direction);
      const from = indexToWorld(vol, 0.5, 1.25, 0.75), to = indexToWorld(vol, 5.5, 4.5, 3.9);
      const { value } = lineProfile(vol, from, to, { samples: 11 });
      expect(value.outside).toBe(0);
      for (let s = 0; s < 11; s++) {
        const t = s / 10;
        const p: Vec3 = [from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t, from[2] + (to[2] - from[2]) * t];
        expect(value.values[s]).toBeCloseTo(linear(p), 9);
      }
      expect(value.lengthMm).toBeCloseTo(Math.hypot(5 * 1, 3.25 * 2, 3.15 * 3), 9);
      expect(value.distancesMm[10]).toBeCloseTo(value.lengthMm, 12);
    }
  });

  it('gives voxel centres their own values and midpoints the mean of two neighbours', () => {
    const vol = fieldVolume((p) => Math.sin(p[0]) * 100 + p[1] * p[2], IDENTITY3);
    const row = lineProfile(vol, indexToWorld(vol, 0, 2, 3), indexToWorld(vol, 6, 2, 3), { samples: 13 }).value;
    for (let i = 0; i <= 6; i++) expect(row.values[2 * i]).toBeCloseTo(vol.data[i + 7 * (2 + 6 * 3)]!, 12);
    expect(row.values[1]).toBeCloseTo((vol.data[7 * (2 + 6 * 3)]! + vol.data[1 + 7 * (2 + 6 * 3)]!) / 2, 12);
    expect(worldToIndex(vol, indexToWorld(vol, 1.5, 2.25, 3.75))).toEqual([1.5, 2.25, 3.75].map((x) => expect.closeTo(x, 12)));
    expect(sampleTrilinear(vol, 6, 5, 4)).toBe(vol.data[vol.data.length - 1]);
  });

  it('leaves samples outside the grid NaN (a gap), and samples every half of the smallest spacing by default', () => {
    const vol = fieldVolume(linear, IDENTITY3);
    // From 2 mm before voxel (0, 0, 0) along x to voxel (6, 0, 0): 8 mm, spacing 1 mm → 17 samples of 0.5 mm.
    const p = lineProfile(vol, [-12, 5, 3], [-4, 5, 3]);
    expect(p.value.values.length).toBe(17);
    expect(p.value.outside).toBe(4); // −12, −11.5, −11, −10.5 mm
    expect(Number.isNaN(p.value.values[3]!)).toBe(true);
    expect(p.value.values[4]).toBeCloseTo(linear([-10, 5, 3]), 12);
    const doc = svgOf(p);
    // One line mark with one path, broken at the gap (Plot starts it at the first defined sample).
    expect(count(doc, 'g[aria-label="line"] path')).toBe(1);
    expect(p[MIME_METHOD]().data['text/plain']).toMatch(/8\.0 mm, 17 samples, .* 4 outside the volume/);
  });

  it('refuses a point that is not three finite numbers and fewer than two samples', () => {
    const vol = fieldVolume(linear, IDENTITY3);
    expect(() => lineProfile(vol, [0, 0, NaN], [1, 1, 1])).toThrow(GeometryError);
    expect(() => lineProfile(vol, [0, 0, 0], [1, 1, 1], { samples: 1 })).toThrow(ParameterError);
  });
});

describe('metric summaries', () => {
  const rows = [
    ...[1, 2, 3, 4, 100].map((dice, c) => ({ method: 'unet', name: 'skull', case: c, dice })),
    ...[0.5, 0.7].map((dice) => ({ method: 'unet', name: 'brain', dice })),
    { method: 'unet', name: 'brain', dice: Infinity },
    ...[0.6, 0.6, 0.9].map((dice) => ({ method: 'otsu', name: 'skull', dice })),
  ];

  it('groups by method and label and computes mean, SD, 95% CI, quartiles and Tukey whiskers', () => {
    const s = metricStats(rows, { metric: 'dice', interval: 'ci95' });
    expect(s.groups.map((g) => g.key)).toEqual(['unet · skull', 'unet · brain', 'otsu · skull']);
    const skull = s.groups[0]!;
    const sd = Math.sqrt(((1 - 22) ** 2 + (2 - 22) ** 2 + (3 - 22) ** 2 + (4 - 22) ** 2 + (100 - 22) ** 2) / 4);
    expect([skull.n, skull.mean, skull.sd]).toEqual([5, 22, expect.closeTo(sd, 12)]);
    expect(skull.hi - skull.mean).toBeCloseTo((2.776 * sd) / Math.sqrt(5), 12);
    expect([skull.q1, skull.median, skull.q3, skull.whiskerLo, skull.whiskerHi, skull.outliers]).toEqual([2, 3, 4, 1, 4, [100]]);
    const brain = s.groups[1]!;
    expect([brain.n, brain.nonFinite, brain.mean]).toEqual([2, 1, 0.6]);
    expect(metricStats(rows, { metric: 'dice' }).groups[2]!.hi).toBeCloseTo(0.7 + Math.sqrt(0.03), 12);
  });

  it("Student's t quantile: the table's and the expansion's values", () => {
    expect([studentT975(1), studentT975(4), studentT975(30)]).toEqual([12.706, 2.776, 2.042]);
    expect(studentT975(40)).toBeCloseTo(2.021, 3);
    expect(studentT975(120)).toBeCloseTo(1.980, 3);
    expect(() => studentT975(0)).toThrow(ParameterError);
  });

  it('error bars: one bar, one error bar and two caps per group', () => {
    const doc = svgOf(metricErrorBars(rows, { metric: 'dice' }));
    expect(count(doc, 'g[aria-description="mean"] rect')).toBe(3);
    expect(count(doc, 'g[aria-description="error bar"] line')).toBe(3);
    expect(count(doc, 'g[aria-description="error bar cap"] line')).toBe(6);
    // Bars are coloured by method: two colours of the label palette.
    const fills = new Set(Array.from(doc.querySelectorAll('g[aria-description="mean"] rect'), (r) => r.getAttribute('fill')));
    expect([...fills].sort()).toEqual(['#56B4E9', '#E69F00']);
    const text = metricErrorBars(rows, { metric: 'dice', interval: 'ci95' })[MIME_METHOD]().data['text/plain'] as string;
    expect(text).toContain('unet · brain: 0.6 ± 1.271 (n = 2, 1 not finite)');
  });

  it('box plots: one box, median and whisker per group, a dot per outlier', () => {
    const doc = svgOf(metricBoxPlot(rows, { metric: 'dice' }));
    expect(count(doc, 'g[aria-description="box"] rect')).toBe(3);
    expect(count(doc, 'g[aria-description="median"] line')).toBe(3);
    expect(count(doc, 'g[aria-description="whisker"] line')).toBe(3);
    expect(count(doc, 'g[aria-description="outlier"] circle')).toBe(1);
  });

  it('refuses a metric no row has', () => {
    expect(() => metricBoxPlot(rows, { metric: 'hd95Mm' })).toThrow(ParameterError);
    expect(() => metricErrorBars([], { metric: 'dice' })).toThrow(ParameterError);
  });
});

describe('trainingCurves', () => {
  const epochs = [
    { epoch: 1, trainLoss: 0.9, valLoss: 0.95, valDice: 0.4, learningRate: 1e-3, seconds: 2 },
    { epoch: 2, trainLoss: 0.5, valLoss: 0.6, valDice: 0.7, learningRate: 1e-3, seconds: 2 },
    { epoch: 3, trainLoss: 0.3, valLoss: 0.65, valDice: 0.75, learningRate: 1e-3, seconds: 2 },
    { epoch: 4, trainLoss: 0.2, valLoss: null, valDice: null, learningRate: 1e-3, seconds: 2 },
  ];

  it('pairs train and validation keys into panels and finds the best validation epoch', () => {
    const v = trainingCurves({ epochs });
    expect(v.value.quantities).toEqual(['loss', 'dice']);
    expect(v.value.points.length).toBe(4 + 3 + 3);
    expect(v.value.best).toEqual([{ run: '', quantity: 'loss', epoch: 2, value: 0.6 }, { run: '', quantity: 'dice', epoch: 3, value: 0.75 }]);
    const doc = svgOf(v);
    // Loss: a train and a validation path; Dice: a validation path; rings on the two best epochs.
    expect(count(doc, 'g[aria-description="curves"] path')).toBe(3);
    expect(count(doc, 'g[aria-description="best"] circle')).toBe(2);
    expect(v[MIME_METHOD]().data['text/plain']).toContain('best validation loss 0.6 at epoch 2');
  });

  it('draws several runs in their palette colours', () => {
    const v = trainingCurves({ a: epochs, b: { epochs: epochs.map((e) => ({ ...e, trainLoss: e.trainLoss / 2 })) } });
    const doc = svgOf(v);
    expect(count(doc, 'g[aria-description="curves"] path')).toBe(6);
    const strokes = new Set(Array.from(doc.querySelectorAll('g[aria-description="curves"] path'), (p) => p.getAttribute('stroke')));
    expect([...strokes].sort()).toEqual(['#56B4E9', '#E69F00']);
    expect(() => trainingCurves([{ epoch: 1 }])).toThrow(ParameterError);
  });
});
