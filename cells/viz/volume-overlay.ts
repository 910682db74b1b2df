/**
 * Overlays of a volume rendering: a label map or a probability map drawn inside the ray-cast
 * volume as surfaces (one closed mesh per label, in the label table's colours; one isosurface
 * per probability level, in viridis). Surfaces rather than a second ray-cast volume: vtk.js
 * composites polygons and a volume in one renderer by depth, a label's boundary is what a reader
 * looks for inside the anatomy, and the bundle carries triangles the exported page and a
 * headless PNG can draw as they are.
 */
import { ParameterError } from '../core/errors.ts';
import type { LabelMap } from '../core/labelmap.ts';
import type { Volume } from '../core/volume.ts';
import { assertSameGrid } from '../metrics/overlap.ts';
import { isosurface } from '../mesh/isosurface.ts';
import { labelSurfaces } from '../mesh/label-surfaces.ts';
import { parseHexColor } from '../io/mesh-export.ts';
import { viridis } from './slice.ts';

/** One overlay surface as the volume bundle carries it: positions in LPS mm, counter-clockwise outward triangles. */
export interface VolumeSurface {
  readonly name: string;
  /** sRGB 0..255 */
  readonly color: readonly [number, number, number];
  /** 0..1 */
  readonly opacity: number;
  readonly positions: Float32Array;
  readonly indices: Uint32Array;
}

/** What `volumeOverlaySurfaces` draws; every map must lie on the volume's grid. */
export interface VolumeOverlayOptions {
  /**
   * A label map (Uint8, 0 = background): one surface per label present, named and coloured from
   * its label table (`labels`), else `labelNames` and the colour-blind-safe palette.
   */
  readonly labels?: Volume<Uint8Array> | LabelMap;
  /** Names by label value, for a label map without a table (e.g. loaded with `loadLabelTable`). */
  readonly labelNames?: Readonly<Record<number, string>>;
  /** A probability (or any [0, 1]) map: one isosurface per level in `probabilityLevels`. */
  readonly probability?: Volume;
  /** Levels of the probability surfaces, each in (0, 1); default [0.5]. */
  readonly probabilityLevels?: readonly number[];
  /** Opacity of the overlay surfaces, 0..1; default 0.6. */
  readonly overlayOpacity?: number;
}

/**
 * The overlay surfaces of a volume rendering (see the module comment).
 * @throws GeometryError when a map does not lie on the volume's grid (dims, spacing, origin,
 *   direction; `assertSameGrid`).
 * @throws ParameterError when a level is not in (0, 1) or the opacity is not in [0, 1].
 */
export function volumeOverlaySurfaces(volume: Volume, options: VolumeOverlayOptions): VolumeSurface[] {
  const opacity = options.overlayOpacity ?? 0.6;
  if (!(opacity >= 0 && opacity <= 1)) throw new ParameterError(`volumeView: overlayOpacity must be in [0, 1], got ${opacity}`);
  const surfaces: VolumeSurface[] = [];
  if (options.labels) {
    checkGrid(volume, options.labels, 'labels');
    const map: LabelMap = 'labels' in options.labels && Array.isArray(options.labels.labels) ? options.labels : { ...options.labels, labels: [] };
    const { parts } = labelSurfaces(map, options.labelNames ? { names: options.labelNames } : {});
    for (const p of parts) {
      const [r, g, b] = parseHexColor(p.color, 'volumeView');
      surfaces.push({ name: p.name, color: [r, g, b], opacity, positions: p.mesh.positions, indices: p.mesh.indices });
    }
  }
  if (options.probability) {
    checkGrid(volume, options.probability, 'probability');
    const levels = options.probabilityLevels ?? [0.5];
    const rgb = [0, 0, 0];
    for (const level of levels) {
      if (!(level > 0 && level < 1)) throw new ParameterError(`volumeView: probability levels must be in (0, 1), got ${level}`);
      const mesh = isosurface(options.probability, { isoValue: level });
      if (mesh.indices.length === 0) continue;
      viridis(level, rgb);
      surfaces.push({ name: `p ≥ ${level}`, color: [rgb[0]!, rgb[1]!, rgb[2]!], opacity, positions: mesh.positions, indices: mesh.indices });
    }
  }
  return surfaces;
}

/** `map` on `volume`'s grid (assertSameGrid: dims equal, spacing, origin and direction within 1e-4). */
function checkGrid(volume: Volume, map: Volume, what: string): void {
  assertSameGrid(volume, map, `volumeView: ${what} must lie on the volume's grid, but the volume and ${what}`);
}
