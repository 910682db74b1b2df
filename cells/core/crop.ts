/**
 * Sub-volumes: a box of voxels as a volume of its own, on the same world grid (same spacing
 * and direction; the origin moves to the box's first voxel, so every voxel keeps its world
 * position and metrics in mm are unchanged).
 */
import { ParameterError } from './errors.ts';
import { indexToWorld, makeVolume, type Vec3, type Volume, type VoxelArray } from './volume.ts';

/**
 * The voxels lo..hi (inclusive, per axis i, j, k) of `volume`, copied.
 * @throws ParameterError unless 0 ≤ lo ≤ hi < dims on every axis (integers).
 */
export function cropVolume<T extends VoxelArray>(volume: Volume<T>, lo: Vec3, hi: Vec3): Volume<T> {
  const [nx, ny] = volume.dims;
  for (let a = 0; a < 3; a++) {
    const l = lo[a]!, h = hi[a]!;
    if (!Number.isInteger(l) || !Number.isInteger(h) || l < 0 || h >= volume.dims[a]! || l > h) {
      throw new ParameterError(`cropVolume: axis ${'ijk'[a]} range ${l}..${h} is not within 0..${volume.dims[a]! - 1}`);
    }
  }
  const cx = hi[0] - lo[0] + 1, cy = hi[1] - lo[1] + 1, cz = hi[2] - lo[2] + 1;
  const Ctor = volume.data.constructor as new (n: number) => T;
  const data = new Ctor(cx * cy * cz);
  for (let k = 0; k < cz; k++) {
    for (let j = 0; j < cy; j++) {
      const src = lo[0] + nx * (lo[1] + j + ny * (lo[2] + k));
      data.set(volume.data.subarray(src, src + cx), cx * (j + cy * k));
    }
  }
  return makeVolume({
    data, dims: [cx, cy, cz], spacingMm: volume.spacingMm, originMm: indexToWorld(volume, lo[0], lo[1], lo[2]),
    direction: volume.direction, ...(volume.source ? { source: volume.source } : {}),
  });
}

/**
 * The axial slab k = first..last (inclusive) of `volume`: the split unit of slice-wise
 * learning ("test on k 60–89").
 * @throws ParameterError unless 0 ≤ first ≤ last < nz (integers).
 */
export function axialSlab<T extends VoxelArray>(volume: Volume<T>, first: number, last: number): Volume<T> {
  return cropVolume(volume, [0, 0, first], [volume.dims[0] - 1, volume.dims[1] - 1, last]);
}
