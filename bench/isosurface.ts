/**
 * Benchmark: Voxbook's `isosurface` against vtk.js `ImageMarchingCubes` on the same field.
 *
 * vtk.js has no padding, mask or direction support, so it gets what ours computes
 * virtually, built before timing: the field with the mask applied (mask 0 → min(value,
 * iso − 0.5)) and padded by one voxel of min(field minimum, iso − 0.5), as Float32. Ours is
 * timed from the unpadded volume and mask, padding and masking included.
 * vtk.js counts value ≥ iso as inside and ours value > iso; on integer data with a
 * half-integer iso-value (225.5 HU, 0.5) they agree.
 */
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray.js';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData.js';
import vtkImageMarchingCubes from '@kitware/vtk.js/Filters/General/ImageMarchingCubes.js';
import type { Volume } from '../cells/core/volume.ts';
import { isosurface } from '../cells/mesh/isosurface.ts';

export interface IsosurfaceBench {
  /** Wall time of each timed run of ours, ms. */
  readonly oursMs: number[];
  /** Wall time of each timed run of vtk.js ImageMarchingCubes, ms. */
  readonly vtkMs: number[];
  readonly oursTriangles: number;
  readonly vtkTriangles: number;
  /** median(vtkMs) / median(oursMs): how many times faster ours is. */
  readonly ratio: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** The field vtk.js sees: mask applied, padded by one outside voxel on every side, Float32. */
export function paddedField(field: Volume, isoValue: number, mask?: Volume<Uint8Array>): Float32Array {
  const [nx, ny, nz] = field.dims;
  const src = field.data, m = mask?.data;
  const outside = isoValue - 0.5;
  let min = Infinity;
  for (let i = 0; i < src.length; i++) if (src[i]! < min) min = src[i]!;
  const W = nx + 2, H = ny + 2;
  const out = new Float32Array(W * H * (nz + 2)).fill(Math.min(min, outside));
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      const s = nx * (j + ny * k), d = 1 + W * (j + 1 + H * (k + 1));
      for (let i = 0; i < nx; i++) {
        const v = src[s + i]!;
        out[d + i] = m !== undefined && m[s + i] === 0 && v > outside ? outside : v;
      }
    }
  return out;
}

/**
 * Times ours and vtk.js on `field` at `isoValue` (restricted by `mask` if given); each is
 * run once untimed to warm up, then `repeats` times.
 * @returns per-run times, triangle counts and the ratio of medians (vtk / ours).
 */
export async function benchIsosurface(field: Volume, isoValue: number, mask?: Volume<Uint8Array>, repeats = 5): Promise<IsosurfaceBench> {
  const oursMs: number[] = [];
  let oursTriangles = 0;
  for (let r = -1; r < repeats; r++) {
    const t0 = performance.now();
    const mesh = isosurface(field, { isoValue, mask });
    const t1 = performance.now();
    if (r >= 0) oursMs.push(t1 - t0);
    oursTriangles = mesh.indices.length / 3;
  }

  const [nx, ny, nz] = field.dims;
  const image = vtkImageData.newInstance();
  image.setDimensions(nx + 2, ny + 2, nz + 2);
  image.setSpacing([field.spacingMm[0], field.spacingMm[1], field.spacingMm[2]]);
  image.setOrigin([-field.spacingMm[0], -field.spacingMm[1], -field.spacingMm[2]]);
  const scalars = vtkDataArray.newInstance({ numberOfComponents: 1, values: paddedField(field, isoValue, mask), name: 'field' });
  image.getPointData().setScalars(scalars);

  const vtkMs: number[] = [];
  let vtkTriangles = 0;
  // vtk.js logs console.time('mcubes') on every run: silence it while it runs.
  const { time, timeEnd } = console;
  console.time = () => {};
  console.timeEnd = () => {};
  try {
    for (let r = -1; r < repeats; r++) {
      const mc = vtkImageMarchingCubes.newInstance({ contourValue: isoValue, computeNormals: false, mergePoints: false });
      mc.setInputData(image);
      const t0 = performance.now();
      mc.update();
      const out = mc.getOutputData();
      const t1 = performance.now();
      if (r >= 0) vtkMs.push(t1 - t0);
      vtkTriangles = out.getPolys().getNumberOfValues() / 4;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    console.time = time;
    console.timeEnd = timeEnd;
  }
  return { oursMs, vtkMs, oursTriangles, vtkTriangles, ratio: median(vtkMs) / median(oursMs) };
}
