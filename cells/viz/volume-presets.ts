/**
 * Transfer-function presets for volume rendering: opacity and colour as piecewise-linear
 * points along the voxel value. CT presets are in Hounsfield units; the MR preset, whose
 * signal has no fixed unit, is in fractions 0..1 of the volume's value range and is resolved
 * against that range (`resolvePreset`). Points were chosen here from the HU ranges of the
 * tissues (air −1000, fat ≈ −100, soft tissue 20..80, contrast-filled vessels 150..500,
 * cancellous bone ≈ 300..700, cortical bone > 1000 HU; Hounsfield 1973, doi:10.1259/0007-1285-46-552-1016),
 * not copied from another viewer's tables.
 */
import { ParameterError } from '../core/errors.ts';

/** `[value, opacity 0..1]` */
export type OpacityPoint = readonly [number, number];
/** `[value, r, g, b]` with r, g, b in 0..1 (sRGB) */
export type ColorPoint = readonly [number, number, number, number];

export interface TransferFunction {
  /** Increasing values. Opacity per unit length of 1 mm (vtk's scalar-opacity unit distance). */
  readonly opacity: readonly OpacityPoint[];
  /** Increasing values. */
  readonly color: readonly ColorPoint[];
}

export interface VolumePreset extends TransferFunction {
  readonly label: string;
  /** 'HU': values are Hounsfield units; 'range': values are fractions of the volume's [min, max]. */
  readonly scale: 'HU' | 'range';
}

export const VOLUME_PRESETS = {
  'ct-bone': {
    label: 'CT bone',
    scale: 'HU',
    opacity: [[-1000, 0], [140, 0], [220, 0.12], [450, 0.45], [1200, 0.8], [3071, 0.9]],
    color: [[-1000, 0, 0, 0], [140, 0.55, 0.27, 0.17], [260, 0.86, 0.72, 0.58], [600, 0.96, 0.91, 0.83], [1500, 1, 1, 0.97]],
  },
  'ct-skin': {
    label: 'CT skin',
    scale: 'HU',
    opacity: [[-1000, 0], [-520, 0], [-300, 0.35], [80, 0.45], [300, 0.5], [1000, 0.85]],
    color: [[-1000, 0, 0, 0], [-520, 0.62, 0.36, 0.28], [-200, 0.93, 0.7, 0.6], [100, 0.97, 0.82, 0.72], [400, 1, 0.96, 0.9]],
  },
  'ct-angio': {
    label: 'CT angio-like',
    scale: 'HU',
    opacity: [[-1000, 0], [110, 0], [170, 0.25], [400, 0.55], [1000, 0.75], [3071, 0.8]],
    color: [[-1000, 0, 0, 0], [110, 0.45, 0.03, 0.02], [200, 0.85, 0.15, 0.1], [400, 1, 0.6, 0.45], [1000, 1, 0.95, 0.88]],
  },
  'mr-t1-brain': {
    label: 'MR T1 brain',
    scale: 'range',
    opacity: [[0, 0], [0.12, 0], [0.25, 0.08], [0.45, 0.35], [0.7, 0.6], [1, 0.7]],
    color: [[0, 0, 0, 0], [0.2, 0.35, 0.25, 0.2], [0.4, 0.75, 0.6, 0.52], [0.6, 0.95, 0.86, 0.78], [1, 1, 1, 1]],
  },
} as const satisfies Record<string, VolumePreset>;

export type VolumePresetName = keyof typeof VOLUME_PRESETS;

export const VOLUME_PRESET_NAMES = Object.keys(VOLUME_PRESETS) as VolumePresetName[];

/** Whether `name` is one of `VOLUME_PRESETS`. */
export function isVolumePresetName(name: unknown): name is VolumePresetName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(VOLUME_PRESETS, name);
}

/**
 * The preset's points in the volume's own values: HU presets as they are, 'range' presets
 * mapped from 0..1 onto `[min, max]`.
 * @throws ParameterError for an unknown preset name or an empty range (min ≥ max) for a 'range' preset.
 */
export function resolvePreset(name: string, rangeValue: readonly [number, number]): TransferFunction {
  if (!isVolumePresetName(name)) throw new ParameterError(`volume preset "${name}" is unknown; use one of ${VOLUME_PRESET_NAMES.join(', ')}`);
  const preset: VolumePreset = VOLUME_PRESETS[name];
  if (preset.scale === 'HU') return { opacity: preset.opacity, color: preset.color };
  const [lo, hi] = rangeValue;
  if (!(hi > lo)) throw new ParameterError(`volume preset "${name}" is scaled to the value range, but the volume's range [${lo}, ${hi}] is empty; pick a CT preset or check the volume`);
  const at = (t: number) => lo + t * (hi - lo);
  return {
    opacity: preset.opacity.map(([t, a]) => [at(t), a] as const),
    color: preset.color.map(([t, r, g, b]) => [at(t), r, g, b] as const),
  };
}

/**
 * A transfer function moved and stretched like a window/level: each point's value v becomes
 * `centre + (v − centre)·widthScale + levelShift`, where centre is the midpoint of the
 * opacity points' values that are neither first nor last (the part that shows something).
 * widthScale 1 and levelShift 0 give the function back unchanged.
 */
export function windowTransfer(tf: TransferFunction, levelShift: number, widthScale: number): TransferFunction {
  const inner = tf.opacity.length > 2 ? tf.opacity.slice(1, -1) : tf.opacity;
  const centre = (inner[0]![0] + inner[inner.length - 1]![0]) / 2;
  const move = (v: number) => centre + (v - centre) * widthScale + levelShift;
  return {
    opacity: tf.opacity.map(([v, a]) => [move(v), a] as const),
    color: tf.color.map(([v, r, g, b]) => [move(v), r, g, b] as const),
  };
}
