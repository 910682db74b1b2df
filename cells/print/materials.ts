/**
 * Material and infill per printed part, from a table by part name or from the CT values
 * (Hounsfield units) inside the part's label: the "HU-driven materials" of a multi-material
 * print (issue 14: > 800 HU rigid bone-like at 80% infill, 20–40 HU soft silicone-like at 50%).
 */
import { GeometryError, ParameterError } from '../core/errors.ts';
import type { LabelMap } from '../core/labelmap.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import type { Volume } from '../core/volume.ts';
import { parseHexColor, type MeshPart } from '../io/mesh-export.ts';
import { percentileInPlace } from '../metrics/percentile.ts';
import type { View } from '../viz/bundle.ts';
import { table, type Table } from '../viz/table.ts';

/** What a part is printed with. */
export interface MaterialChoice {
  /** A name for people and slicers ("rigid bone-like", a filament or resin name). */
  readonly material: string;
  /** Infill density, percent 0..100. */
  readonly infillPercent: number;
  /** Display colour "#RRGGBB[AA]"; the part keeps its own colour when absent. */
  readonly color?: string;
}

/** A rule: parts whose HU statistic lies in [minHu, maxHu] (inclusive; open ends when absent) get `material`. */
export interface MaterialRule extends MaterialChoice {
  readonly minHu?: number;
  readonly maxHu?: number;
}

/** The rules as data: users copy `DEFAULT_MATERIAL_TABLE`, change it and pass it as `table`. */
export interface MaterialTable {
  /** The statistic of a part's HU values that is compared with the rules. */
  readonly statistic: 'medianHu' | 'meanHu';
  /**
   * Tried in order; the first whose range holds the statistic wins. When none does, the rule
   * whose range is nearest (in HU) is taken, and the result says so (`chosenBy`).
   */
  readonly rules: readonly MaterialRule[];
  /** Choices by part name; they override the rules. */
  readonly byName?: Readonly<Record<string, MaterialChoice>>;
}

/**
 * The example as the default: above 800 HU rigid bone-like at 80% infill; 20–40 HU
 * (soft tissue, brain) soft silicone-like at 50%. Judged on the median (robust to the partial
 * volume of a label's rim).
 */
export const DEFAULT_MATERIAL_TABLE: MaterialTable = {
  statistic: 'medianHu',
  rules: [
    { material: 'rigid bone-like', minHu: 800, infillPercent: 80 },
    { material: 'soft silicone-like', minHu: 20, maxHu: 40, infillPercent: 50 },
  ],
};

/** CT values inside one label, HU. Percentiles as numpy's default (linear). */
export interface HuStats {
  readonly voxels: number;
  readonly meanHu: number;
  readonly medianHu: number;
  readonly p5Hu: number;
  readonly p95Hu: number;
}

/** A part with what it is printed with. */
export interface MaterialPart extends MeshPart {
  readonly label: number;
  readonly material: string;
  readonly infillPercent: number;
  readonly color: string;
  readonly huStats: HuStats;
  /** 'name' (table.byName), 'hu-range' (a rule's range holds the statistic) or 'nearest-hu-range'. */
  readonly chosenBy: 'name' | 'hu-range' | 'nearest-hu-range';
}

/** Options of `assignMaterials`. */
export interface AssignMaterialsOptions extends StageOptions {
  /** The label map the parts were meshed from (same grid as the volume). */
  readonly labelMap: LabelMap;
  /** Default `DEFAULT_MATERIAL_TABLE`. */
  readonly table?: MaterialTable;
}

/** What `assignMaterials` returns. */
export interface AssignedMaterials {
  readonly parts: readonly MaterialPart[];
  /** Part, label, voxels, HU statistics, material, infill and why: for `display`. */
  readonly view: View<Table>;
  /** Sentences for people, e.g. that the volume's values are not known to be HU. */
  readonly warnings: readonly string[];
}

/**
 * Gives each part (a mesh of one label, as `labelSurfaces` makes) a material and infill:
 * `table.byName[part.name]` if present, else the first rule whose HU range holds the part's
 * statistic (median by default) of the CT values inside its label, else the nearest rule.
 *
 * Shapes: `volume` and `options.labelMap` on the same grid [nx, ny, nz]; parts carry `label`.
 * Units: HU. Cost: one pass over the grid, then three selections per label (O(voxels)).
 * @throws ParameterError for no parts, a part whose label has no voxel in the label map, a
 *   rule with minHu > maxHu or a non-finite bound, infill outside 0..100, an empty material
 *   name, no rules, or a bad colour.
 * @throws GeometryError if the volume's dims differ from the label map's.
 * @throws AbortError when `signal` fires.
 *
 * Source: the thresholds are the example, in line with CT attenuation of tissues
 * (soft tissue 20–60 HU, cortical bone > 700 HU; W. A. Kalender, "Computed Tomography", 3rd
 * ed., Publicis 2011, ch. 1). Percentiles: Hyndman & Fan 1996 definition 7.
 */
export function assignMaterials(parts: readonly (MeshPart & { readonly label: number })[], volume: Volume, options: AssignMaterialsOptions): AssignedMaterials {
  const t = options.table ?? DEFAULT_MATERIAL_TABLE;
  checkTable(t);
  if (parts.length === 0) throw new ParameterError('assignMaterials: no parts; mesh a label map with labelSurfaces first');
  const lm = options.labelMap;
  if (!lm || !(lm.data instanceof Uint8Array)) throw new ParameterError('assignMaterials: options.labelMap must be the Uint8 label map the parts were meshed from');
  if (lm.dims.some((n, a) => n !== volume.dims[a])) {
    throw new GeometryError(`assignMaterials: the label map's dims [${lm.dims.join(', ')}] differ from the volume's [${volume.dims.join(', ')}]; they must share one grid`);
  }
  const warnings: string[] = [];
  if (volume.source?.valueUnit !== 'HU') warnings.push(`The volume's values are not known to be Hounsfield units (unit: ${volume.source?.valueUnit ?? 'not stated'}); the HU rules assume CT.`);

  // Voxel counts per label, then every label's values gathered in one pass.
  const L = lm.data, V = volume.data, n = L.length;
  const counts = new Float64Array(256);
  for (let i = 0; i < n; i++) counts[L[i]!]!++;
  const wanted = new Set(parts.map((p) => p.label));
  const values: (Float64Array | undefined)[] = new Array(256);
  for (const p of parts) {
    if (!Number.isInteger(p.label) || p.label < 1 || p.label > 255 || counts[p.label] === 0) {
      throw new ParameterError(`assignMaterials: part "${p.name}" has label ${p.label}, which no voxel of the label map holds`);
    }
    values[p.label] = new Float64Array(counts[p.label]!);
  }
  const fill = new Float64Array(256);
  const slab = Math.max(1, lm.dims[0] * lm.dims[1]);
  for (let i = 0; i < n; i++) {
    if (i % slab === 0) {
      checkAbort('assignMaterials', options.signal);
      options.onProgress?.((0.9 * i) / n);
    }
    const l = L[i]!;
    if (l === 0 || !wanted.has(l)) continue;
    values[l]![fill[l]!++] = V[i]!;
  }

  const stats = new Map<number, HuStats>();
  for (const l of wanted) {
    const a = values[l]!;
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += a[i]!;
    stats.set(l, { voxels: a.length, meanHu: sum / a.length, p5Hu: percentileInPlace(a, 5), medianHu: percentileInPlace(a, 50), p95Hu: percentileInPlace(a, 95) });
  }

  const out = parts.map((p): MaterialPart => {
    const s = stats.get(p.label)!;
    const named = t.byName?.[p.name];
    const { choice, chosenBy } = named ? { choice: named, chosenBy: 'name' as const } : chooseRule(t, s[t.statistic]);
    const color = (choice.color ?? p.color ?? '#E3DAC9').toUpperCase();
    parseHexColor(color, `assignMaterials: part "${p.name}"`);
    return { ...p, material: choice.material, infillPercent: choice.infillPercent, color, huStats: s, chosenBy };
  });
  options.onProgress?.(1);
  const r = (x: number): number => Math.round(x * 10) / 10;
  const view = table({
    columns: ['part', 'label', 'voxels', 'mean HU', 'median HU', 'p5 HU', 'p95 HU', 'material', 'infill %', 'chosen by'],
    rows: out.map((p) => [p.name, p.label, p.huStats.voxels, r(p.huStats.meanHu), r(p.huStats.medianHu), r(p.huStats.p5Hu), r(p.huStats.p95Hu), p.material, p.infillPercent,
      p.chosenBy === 'name' ? 'name' : `${t.statistic === 'medianHu' ? 'median' : 'mean'} ${p.chosenBy === 'hu-range' ? 'in' : 'nearest to'} ${rangeText(t.rules.find((x) => x.material === p.material && x.infillPercent === p.infillPercent))}`]),
  }, 'Material and infill per part');
  return { parts: out, view, warnings };
}

function rangeText(rule: MaterialRule | undefined): string {
  if (!rule) return 'a rule';
  if (rule.minHu !== undefined && rule.maxHu !== undefined) return `${rule.minHu}..${rule.maxHu} HU`;
  return rule.minHu !== undefined ? `≥ ${rule.minHu} HU` : rule.maxHu !== undefined ? `≤ ${rule.maxHu} HU` : 'any HU';
}

/** The first rule whose range holds x, else the one at the least HU distance. */
function chooseRule(t: MaterialTable, x: number): { choice: MaterialRule; chosenBy: 'hu-range' | 'nearest-hu-range' } {
  let best = t.rules[0]!, bestD = Infinity;
  for (const rule of t.rules) {
    const lo = rule.minHu ?? -Infinity, hi = rule.maxHu ?? Infinity;
    const d = x < lo ? lo - x : x > hi ? x - hi : 0;
    if (d === 0) return { choice: rule, chosenBy: 'hu-range' };
    if (d < bestD) {
      bestD = d;
      best = rule;
    }
  }
  return { choice: best, chosenBy: 'nearest-hu-range' };
}

function checkChoice(c: MaterialChoice, where: string): void {
  if (typeof c.material !== 'string' || c.material.trim() === '') throw new ParameterError(`assignMaterials: ${where} needs a material name`);
  if (!(c.infillPercent >= 0 && c.infillPercent <= 100)) throw new ParameterError(`assignMaterials: ${where} infillPercent must be in 0..100, got ${c.infillPercent}`);
  if (c.color !== undefined) parseHexColor(c.color, `assignMaterials: ${where}`);
}

function checkTable(t: MaterialTable): void {
  if (t.statistic !== 'medianHu' && t.statistic !== 'meanHu') throw new ParameterError(`assignMaterials: table.statistic must be 'medianHu' or 'meanHu', got ${JSON.stringify(t.statistic)}`);
  if (!t.rules || t.rules.length === 0) throw new ParameterError('assignMaterials: table.rules is empty; give at least one rule (see DEFAULT_MATERIAL_TABLE)');
  t.rules.forEach((r, i) => {
    checkChoice(r, `rule ${i} (${r.material})`);
    for (const b of [r.minHu, r.maxHu]) if (b !== undefined && !Number.isFinite(b)) throw new ParameterError(`assignMaterials: rule ${i} (${r.material}) has a non-finite HU bound ${b}; leave the end out for an open range`);
    if (r.minHu !== undefined && r.maxHu !== undefined && r.minHu > r.maxHu) throw new ParameterError(`assignMaterials: rule ${i} (${r.material}) has minHu ${r.minHu} above maxHu ${r.maxHu}; swap them`);
  });
  for (const [name, c] of Object.entries(t.byName ?? {})) checkChoice(c, `byName["${name}"]`);
}
