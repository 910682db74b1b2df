/**
 * The surface of a mask as MONAI's surface-distance metrics define it
 * (`monai.metrics.utils.get_mask_edges`: the mask XOR its binary erosion by the
 * 6-neighbour cross, with the outside of the grid counted as outside): the voxels of the
 * mask with at least one of their 6 face neighbours outside the mask or outside the grid.
 */
import type { Vec3, Volume } from '../core/volume.ts';

/** A box of voxel indices: `x0 ≤ x < x1`, and so on. */
export interface VoxelBox {
  readonly x0: number; readonly y0: number; readonly z0: number;
  readonly x1: number; readonly y1: number; readonly z1: number;
}

/** The smallest box holding every non-zero voxel of `data` (x fastest on `dims`); null if there is none. */
export function boundingBox(data: Uint8Array, dims: Vec3): VoxelBox | null {
  const [nx, ny, nz] = dims;
  let x0 = nx, y0 = ny, z0 = nz, x1 = -1, y1 = -1, z1 = -1;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++, i += nx) {
      let first = -1, last = -1;
      for (let x = 0; x < nx; x++) {
        if (data[i + x] !== 0) { if (first < 0) first = x; last = x; }
      }
      if (first < 0) continue;
      if (first < x0) x0 = first;
      if (last > x1) x1 = last;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < z0) z0 = z;
      z1 = z;
    }
  }
  return x1 < 0 ? null : { x0, y0, z0, x1: x1 + 1, y1: y1 + 1, z1: z1 + 1 };
}

/** The smallest box holding both. */
export function unionBox(a: VoxelBox, b: VoxelBox): VoxelBox {
  return {
    x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), z0: Math.min(a.z0, b.z0),
    x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1), z1: Math.max(a.z1, b.z1),
  };
}

/**
 * Finds the surface voxels of the mask `data` (x fastest on `dims`) that lie in `within`
 * (pass the mask's bounding box: there are none outside it), and writes them in the frame
 * of `frame` (a box containing `within`): `feat[local] = 1` when `feat` is given, and the
 * local linear indices x + bx·(y + by·z) into `out`, ascending. Returns how many there are.
 * `out` must have room for them (the mask's voxel count is always enough).
 */
export function surfaceInto(
  data: Uint8Array, dims: Vec3, within: VoxelBox, frame: VoxelBox, out: Int32Array, feat?: Uint8Array,
): number {
  const [nx, ny, nz] = dims;
  const plane = nx * ny;
  const bx = frame.x1 - frame.x0, by = frame.y1 - frame.y0;
  let n = 0;
  for (let z = within.z0; z < within.z1; z++) {
    const zEdge = z === 0 || z === nz - 1;
    for (let y = within.y0; y < within.y1; y++) {
      const yzEdge = zEdge || y === 0 || y === ny - 1;
      const row = nx * y + plane * z;
      const localRow = bx * ((y - frame.y0) + by * (z - frame.z0)) - frame.x0;
      for (let x = within.x0; x < within.x1; x++) {
        const i = row + x;
        if (data[i] === 0) continue;
        if (yzEdge || x === 0 || x === nx - 1 ||
          data[i - 1] === 0 || data[i + 1] === 0 || data[i - nx] === 0 || data[i + nx] === 0 ||
          data[i - plane] === 0 || data[i + plane] === 0) {
          const local = localRow + x;
          out[n++] = local;
          if (feat) feat[local] = 1;
        }
      }
    }
  }
  return n;
}

/**
 * Surface voxels of a mask (non-zero = inside), MONAI's convention (see the file header):
 * inside voxels with a 6-neighbour outside the mask or the grid.
 * Returns their linear indices i + nx·(j + ny·k), ascending; empty for an empty mask.
 */
export function surfaceVoxels(mask: Volume<Uint8Array>): Int32Array {
  const box = boundingBox(mask.data, mask.dims);
  if (!box) return new Int32Array(0);
  const all: VoxelBox = { x0: 0, y0: 0, z0: 0, x1: mask.dims[0], y1: mask.dims[1], z1: mask.dims[2] };
  let inside = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] !== 0) inside++;
  const out = new Int32Array(inside);
  const n = surfaceInto(mask.data, mask.dims, box, all, out);
  return out.slice(0, n);
}
