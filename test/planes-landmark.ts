/**
 * A landmark check for "anterior at the top" of an axial image of the head: at the level of
 * the nose, the head's outline ends in a narrow point at the front (the nose) and in a wide
 * curve at the back (the occiput). Used by the Node test on renderPlane's pixels and by the
 * browser test on the canvas.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadNifti } from '../cells/io/nifti.ts';
import { parseLabelTable } from '../cells/io/label-table.ts';
import type { Vec3 } from '../cells/core/volume.ts';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface EndWidths {
  /** Mean foreground pixels per row over the top band of the head's largest component. */
  readonly top: number;
  readonly bottom: number;
  /** Rows the component spans. */
  readonly rows: number;
  readonly pixels: number;
}

/**
 * Foreground = grey pixels (R, G, B within 30 of each other: not the yellow crosshair) brighter
 * than `minGrey`; the largest 4-connected component is the head (the scanner's head holder is a
 * separate arc). Widths are averaged over the `bandFraction` of its rows nearest each end.
 */
export function headEndWidths(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, minGrey = 60, bandFraction = 0.08, channels = 4): EndWidths {
  const fg = new Uint8Array(width * height);
  for (let p = 0; p < width * height; p++) {
    const r = rgba[channels * p]!, g = rgba[channels * p + 1]!, b = rgba[channels * p + 2]!;
    fg[p] = r > minGrey && Math.abs(r - b) < 30 && Math.abs(r - g) < 30 ? 1 : 0;
  }
  const comp = new Int32Array(width * height).fill(-1);
  const stack: number[] = [];
  let best = -1, bestSize = 0, id = 0;
  for (let s = 0; s < fg.length; s++) {
    if (!fg[s] || comp[s]! >= 0) continue;
    let size = 0;
    comp[s] = id;
    stack.push(s);
    while (stack.length) {
      const p = stack.pop()!;
      size++;
      const x = p % width, y = (p - x) / width;
      for (const q of [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1]) {
        if (q >= 0 && fg[q] && comp[q]! < 0) {
          comp[q] = id;
          stack.push(q);
        }
      }
    }
    if (size > bestSize) {
      bestSize = size;
      best = id;
    }
    id++;
  }
  const perRow = new Float64Array(height);
  let y0 = height, y1 = -1;
  for (let p = 0; p < comp.length; p++) {
    if (comp[p] !== best) continue;
    const y = Math.floor(p / width);
    perRow[y]!++;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  const rows = y1 - y0 + 1, band = Math.max(1, Math.round(rows * bandFraction));
  let top = 0, bottom = 0;
  for (let b = 0; b < band; b++) {
    top += perRow[y0 + b]!;
    bottom += perRow[y1 - b]!;
  }
  return { top: top / band, bottom: bottom / band, rows, pixels: bestSize };
}

/**
 * A voxel of axial slice `k` of the sample AAL atlas well inside one region (its six neighbours
 * share its label), searched over i 40..89, j 100..159 (left of the centre, above it): its index,
 * label value and name. Used by the browser tests that click it and read the probe.
 */
export async function aalVoxelInsideRegion(k: number): Promise<{ index: Vec3; label: number; name: string }> {
  const atlas = await loadNifti(join(REPO_ROOT, 'data', 'mri-colin27', 'aal.nii.gz'));
  const names = parseLabelTable(await readFile(join(REPO_ROOT, 'data', 'mri-colin27', 'aal.nii.txt'), 'utf8'));
  const [nx, ny] = atlas.dims;
  const at = (i: number, j: number, kk: number): number => atlas.data[i + nx * (j + ny * kk)]!;
  for (let j = 100; j < 160; j++) {
    for (let i = 40; i < 90; i++) {
      const l = at(i, j, k);
      if (l > 0 && [at(i - 1, j, k), at(i + 1, j, k), at(i, j - 1, k), at(i, j + 1, k), at(i, j, k - 1), at(i, j, k + 1)].every((x) => x === l)) {
        return { index: [i, j, k], label: l, name: names.find((n) => n.value === l)!.name };
      }
    }
  }
  throw new Error(`no AAL voxel inside a region on axial slice ${k}`);
}
