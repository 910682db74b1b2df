/**
 * Colour for views: continuous colour maps (perceptually ordered tables of sRGB stops) and the
 * categorical palette for labels, parts and plot series. One module: the mesh writers
 * (`paletteColor`), the label surfaces (`LABEL_PALETTE`), the plots and the slice views all
 * take their colours from here.
 *
 * No rainbow ("jet") map is offered: its lightness rises and falls, so it draws edges that are
 * not in the data and hides ones that are (Borland & Taylor, "Rainbow color map (still)
 * considered harmful", IEEE CG&A 27(2), 2007, doi:10.1109/MCG.2007.323435).
 *
 * Sources of the stops (values, not code):
 * - viridis, magma, inferno: van der Walt & Smith, matplotlib 2.0 (2015), sampled at
 *   t = 0, 1/16, …, 1 and rounded to 0..255; their lightness rises monotonically.
 * - cividis: Nuñez, Anderton & Renslow, PLOS ONE 13(7): e0199239, 2018,
 *   doi:10.1371/journal.pone.0199239 — near-identical for deuteranopes and protanopes.
 * - blue-red: ColorBrewer's 11-class RdBu (Harrower & Brewer, The Cartographic Journal 40(1),
 *   2003, doi:10.1179/000870403235002042), reversed so that low is blue; lightness peaks at the centre.
 * - Okabe & Ito, "Color Universal Design" (2002), as in Wong, Nature Methods 8:441 (2011),
 *   doi:10.1038/nmeth.1618: eight colours told apart with any common colour-vision deficiency.
 */
import { ParameterError } from '../core/errors.ts';

/** sRGB, each channel 0..255. */
export type Rgb = readonly [number, number, number];

/** The names of the continuous maps. */
export type ColorMapName = 'viridis' | 'magma' | 'inferno' | 'cividis' | 'grey' | 'blue-red';

/** A continuous colour map: `stops` at t = 0, 1/(n−1), …, 1, interpolated linearly in sRGB. */
export interface ColorMap {
  readonly name: ColorMapName;
  /** sequential: lightness rises with t; diverging: lightness peaks at t = 0.5 (a centre value). */
  readonly kind: 'sequential' | 'diverging';
  readonly stops: readonly Rgb[];
}

const VIRIDIS: readonly Rgb[] = [
  [68, 1, 84], [72, 24, 106], [71, 45, 123], [66, 64, 134], [59, 82, 139], [51, 99, 141], [44, 114, 142], [38, 130, 142], [33, 145, 140],
  [31, 160, 136], [40, 174, 128], [63, 188, 115], [94, 201, 98], [132, 212, 75], [173, 220, 48], [216, 226, 25], [253, 231, 37],
];
const MAGMA: readonly Rgb[] = [
  [0, 0, 4], [10, 8, 34], [29, 17, 71], [54, 16, 107], [81, 18, 124], [106, 28, 129], [131, 38, 129], [156, 46, 127], [183, 55, 121],
  [208, 65, 111], [231, 82, 99], [245, 107, 92], [252, 137, 97], [254, 167, 114], [254, 196, 136], [253, 226, 163], [252, 253, 191],
];
const INFERNO: readonly Rgb[] = [
  [0, 0, 4], [11, 7, 36], [33, 12, 74], [61, 9, 101], [87, 16, 110], [113, 25, 110], [138, 34, 106], [163, 44, 97], [188, 55, 84],
  [210, 70, 68], [228, 90, 49], [241, 115, 29], [249, 142, 9], [252, 172, 17], [249, 203, 53], [242, 234, 105], [252, 255, 164],
];
const CIVIDIS: readonly Rgb[] = [
  [0, 32, 81], [1, 43, 101], [17, 54, 108], [38, 66, 110], [60, 77, 110], [81, 88, 110], [98, 100, 111], [114, 112, 113], [127, 124, 117],
  [140, 136, 119], [154, 148, 120], [169, 161, 119], [187, 175, 113], [206, 189, 104], [226, 203, 92], [243, 218, 79], [253, 234, 69],
];
const BLUE_RED: readonly Rgb[] = [
  [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
];

/** Every continuous map by name. */
export const COLOR_MAPS: Readonly<Record<ColorMapName, ColorMap>> = {
  viridis: { name: 'viridis', kind: 'sequential', stops: VIRIDIS },
  magma: { name: 'magma', kind: 'sequential', stops: MAGMA },
  inferno: { name: 'inferno', kind: 'sequential', stops: INFERNO },
  cividis: { name: 'cividis', kind: 'sequential', stops: CIVIDIS },
  grey: { name: 'grey', kind: 'sequential', stops: [[0, 0, 0], [255, 255, 255]] },
  'blue-red': { name: 'blue-red', kind: 'diverging', stops: BLUE_RED },
};

/**
 * The map named `name` (or `map` itself).
 * @throws ParameterError for an unknown name (the message lists the known ones).
 */
export function colorMap(name: ColorMapName | ColorMap): ColorMap {
  if (typeof name === 'object') return name;
  const map = (COLOR_MAPS as Readonly<Record<string, ColorMap>>)[name];
  if (!map) throw new ParameterError(`unknown colour map ${JSON.stringify(name)}; known: ${Object.keys(COLOR_MAPS).join(', ')}`);
  return map;
}

/**
 * The colour of t ∈ [0, 1] (values outside are taken at the nearer end; NaN gives the t = 0
 * colour), linear between stops, written into `out` (sRGB 0..255, not rounded) and returned.
 * Allocation-free with `out`: meant for per-pixel loops.
 */
export function mapColor(map: ColorMap, t: number, out: number[] = [0, 0, 0]): number[] {
  const stops = map.stops;
  const x = (t > 0 ? (t < 1 ? t : 1) : 0) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2), f = x - i;
  const a = stops[i]!, b = stops[i + 1]!;
  out[0] = a[0] + (b[0] - a[0]) * f;
  out[1] = a[1] + (b[1] - a[1]) * f;
  out[2] = a[2] + (b[2] - a[2]) * f;
  return out;
}

/** "#rrggbb" of an sRGB colour (channels rounded and kept within 0..255). */
export function rgbToHex(rgb: readonly number[]): string {
  return '#' + [0, 1, 2].map((c) => Math.max(0, Math.min(255, Math.round(rgb[c]!))).toString(16).padStart(2, '0')).join('');
}

/**
 * `n` (≥ 2) evenly spaced colours of a map as "#rrggbb", first = t 0 and last = t 1: an
 * Observable Plot colour `range` (`{ type: 'linear', range: colorRamp('magma', 17) }`).
 * @throws ParameterError if n is not an integer ≥ 2, or for an unknown name.
 */
export function colorRamp(name: ColorMapName | ColorMap, n = 17): string[] {
  if (!Number.isInteger(n) || n < 2) throw new ParameterError(`colorRamp needs n ≥ 2 colours, got ${n}`);
  const map = colorMap(name);
  return Array.from({ length: n }, (_, i) => rgbToHex(mapColor(map, i / (n - 1))));
}

/**
 * CIE 1976 L* (0 = black, 100 = white) of an sRGB colour, D65: the lightness a perceptual map
 * must order. sRGB decoding per IEC 61966-2-1; L* per CIE 15:2004.
 */
export function lightness(rgb: readonly number[]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126 * lin(rgb[0]!) + 0.7152 * lin(rgb[1]!) + 0.0722 * lin(rgb[2]!);
  return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (24389 / 27) * y;
}

/** Okabe & Ito's eight colours: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple. */
export const OKABE_ITO: readonly string[] = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'];

/**
 * The label palette: Okabe–Ito without black (it hides a mesh's shading and a dark slice's
 * outline): orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
 */
export const LABEL_PALETTE: readonly string[] = OKABE_ITO.slice(1);

/** Colour `i` (0-based, cycling) of `LABEL_PALETTE`. */
export function labelColor(i: number): string {
  const n = LABEL_PALETTE.length;
  return LABEL_PALETTE[((Math.floor(i) % n) + n) % n]!;
}

/** "#rrggbb" → [r, g, b] 0..255. @throws ParameterError for anything else. */
export function hexToRgb(hex: string): Rgb {
  const m = /^#([0-9a-fA-F]{6})$/.exec(hex);
  if (!m) throw new ParameterError(`colour ${JSON.stringify(hex)} is not "#rrggbb"`);
  const v = parseInt(m[1]!, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}
