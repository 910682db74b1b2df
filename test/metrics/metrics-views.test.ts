import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../cells/core/errors.ts';
import { metricsChart, metricsTable } from '../../cells/viz/metrics.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';

const methods = {
  unet: { dice: 0.97123456, hd95Mm: 1.5, assdMm: 0.31, referenceVoxels: 1000 },
  baseline: { dice: 0.9, hd95Mm: Infinity, assdMm: 0.8, referenceVoxels: 1000 },
};

describe('metricsTable', () => {
  it('puts methods side by side: method column, known metrics in order, 4 significant digits, ∞', () => {
    const t = metricsTable(methods);
    expect(t.value.columns).toEqual(['method', 'Dice', 'HD95 mm', 'ASSD mm']);
    expect(t.value.rows).toEqual([['unet', 0.9712, 1.5, 0.31], ['baseline', 0.9, '∞', 0.8]]);
    const md = t[MIME_METHOD]().data['text/markdown'] as string;
    expect(md).toContain('| baseline | 0.9 | ∞ | 0.8 |');
  });
  it('shows label rows with their names, and refuses no rows', () => {
    const t = metricsTable([{ label: 1, name: 'skull', dice: 1 }, { label: 2, name: 'brain', dice: 0.5 }], { metrics: ['dice'] });
    expect(t.value.columns).toEqual(['label', 'name', 'Dice']);
    expect(() => metricsTable([])).toThrow(ParameterError);
  });
});

describe('metricsChart', () => {
  it('draws one bar per finite value as SVG and lists the others', () => {
    const c = metricsChart(methods, { metric: 'hd95Mm' });
    expect(c.value.bars).toEqual([{ key: 'unet', method: 'unet', value: 1.5 }]);
    expect(c.value.omitted).toEqual(['baseline: ∞']);
    const data = c[MIME_METHOD]().data;
    const svg = data['image/svg+xml'] as string;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg.match(/<rect/g)?.length).toBeGreaterThanOrEqual(1);
    expect(data['text/plain']).toContain('baseline: ∞ (not drawn)');
  });
  it('refuses a metric no row has', () => {
    expect(() => metricsChart(methods, { metric: 'ssim' })).toThrow(/no row has a number for metric "ssim"/);
  });
});
