import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { IDENTITY3, makeVolume } from '../../cells/core/volume.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { table } from '../../cells/viz/table.ts';
import { histogram, histogramBins } from '../../cells/viz/histogram.ts';
import { renderSlice, sliceView } from '../../cells/viz/slice.ts';
import { download } from '../../cells/viz/download.ts';
import { describeVolume } from '../../cells/viz/describe.ts';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';

const ramp = makeVolume({
  data: Int16Array.from({ length: 4 * 3 * 2 }, (_, i) => i * 100 - 1000),
  dims: [4, 3, 2], spacingMm: [1, 1, 2], originMm: [0, 0, 0], direction: IDENTITY3,
});

describe('views', () => {
  it('table gives the app its JSON and everyone else Markdown', () => {
    const b = table({ columns: ['a', 'b'], rows: [[1, 'x'], [2500, null]] }, 'T')[MIME_METHOD]();
    expect(b.data['application/vnd.voxbook.table+json']).toMatchObject({ columns: ['a', 'b'], caption: 'T' });
    expect(b.data['text/markdown']).toBe('**T**\n\n| a | b |\n| --- | --- |\n| 1 | x |\n| 2,500 |  |');
  });

  it('histogram bins count every voxel once', () => {
    const bins = histogramBins(ramp, 250);
    expect(bins.min).toBe(-1000);
    expect(bins.counts.reduce((s, c) => s + c, 0)).toBe(24);
    expect(Array.from(bins.counts.slice(0, 3))).toEqual([3, 2, 3]);
    const svg = histogram(ramp, { binWidth: 250, markers: { minHu: 226 } })[MIME_METHOD]().data['image/svg+xml'] as string;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('minHu 226');
  });

  it('slice applies the HU window and the overlay colour', () => {
    const img = renderSlice(ramp, { index: 0, windowCenterHu: -850, windowWidthHu: 300 });
    // voxel 0 is -1000 HU = window bottom → black; voxel 3 is -700 HU = top → white.
    expect([img.rgba[0], img.rgba[4 * 3]]).toEqual([0, 255]);
    const mask = makeVolume({ data: new Uint8Array(24).fill(1), dims: [4, 3, 2], spacingMm: [1, 1, 2], originMm: [0, 0, 0], direction: IDENTITY3 });
    const over = renderSlice(ramp, { index: 0, overlay: mask, overlayColor: [200, 0, 0], windowCenterHu: -850, windowWidthHu: 300 });
    expect([over.rgba[0], over.rgba[1]]).toEqual([110, 0]);
    const png = sliceView(ramp, { index: 1 })[MIME_METHOD]().data['image/png'] as string;
    const decoded = decode(Uint8Array.from(atob(png), (c) => c.charCodeAt(0)));
    expect([decoded.width, decoded.height]).toEqual([4, 3]);
  });

  it('slice rejects an index outside the volume and an overlay on another grid', () => {
    expect(() => renderSlice(ramp, { index: 2 })).toThrow(ParameterError);
    const other = makeVolume({ data: new Uint8Array(8), dims: [2, 2, 2], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
    expect(() => renderSlice(ramp, { overlay: other })).toThrow(GeometryError);
  });

  it('download encodes objects as JSON and refuses paths', () => {
    const f = download('report.json', { a: 1 }).value;
    expect(new TextDecoder().decode(f.bytes)).toBe('{\n  "a": 1\n}\n');
    expect(f.mime).toBe('application/json');
    expect(() => download('../evil.stl', new Uint8Array())).toThrow(ParameterError);
  });

  it('describeVolume lists geometry and the value range', () => {
    const rows = describeVolume(ramp).value.rows;
    expect(rows.find((r) => r[0] === 'spacing (mm)')![1]).toBe('1 × 1 × 2');
    expect(rows.find((r) => r[0] === 'value range')![1]).toBe('-1000 … 1300');
  });
});

describe('renderSlice heatmap', () => {
  // 3×1×1 grey (value 0 in a 0..100 window: black) under a heatmap of 0, 0.5, 1.
  const grid = { dims: [3, 1, 1] as const, spacingMm: [1, 1, 1] as const, originMm: [0, 0, 0] as const, direction: IDENTITY3 };
  const image = makeVolume({ ...grid, data: new Int16Array([50, 50, 50]) });
  const heat = makeVolume({ ...grid, data: new Float32Array([0, 0.5, 1]) });

  it('leaves t = 0 untouched and blends viridis with opacity growing with the value', () => {
    const img = renderSlice(image, { index: 0, windowCenterHu: 50, windowWidthHu: 100, heatmap: heat, heatmapOpacity: 1 });
    const px = (i: number) => Array.from(img.rgba.subarray(4 * i, 4 * i + 3));
    expect(px(0)).toEqual([127, 127, 127]); // mid-grey (127.5 stored as a byte), no heat
    // t = 1, opacity 1: viridis's last colour exactly.
    expect(px(2)).toEqual([253, 231, 37]);
    // t = 0.5: half grey (127.5) and half viridis(0.5) = (33, 145, 140) (colormaps.ts), truncated to bytes.
    expect(px(1)).toEqual([Math.trunc(0.5 * 127.5 + 0.5 * 33), Math.trunc(0.5 * 127.5 + 0.5 * 145), Math.trunc(0.5 * 127.5 + 0.5 * 140)]);
  });

  it('refuses a heatmap on another grid, an empty range or an opacity outside 0..1', () => {
    const other = makeVolume({ ...grid, dims: [1, 3, 1], data: new Float32Array(3) });
    expect(() => renderSlice(image, { heatmap: other, index: 0 })).toThrow(GeometryError);
    expect(() => renderSlice(image, { heatmap: heat, heatmapRange: [1, 1], index: 0 })).toThrow(ParameterError);
    expect(() => renderSlice(image, { heatmap: heat, heatmapOpacity: 2, index: 0 })).toThrow(ParameterError);
  });
});
