/**
 * Display windows (a linear grey ramp from centre − width/2 to centre + width/2) for slice
 * views. CT windows in Hounsfield units are the usual radiology ones (e.g. Radiopaedia,
 * "Windowing (CT)"): brain W 80 / L 40, soft tissue W 400 / L 40, bone W 1800 / L 400 (the
 * bone window `renderSlice` has always used). MR values have no unit, so MR gets "auto": the
 * 0.5th to 99.5th percentile of the voxels above the volume's minimum (the background).
 */
import { ParameterError } from '../core/errors.ts';
import type { VoxelArray } from '../core/volume.ts';

export interface DisplayWindow {
  readonly center: number;
  readonly width: number;
}

export interface WindowPreset extends DisplayWindow {
  /** 'ct-bone' | 'ct-brain' | 'ct-soft-tissue' | 'auto' */
  readonly id: string;
  /** What the view's select shows. */
  readonly label: string;
}

/** The CT presets, in Hounsfield units. */
export const CT_WINDOWS: readonly WindowPreset[] = [
  { id: 'ct-bone', label: 'CT bone (W 1800 / L 400)', center: 400, width: 1800 },
  { id: 'ct-brain', label: 'CT brain (W 80 / L 40)', center: 40, width: 80 },
  { id: 'ct-soft-tissue', label: 'CT soft tissue (W 400 / L 40)', center: 40, width: 400 },
];

/**
 * The window from the `lowPercent`-th to the `highPercent`-th percentile of the voxels above
 * the data's minimum, read from a 4096-bin histogram (so to within 1/4096 of the value range).
 * Voxels at the minimum are left out: they are the background (air, or the zero outside an MR
 * head) and would pull the window down. Constant data gives width 1 centred on the value.
 * @throws ParameterError unless 0 ≤ lowPercent < highPercent ≤ 100.
 */
export function autoWindow(data: VoxelArray, lowPercent = 0.5, highPercent = 99.5): DisplayWindow {
  if (!(lowPercent >= 0 && highPercent <= 100 && lowPercent < highPercent)) throw new ParameterError(`autoWindow: percentiles must satisfy 0 ≤ low < high ≤ 100, got ${lowPercent}, ${highPercent}`);
  let min = Infinity, max = -Infinity;
  for (let p = 0; p < data.length; p++) {
    const v = data[p]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return { center: Number.isFinite(min) ? min : 0, width: 1 };
  const bins = 4096, hist = new Float64Array(bins), scale = bins / (max - min);
  let n = 0;
  for (let p = 0; p < data.length; p++) {
    const v = data[p]!;
    if (v > min) {
      hist[Math.min(bins - 1, Math.floor((v - min) * scale))]! += 1;
      n++;
    }
  }
  const at = (percent: number): number => {
    const target = (percent / 100) * n;
    let sum = 0;
    for (let b = 0; b < bins; b++) {
      sum += hist[b]!;
      if (sum >= target && sum > 0) return min + (b + 0.5) / scale;
    }
    return max;
  };
  const lo = at(lowPercent), hi = at(highPercent);
  const width = Math.max(hi - lo, (max - min) / bins);
  return { center: (lo + hi) / 2, width };
}

/**
 * The presets a view offers for a volume: the CT windows and "auto" when its values are
 * Hounsfield units, else "auto" alone (MR and unitless data).
 */
export function windowPresets(data: VoxelArray, valueUnit: string | undefined): WindowPreset[] {
  const auto: WindowPreset = { id: 'auto', label: valueUnit === 'HU' ? 'auto (0.5–99.5%)' : 'MR / auto (0.5–99.5%)', ...autoWindow(data) };
  return valueUnit === 'HU' ? [...CT_WINDOWS, auto] : [auto];
}
