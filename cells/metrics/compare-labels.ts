/**
 * Per-label comparison of two label maps: `compareMasks` on each label's voxels.
 *
 * Invariants: one pass over both maps finds, for every label compared, the bounding box of
 * its voxels in each map; each label is then compared on the crop of the union of its two
 * boxes, which gives the same numbers as full-size masks (see the comment at the crop).
 */
import type { Label } from '../core/labelmap.ts';
import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { makeVolume, type Vec3, type Volume } from '../core/volume.ts';
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

const STAGE = 'compareLabelMaps';

/** A box [x0, x1) × [y0, y1) × [z0, z1) of voxel indices. */
interface Box { readonly x0: number; readonly y0: number; readonly z0: number; readonly x1: number; readonly y1: number; readonly z1: number }

/**
 * One pass over both maps. Invariant after the pass, for each slot s (a label value's index
 * in `slot`): `box(s)` is the smallest box holding every voxel of that value in either map,
 * or null when neither map holds it. When `discover`, each non-zero value met gets the next
 * slot; otherwise values without a slot are passed over.
 */
function scanLabels(
  r: IntegerArray, p: IntegerArray, dims: Vec3, slot: Map<number, number>, discover: boolean, signal?: AbortSignal,
): { box: (s: number) => Box | null } {
  const [nx, ny, nz] = dims;
  // Per slot, 6 ints per map: x0, y0, z0 (inclusive), x1, y1, z1 (exclusive); x1 = 0 ⇔ none.
  let boxes = new Int32Array(12 * Math.max(16, slot.size));
  const fresh = (from: number) => { for (let s = from; s < boxes.length / 12; s++) for (let m = 0; m < 12; m += 6) boxes.set([nx, ny, nz, 0, 0, 0], 12 * s + m); };
  fresh(0);
  const slotOf = (v: number): number => {
    const s = slot.get(v);
    if (s !== undefined) return s;
    if (!discover || v === 0) return -1;
    const n = slot.size;
    slot.set(v, n);
    if (12 * n >= boxes.length) {
      const grown = new Int32Array(2 * boxes.length);
      grown.set(boxes);
      const from = boxes.length / 12;
      boxes = grown;
      fresh(from);
    }
    return n;
  };
  // Runs of one value are common: the last value's slot is kept for each map.
  let lr = NaN, sr = -1, lp = NaN, sp = -1;
  for (let z = 0, i = 0; z < nz; z++) {
    if ((z & 7) === 0) checkAbort(STAGE, signal);
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const a = r[i]!, b = p[i]!;
        if (a !== lr) { lr = a; sr = slotOf(a); }
        if (b !== lp) { lp = b; sp = slotOf(b); }
        if (sr >= 0) {
          const k = 12 * sr;
          if (x < boxes[k]!) boxes[k] = x;
          if (x >= boxes[k + 3]!) boxes[k + 3] = x + 1;
          if (y < boxes[k + 1]!) boxes[k + 1] = y;
          if (y >= boxes[k + 4]!) boxes[k + 4] = y + 1;
          if (z < boxes[k + 2]!) boxes[k + 2] = z;
          boxes[k + 5] = z + 1;
        }
        if (sp >= 0) {
          const k = 12 * sp + 6;
          if (x < boxes[k]!) boxes[k] = x;
          if (x >= boxes[k + 3]!) boxes[k + 3] = x + 1;
          if (y < boxes[k + 1]!) boxes[k + 1] = y;
          if (y >= boxes[k + 4]!) boxes[k + 4] = y + 1;
          if (z < boxes[k + 2]!) boxes[k + 2] = z;
          boxes[k + 5] = z + 1;
        }
      }
    }
  }
  return {
    box: (s) => {
      const k = 12 * s;
      const inR = boxes[k + 3]! > 0, inP = boxes[k + 9]! > 0;
      if (!inR && !inP) return null;
      const lo = (a: number) => Math.min(inR ? boxes[k + a]! : Infinity, inP ? boxes[k + 6 + a]! : Infinity);
      const hi = (a: number) => Math.max(inR ? boxes[k + 3 + a]! : 0, inP ? boxes[k + 9 + a]! : 0);
      return { x0: lo(0), y0: lo(1), z0: lo(2), x1: hi(0), y1: hi(1), z1: hi(2) };
    },
  };
}

/**
 * Compares two label maps label by label: for each label value v, `compareMasks` of
 * (reference = v) against (prediction = v), with the same conventions and empty cases
 * (see `compareMasks`): a label missing from one map gets Dice 0 and distances Infinity.
 *
 * Shapes: both on one grid, integer voxel types. Returns rows in the order of `labels`.
 * Cost: one pass over the maps, then per label O(voxels of its crop) — not O(voxels) per
 * label: AAL's 116 labels on Colin27's 7.1M-voxel grid against a copy shifted by a voxel,
 * about 0.6–0.9 s instead of 4.9 s with one full-grid pass per label.
 * Progress: `signal` and `onProgress` (0..1 over all labels) go through to `compareMasks`;
 *   `signal` is also checked every 8 slices of the first pass and between labels.
 * @throws GeometryError if the grids differ; ParameterError if a map's data is not an
 *   integer array or a requested label is not an integer; AbortError.
 */
export function compareLabelMaps(reference: LabelVolume, prediction: LabelVolume, options: CompareLabelMapsOptions = {}): LabelComparison[] {
  for (const [what, v] of [['reference', reference], ['prediction', prediction]] as const) {
    if (!isInteger(v.data)) throw new ParameterError(`compareLabelMaps: the ${what} must hold integer labels, got ${(v.data as object).constructor.name}`);
  }
  assertSameGrid(reference, prediction, 'reference and prediction label maps');
  const r = reference.data, p = prediction.data;
  const [nx, ny] = reference.dims;
  // One pass over both maps: per label, voxel counts and bounding boxes in each map. Asked-for
  // labels get their slots first; by default every non-zero value found gets one.
  const slot = new Map<number, number>();
  for (const l of options.labels ?? []) {
    if (!Number.isInteger(l)) throw new ParameterError(`compareLabelMaps: labels must be integers, got ${l}`);
    if (!slot.has(l)) slot.set(l, slot.size);
  }
  const stats = scanLabels(r, p, reference.dims, slot, !options.labels, options.signal);
  const labels = options.labels ? [...options.labels] : [...slot.keys()].sort((x, y) => x - y);
  const names = new Map<number, string>();
  for (const table of [prediction.labels, reference.labels]) for (const l of table ?? []) names.set(l.value, l.name);

  const [sx, sy, sz] = reference.spacingMm;
  const o = reference.originMm, dir = reference.direction;
  const rows: LabelComparison[] = [];
  labels.forEach((label, li) => {
    checkAbort(STAGE, options.signal);
    // Crop to the union of the label's boxes in the two maps, then compareMasks on the crop.
    // The result is the same as on full-size masks, bit for bit: every voxel of either mask
    // is in the crop, so the counts are; a 6-neighbour that the crop cuts off lies outside
    // both boxes, hence outside both masks, so "outside the crop counts as outside" finds
    // the same surface voxels; distances between voxel centres do not change under the
    // translation; and compareMasks itself works on the union box of the two masks, which
    // is the whole crop, so its transforms see the same arrays in the same order.
    // A label in neither map gives a 1-voxel empty crop (compareMasks' both-empty case).
    const b = stats.box(slot.get(label)!);
    const cx = b ? b.x1 - b.x0 : 1, cy = b ? b.y1 - b.y0 : 1, cz = b ? b.z1 - b.z0 : 1;
    const x0 = b?.x0 ?? 0, y0 = b?.y0 ?? 0, z0 = b?.z0 ?? 0;
    const mr = new Uint8Array(cx * cy * cz), mp = new Uint8Array(cx * cy * cz);
    if (b) {
      for (let z = 0, q = 0; z < cz; z++) {
        for (let y = 0; y < cy; y++) {
          const i0 = x0 + nx * (y0 + y + ny * (z0 + z));
          for (let x = 0; x < cx; x++, q++) {
            mr[q] = r[i0 + x] === label ? 1 : 0;
            mp[q] = p[i0 + x] === label ? 1 : 0;
          }
        }
      }
    }
    // World position of the crop's first voxel: originMm + direction · (index ∘ spacingMm).
    const ox = x0 * sx, oy = y0 * sy, oz = z0 * sz;
    const geometry = {
      dims: [cx, cy, cz] as const,
      spacingMm: reference.spacingMm,
      originMm: [0, 1, 2].map((a) => o[a]! + dir[3 * a]! * ox + dir[3 * a + 1]! * oy + dir[3 * a + 2]! * oz) as [number, number, number],
      direction: dir,
    };
    const stage: StageOptions = {
      signal: options.signal,
      onProgress: options.onProgress && ((t: number) => options.onProgress!((li + t) / labels.length)),
    };
    const m = compareMasks(makeVolume({ data: mr, ...geometry }), makeVolume({ data: mp, ...geometry }), { ...stage, toleranceMm: options.toleranceMm });
    rows.push({ label, name: names.get(label) ?? `label ${label}`, ...m });
  });
  return rows;
}
