/** The colour bar of a colour map: a legend for a heat map or probability overlay, as SVG. */
import { ParameterError } from '../core/errors.ts';
import { view, type View } from './bundle.ts';
import { colorMap, rgbToHex, type ColorMap, type ColorMapName } from './colormaps.ts';

export interface ColorBarOptions {
  /** The values at t = 0 and t = 1 (e.g. [0, 1] for a probability, [−1000, 3000] HU). Default [0, 1]. */
  readonly domain?: readonly [number, number];
  /** Text under the bar (what the colour means, with its unit). */
  readonly label?: string;
  /** Width of the bar, px. Default 320. */
  readonly width?: number;
}

/**
 * A colour bar of a map as a standalone SVG document: a horizontal gradient (the map's stops,
 * interpolated in sRGB as `mapColor` does), five ticks with their values, and a label.
 * @throws ParameterError for an unknown map or a domain that is not two finite, distinct numbers.
 */
export function colorBarSvg(name: ColorMapName | ColorMap, options: ColorBarOptions = {}): string {
  const map = colorMap(name);
  const [lo, hi] = options.domain ?? [0, 1];
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo === hi) throw new ParameterError(`colour bar domain must be two distinct finite numbers, got [${lo}, ${hi}]`);
  const width = options.width ?? 320, x0 = 12, barH = 14, height = options.label ? 58 : 42;
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const id = `vb-cbar-${map.name}`;
  const stops = map.stops.map((c, i) => `<stop offset="${(i / (map.stops.length - 1)).toFixed(4)}" stop-color="${rgbToHex(c)}"/>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => {
    const x = x0 + t * width, v = lo + (hi - lo) * t;
    return `<line x1="${x}" x2="${x}" y1="${6 + barH}" y2="${10 + barH}" stroke="#333"/><text x="${x}" y="${23 + barH}" text-anchor="middle">${+v.toPrecision(4)}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width + 2 * x0}" height="${height}" viewBox="0 0 ${width + 2 * x0} ${height}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="colour bar: ${map.name} from ${+lo.toPrecision(4)} to ${+hi.toPrecision(4)}">`
    + `<defs><linearGradient id="${id}" x1="0" x2="1" y1="0" y2="0">${stops}</linearGradient></defs>`
    + `<rect x="${x0}" y="6" width="${width}" height="${barH}" fill="url(#${id})" stroke="#333" stroke-width="0.5"/>${ticks}`
    + (options.label ? `<text x="${x0 + width / 2}" y="${height - 4}" text-anchor="middle">${esc(options.label)}</text>` : '')
    + '</svg>';
}


/**
 * A colour bar view: `image/svg+xml` (`colorBarSvg`) and a `text/plain` line naming the map
 * and its domain. `.value` is the map.
 * @throws ParameterError as `colorBarSvg`.
 */
export function colorBar(name: ColorMapName | ColorMap, options: ColorBarOptions = {}): View<ColorMap> {
  const map = colorMap(name);
  const svg = colorBarSvg(map, options);
  const [lo, hi] = options.domain ?? [0, 1];
  return view(map, () => ({ data: { 'image/svg+xml': svg, 'text/plain': `colour bar: ${map.name} from ${lo} to ${hi}${options.label ? ` (${options.label})` : ''}` } }));
}
