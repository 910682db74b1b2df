/**
 * Pure helpers of the transfer-function editor (app/renderers/transfer-editor.ts): no DOM.
 *
 * The editor edits *nodes*: one list of points, each with a value (the volume's unit, e.g. HU),
 * an opacity 0..1 (per mm, vtk's scalar-opacity unit distance) and an sRGB colour 0..1.
 * A `TransferFunction` keeps opacity and colour points apart, at values of their own;
 * `transferNodes` puts them on the union of both sets of values, which is exact: both functions
 * are piecewise linear between consecutive values of the union, and outside their points vtk.js
 * holds the end values (clamping), as `opacityAt` / `colorAt` do here. `nodesTransfer` gives a
 * `TransferFunction` back with both lists on the nodes' values.
 *
 * Invariants kept by every edit below: values strictly increasing, at least `minGap` apart
 * (vtk.js's `addPoint` replaces a point at an equal value), each inside the editor's domain;
 * opacity in [0, 1]; at least two nodes.
 */
import { ParameterError } from '../../cells/core/errors.ts';
import type { ColorPoint, OpacityPoint, TransferFunction } from '../../cells/viz/volume-presets.ts';
import type { VoxelArray } from '../../cells/core/volume.ts';

/** sRGB, each 0..1. */
export type Rgb = readonly [number, number, number];

export interface TransferNode {
  readonly value: number;
  /** 0..1 */
  readonly opacity: number;
  readonly color: Rgb;
}

/** The value range `[lo, hi]` the editor's x axis spans (lo < hi). */
export type Domain = readonly [number, number];

/** Piecewise-linear opacity at `value`, the end opacities held outside the points (as vtk.js clamps). */
export function opacityAt(points: readonly OpacityPoint[], value: number): number {
  return interpolate(points, value, 1)[0]!;
}

/** Piecewise-linear colour at `value`, the end colours held outside the points (as vtk.js clamps). */
export function colorAt(points: readonly ColorPoint[], value: number): Rgb {
  const [r, g, b] = interpolate(points, value, 3);
  return [r!, g!, b!];
}

function interpolate(points: readonly (readonly number[])[], value: number, channels: number): number[] {
  if (points.length === 0) throw new ParameterError('a transfer function needs at least one point');
  const first = points[0]!, last = points[points.length - 1]!;
  if (value <= first[0]!) return first.slice(1, 1 + channels);
  if (value >= last[0]!) return last.slice(1, 1 + channels);
  let i = 1;
  while (points[i]![0]! < value) i++;
  const a = points[i - 1]!, b = points[i]!;
  const t = (value - a[0]!) / (b[0]! - a[0]!);
  const out: number[] = [];
  for (let c = 1; c <= channels; c++) out.push(a[c]! + t * (b[c]! - a[c]!));
  return out;
}

function checkIncreasing(points: readonly (readonly number[])[], what: string): void {
  if (points.length === 0) throw new ParameterError(`the transfer function has no ${what} points`);
  for (let i = 1; i < points.length; i++) {
    if (!(points[i]![0]! > points[i - 1]![0]!)) {
      throw new ParameterError(`the transfer function's ${what} points must have increasing values; point ${i} (${points[i]![0]}) follows ${points[i - 1]![0]}`);
    }
  }
}

/**
 * The nodes of `tf`: one per value found in its opacity or colour points (sorted, merged when
 * equal), each with both functions evaluated there — the same function, now editable per point.
 * @throws ParameterError when either list is empty or its values do not increase.
 */
export function transferNodes(tf: TransferFunction): TransferNode[] {
  checkIncreasing(tf.opacity, 'opacity');
  checkIncreasing(tf.color, 'colour');
  const values = [...new Set([...tf.opacity.map((p) => p[0]), ...tf.color.map((p) => p[0])])].sort((a, b) => a - b);
  return values.map((value) => ({ value, opacity: opacityAt(tf.opacity, value), color: colorAt(tf.color, value) }));
}

/** The transfer function of `nodes`: opacity and colour points on the nodes' values. */
export function nodesTransfer(nodes: readonly TransferNode[]): TransferFunction {
  return {
    opacity: nodes.map((n) => [n.value, n.opacity] as const),
    color: nodes.map((n) => [n.value, n.color[0], n.color[1], n.color[2]] as const),
  };
}

/**
 * The editor's x range: the volume's value range widened to hold every node, so all points can
 * be seen and reached. @throws ParameterError when the result is empty (a constant volume and a
 * single value).
 */
export function transferDomain(rangeValue: readonly [number, number], nodes: readonly TransferNode[]): Domain {
  let lo = rangeValue[0], hi = rangeValue[1];
  for (const n of nodes) {
    if (n.value < lo) lo = n.value;
    if (n.value > hi) hi = n.value;
  }
  if (!(hi > lo)) throw new ParameterError(`the transfer-function editor needs a value range, but the volume and its points span only ${lo}`);
  return [lo, hi];
}

/** The smallest distance kept between two nodes' values: 1/1000 of the domain. */
export function minGap(domain: Domain): number {
  return (domain[1] - domain[0]) / 1000;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Where node `i` may go: between its neighbours (`minGap` away) and inside the domain. */
export function valueBounds(nodes: readonly TransferNode[], i: number, domain: Domain): [number, number] {
  const gap = minGap(domain);
  const lo = i > 0 ? nodes[i - 1]!.value + gap : domain[0];
  const hi = i < nodes.length - 1 ? nodes[i + 1]!.value - gap : domain[1];
  return [Math.max(domain[0], lo), Math.min(domain[1], hi)];
}

function checkIndex(nodes: readonly TransferNode[], i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= nodes.length) throw new ParameterError(`no transfer-function point ${i}: there are ${nodes.length}`);
}

/**
 * Node `i` moved to (`value`, `opacity`): the value held between its neighbours and inside the
 * domain (so the order never changes), the opacity held in [0, 1]. Answers new nodes.
 * @throws ParameterError for an index out of range or a non-finite value or opacity.
 */
export function moveNode(nodes: readonly TransferNode[], i: number, value: number, opacity: number, domain: Domain): TransferNode[] {
  checkIndex(nodes, i);
  if (!Number.isFinite(value) || !Number.isFinite(opacity)) throw new ParameterError(`a transfer-function point needs a finite value and opacity, not (${value}, ${opacity})`);
  const [lo, hi] = valueBounds(nodes, i, domain);
  const out = nodes.slice();
  out[i] = { ...nodes[i]!, value: lo <= hi ? clamp(value, lo, hi) : nodes[i]!.value, opacity: clamp(opacity, 0, 1) };
  return out;
}

/**
 * A node added at (`value`, `opacity`) with the colour the function has there, in value order.
 * Answers the new nodes and the new node's index, or `undefined` when `value` lies outside the
 * domain or within `minGap` of an existing node (nothing to add there: move that one instead).
 */
export function addNode(nodes: readonly TransferNode[], value: number, opacity: number, domain: Domain): { nodes: TransferNode[]; index: number } | undefined {
  if (!(value >= domain[0] && value <= domain[1])) return undefined;
  const gap = minGap(domain);
  if (nodes.some((n) => Math.abs(n.value - value) < gap)) return undefined;
  const color = colorAt(nodesTransfer(nodes).color, value);
  let index = 0;
  while (index < nodes.length && nodes[index]!.value < value) index++;
  const out = nodes.slice();
  out.splice(index, 0, { value, opacity: clamp(opacity, 0, 1), color });
  return { nodes: out, index };
}

/** Node `i` removed. @throws ParameterError for an index out of range or when only two nodes are left. */
export function removeNode(nodes: readonly TransferNode[], i: number): TransferNode[] {
  checkIndex(nodes, i);
  if (nodes.length <= 2) throw new ParameterError('a transfer function keeps at least two points; move this one instead of removing it');
  const out = nodes.slice();
  out.splice(i, 1);
  return out;
}

/** Node `i` with colour `color` (each channel held in 0..1). @throws ParameterError for an index out of range. */
export function recolorNode(nodes: readonly TransferNode[], i: number, color: Rgb): TransferNode[] {
  checkIndex(nodes, i);
  const out = nodes.slice();
  out[i] = { ...nodes[i]!, color: [clamp(color[0], 0, 1), clamp(color[1], 0, 1), clamp(color[2], 0, 1)] };
  return out;
}

/** `#rrggbb` of an sRGB colour 0..1 (channels rounded to bytes). */
export function rgbHex(color: Rgb): string {
  return `#${color.map((c) => Math.round(clamp(c, 0, 1) * 255).toString(16).padStart(2, '0')).join('')}`;
}

/** The sRGB colour 0..1 of `#rrggbb` (what `<input type="color">` gives). @throws ParameterError for anything else. */
export function hexRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new ParameterError(`"${hex}" is not a colour of the form #rrggbb`);
  return [parseInt(m[1]!, 16) / 255, parseInt(m[2]!, 16) / 255, parseInt(m[3]!, 16) / 255];
}

/** The plot's box in CSS pixels: the whole panel, and the margins around the plotting area. */
export interface PlotBox {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Pixel x (from the panel's left edge) of `value`: the domain spans the plotting area's width. */
export function valueToX(value: number, domain: Domain, box: PlotBox): number {
  return box.left + ((value - domain[0]) / (domain[1] - domain[0])) * (box.width - box.left - box.right);
}

/** The value at pixel x (inverse of `valueToX`, not clamped). */
export function xToValue(x: number, domain: Domain, box: PlotBox): number {
  return domain[0] + ((x - box.left) / (box.width - box.left - box.right)) * (domain[1] - domain[0]);
}

/** Pixel y (from the panel's top edge) of an opacity 0..1: 1 at the plotting area's top, 0 at its bottom. */
export function opacityToY(opacity: number, box: PlotBox): number {
  return box.top + (1 - opacity) * (box.height - box.top - box.bottom);
}

/** The opacity at pixel y (inverse of `opacityToY`, not clamped). */
export function yToOpacity(y: number, box: PlotBox): number {
  return 1 - (y - box.top) / (box.height - box.top - box.bottom);
}

/**
 * One keyboard step: `value` 1/200 of the domain rounded to 1, 2 or 5 × a power of ten (20 HU
 * on a CT's −1024..3071), `opacity` 0.01; Shift multiplies both by 10 (the caller's business).
 */
export function keySteps(domain: Domain): { value: number; opacity: number } {
  return { value: roundStep((domain[1] - domain[0]) / 200), opacity: 0.01 };
}

/** `raw` rounded to 1, 2 or 5 × a power of ten. */
function roundStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** Axis ticks: the multiples of a round step (1, 2 or 5 × 10^n, about span/`count`) inside the domain. */
export function tickValues(domain: Domain, count: number): number[] {
  const step = roundStep((domain[1] - domain[0]) / Math.max(1, count));
  const ticks: number[] = [];
  for (let i = Math.ceil(domain[0] / step); i * step <= domain[1]; i++) ticks.push(+(i * step).toPrecision(12));
  return ticks;
}

/**
 * `value` as read out: whole numbers when the domain spans 100 or more (HU), else 3 significant
 * digits; with the unit when there is one.
 */
export function formatValue(value: number, domain: Domain, unit?: string): string {
  const text = domain[1] - domain[0] >= 100 ? String(Math.round(value)) : String(+value.toPrecision(3));
  return unit ? `${text} ${unit}` : text;
}

/** A point's accessible name: "opacity point at 300 HU, 0.15" (opacity to two decimals). */
export function nodeLabel(node: TransferNode, domain: Domain, unit?: string): string {
  return `opacity point at ${formatValue(node.value, domain, unit)}, ${node.opacity.toFixed(2)}`;
}

export interface ValueHistogram {
  /** Voxel counts per bin (of the voxels read). */
  readonly counts: Float64Array;
  /** The binned range: bin b holds values in [lo + b·w, lo + (b+1)·w), w = (hi − lo)/bins; hi falls in the last bin. */
  readonly lo: number;
  readonly hi: number;
  /** Every `stride`-th voxel was read (1: all). */
  readonly stride: number;
}

/**
 * Counts of `data`'s values in `bins` equal bins over `range`, reading every k-th voxel so at
 * most `maxSamples` are read (k = ⌈n / maxSamples⌉; 1 for small volumes). Values outside the
 * range and NaN are left out. One pass, no allocation per voxel.
 * @throws ParameterError for bins < 1, maxSamples < 1 or an empty range.
 */
export function valueHistogram(data: VoxelArray, range: readonly [number, number], bins = 256, maxSamples = 1 << 20): ValueHistogram {
  const [lo, hi] = range;
  if (!(bins >= 1) || !Number.isInteger(bins)) throw new ParameterError(`valueHistogram: bins must be a whole number ≥ 1, not ${bins}`);
  if (!(maxSamples >= 1)) throw new ParameterError(`valueHistogram: maxSamples must be ≥ 1, not ${maxSamples}`);
  if (!(hi > lo)) throw new ParameterError(`valueHistogram: the range [${lo}, ${hi}] is empty`);
  const counts = new Float64Array(bins);
  const stride = Math.max(1, Math.ceil(data.length / maxSamples));
  const scale = bins / (hi - lo);
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i]!;
    if (!(v >= lo && v <= hi)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) * scale))]!++;
  }
  return { counts, lo, hi, stride };
}

/** Each bin's height 0..1 on a log scale: log(1 + count) / log(1 + the largest count); all 0 for an empty histogram. */
export function logHeights(counts: Float64Array): Float64Array {
  let max = 0;
  for (const c of counts) if (c > max) max = c;
  const out = new Float64Array(counts.length);
  if (max === 0) return out;
  const denominator = Math.log1p(max);
  for (let b = 0; b < counts.length; b++) out[b] = Math.log1p(counts[b]!) / denominator;
  return out;
}
