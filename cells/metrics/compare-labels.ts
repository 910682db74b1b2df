/**
 * Per-label comparison of two label maps: `compareMasks` on each label's voxels.
 */
import type { Label } from '../core/labelmap.ts';
import { ParameterError } from '../core/errors.ts';
import type { StageOptions } from '../core/stage.ts';
import { makeVolume, type Volume } from '../core/volume.ts';
import { compareMasks, type CompareMasksOptions, type MaskComparison } from './compare-masks.ts';
import { assertSameGrid } from './overlap.ts';

type IntegerArray = Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array;

/** A label volume, with a label table when it is a `LabelMap`. */
export type LabelVolume = Volume<IntegerArray> & { readonly labels?: readonly Label[] };

export interface CompareLabelMapsOptions extends CompareMasksOptions {
  /**
   * Label values to compare, in this order. Default: every non-zero value present in either
   * map, ascending. A label absent from both gives a row of the both-empty case.
   */
  readonly labels?: readonly number[];
}

/** One row per label: the label, its name, and `compareMasks` of its voxels. */
export interface LabelComparison extends MaskComparison {
  readonly label: number;
  /** From the reference's label table, else the prediction's, else `label <value>`. */
  readonly name: string;
}

function isInteger(a: unknown): a is IntegerArray {
  return a instanceof Uint8Array || a instanceof Uint16Array || a instanceof Uint32Array ||
    a instanceof Int8Array || a instanceof Int16Array || a instanceof Int32Array;
}

/**
 * Compares two label maps label by label: for each label value v, `compareMasks` of
 * (reference = v) against (prediction = v), with the same conventions and empty cases
 * (see `compareMasks`): a label missing from one map gets Dice 0 and distances Infinity.
 *
 * Shapes: both on one grid, integer voxel types. Returns rows in the order of `labels`.
 * Progress: `signal` and `onProgress` (0..1 over all labels) go through to `compareMasks`.
 * @throws GeometryError if the grids differ; ParameterError if a map's data is not an
 *   integer array or a requested label is not an integer; AbortError.
 */
export function compareLabelMaps(reference: LabelVolume, prediction: LabelVolume, options: CompareLabelMapsOptions = {}): LabelComparison[] {
  for (const [what, v] of [['reference', reference], ['prediction', prediction]] as const) {
    if (!isInteger(v.data)) throw new ParameterError(`compareLabelMaps: the ${what} must hold integer labels, got ${(v.data as object).constructor.name}`);
  }
  assertSameGrid(reference, prediction, 'reference and prediction label maps');
  const r = reference.data, p = prediction.data;
  let labels: number[];
  if (options.labels) {
    for (const l of options.labels) if (!Number.isInteger(l)) throw new ParameterError(`compareLabelMaps: labels must be integers, got ${l}`);
    labels = [...options.labels];
  } else {
    const seen = new Set<number>();
    let last = 0; // runs of one value are common: skip the Set for them
    for (const a of [r, p]) {
      for (let i = 0; i < a.length; i++) {
        const v = a[i]!;
        if (v !== 0 && v !== last) { seen.add(v); last = v; }
      }
    }
    labels = [...seen].sort((x, y) => x - y);
  }
  const names = new Map<number, string>();
  for (const table of [prediction.labels, reference.labels]) for (const l of table ?? []) names.set(l.value, l.name);

  const n = r.length;
  const mr = new Uint8Array(n), mp = new Uint8Array(n);
  const geometry = { dims: reference.dims, spacingMm: reference.spacingMm, originMm: reference.originMm, direction: reference.direction };
  const refMask = makeVolume({ data: mr, ...geometry }), predMask = makeVolume({ data: mp, ...geometry });
  const rows: LabelComparison[] = [];
  labels.forEach((label, li) => {
    for (let i = 0; i < n; i++) {
      mr[i] = r[i] === label ? 1 : 0;
      mp[i] = p[i] === label ? 1 : 0;
    }
    const stage: StageOptions = {
      signal: options.signal,
      onProgress: options.onProgress && ((t: number) => options.onProgress!((li + t) / labels.length)),
    };
    const m = compareMasks(refMask, predMask, { ...stage, toleranceMm: options.toleranceMm });
    rows.push({ label, name: names.get(label) ?? `label ${label}`, ...m });
  });
  return rows;
}
