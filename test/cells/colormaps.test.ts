import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../cells/core/errors.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { colorBar, colorBarSvg } from '../../cells/viz/color-bar.ts';
import { paletteColor } from '../../cells/io/mesh-export.ts';
import { LABEL_PALETTE as MESH_LABEL_PALETTE } from '../../cells/mesh/label-surfaces.ts';
import {
  COLOR_MAPS, LABEL_PALETTE, colorMap, colorRamp, hexToRgb, labelColor, lightness, mapColor, rgbToHex, type ColorMapName,
} from '../../cells/viz/colormaps.ts';

const hexAt = (name: ColorMapName, t: number) => rgbToHex(mapColor(colorMap(name), t));

describe('colour maps', () => {
  it('end at the published endpoint colours (matplotlib viridis, magma, inferno; ColorBrewer RdBu)', () => {
    expect([hexAt('viridis', 0), hexAt('viridis', 1)]).toEqual(['#440154', '#fde725']);
    expect([hexAt('magma', 0), hexAt('magma', 1)]).toEqual(['#000004', '#fcfdbf']);
    expect([hexAt('inferno', 0), hexAt('inferno', 1)]).toEqual(['#000004', '#fcffa4']);
    expect([hexAt('grey', 0), hexAt('grey', 0.5), hexAt('grey', 1)]).toEqual(['#000000', '#808080', '#ffffff']);
    expect([hexAt('blue-red', 0), hexAt('blue-red', 0.5), hexAt('blue-red', 1)]).toEqual(['#053061', '#f7f7f7', '#67001f']);
    // Outside 0..1 is the nearer end, NaN the start: nothing extrapolated.
    expect([hexAt('viridis', -3), hexAt('viridis', 7), hexAt('viridis', NaN)]).toEqual(['#440154', '#fde725', '#440154']);
  });

  it('CIE L* is 0 for black and 100 for white, 53.24 for sRGB red (the published value)', () => {
    expect(lightness([0, 0, 0])).toBe(0);
    expect(lightness([255, 255, 255])).toBeCloseTo(100, 6);
    expect(lightness([255, 0, 0])).toBeCloseTo(53.24, 1);
  });

  it('sequential maps rise in lightness at every one of 512 steps', () => {
    for (const map of Object.values(COLOR_MAPS).filter((m) => m.kind === 'sequential')) {
      let prev = -Infinity, minStep = Infinity;
      for (let s = 0; s <= 511; s++) {
        const l = lightness(mapColor(map, s / 511));
        minStep = Math.min(minStep, l - prev);
        prev = l;
      }
      expect(minStep, map.name).toBeGreaterThan(0);
    }
    // The span of lightness each covers (perceptual maps use most of it).
    const span = (n: ColorMapName) => lightness(mapColor(colorMap(n), 1)) - lightness(mapColor(colorMap(n), 0));
    expect(span('viridis')).toBeGreaterThan(60);
    expect(span('magma')).toBeGreaterThan(95);
    expect(span('inferno')).toBeGreaterThan(95);
  });

  it('the diverging map rises in lightness to its centre and falls after it, with ends of like lightness', () => {
    const map = colorMap('blue-red');
    const l = Array.from({ length: 201 }, (_, s) => lightness(mapColor(map, s / 200)));
    for (let s = 1; s <= 100; s++) expect(l[s]!).toBeGreaterThan(l[s - 1]!);
    for (let s = 101; s <= 200; s++) expect(l[s]!).toBeLessThan(l[s - 1]!);
    expect(Math.abs(l[0]! - l[200]!)).toBeLessThan(5);
    expect(l[100]!).toBeGreaterThan(96);
  });

  it('there is no rainbow map, and unknown names are refused with the list', () => {
    expect(Object.keys(COLOR_MAPS).sort()).toEqual(['blue-red', 'cividis', 'grey', 'inferno', 'magma', 'viridis']);
    expect(() => colorMap('jet' as ColorMapName)).toThrow(ParameterError);
    expect(() => colorMap('jet' as ColorMapName)).toThrow(/viridis/);
    expect(() => colorRamp('viridis', 1)).toThrow(ParameterError);
  });

  it('colorRamp gives n evenly spaced hex colours', () => {
    expect(colorRamp('grey', 3)).toEqual(['#000000', '#808080', '#ffffff']);
    expect(colorRamp('viridis', 17)[8]).toBe(rgbToHex(COLOR_MAPS.viridis.stops[8]!));
  });
});

describe('the label palette', () => {
  it('is Okabe–Ito without black, one array for the mesh writers, label surfaces and plots', () => {
    expect(LABEL_PALETTE).toEqual(['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7']);
    expect(MESH_LABEL_PALETTE).toBe(LABEL_PALETTE);
    expect(new Set(LABEL_PALETTE.map((c) => c.toLowerCase())).size).toBe(7);
    expect([labelColor(0), labelColor(7), labelColor(-1)]).toEqual(['#E69F00', '#E69F00', '#CC79A7']);
  });

  it('gives mesh parts bone white first, then the label palette', () => {
    expect([paletteColor(0), paletteColor(1), paletteColor(2), paletteColor(8)]).toEqual(['#E3DAC9', '#E69F00', '#56B4E9', '#E69F00']);
    expect(hexToRgb('#E69F00')).toEqual([230, 159, 0]);
    expect(() => hexToRgb('orange')).toThrow(ParameterError);
  });
});

describe('colorBar', () => {
  it("draws the map's stops as a gradient with five ticks over the domain", () => {
    const svg = colorBarSvg('magma', { domain: [-1000, 3000], label: 'HU' });
    const stops = [...svg.matchAll(/<stop offset="([\d.]+)" stop-color="(#[0-9a-f]{6})"/g)];
    expect(stops.length).toBe(17);
    expect([stops[0]![2], stops[16]![2], stops[16]![1]]).toEqual(['#000004', '#fcfdbf', '1.0000']);
    expect([...svg.matchAll(/<text[^>]*text-anchor="middle">([^<]*)<\/text>/g)].map((m) => m[1])).toEqual(['-1000', '0', '1000', '2000', '3000', 'HU']);
    const b = colorBar('viridis', { domain: [0, 1], label: 'probability' })[MIME_METHOD]();
    expect(b.data['text/plain']).toBe('colour bar: viridis from 0 to 1 (probability)');
    expect(() => colorBarSvg('viridis', { domain: [1, 1] })).toThrow(ParameterError);
  });
});
