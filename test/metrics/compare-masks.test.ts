import { describe, expect, it } from 'vitest';
import { AbortError, GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { makeVolume, type Mat3, type Vec3 } from '../../cells/core/volume.ts';
import { compareMasks } from '../../cells/metrics/compare-masks.ts';
import { bruteSurfaceMetrics } from './brute.ts';
import { maskPair, vol } from './synthetic.ts';

/** A box [x0, x0 + w) × [y0, y0 + h) × [z0, z0 + d) in a grid of `dims`. */
function box(dims: Vec3, [x0, y0, z0]: Vec3, [w, h, d]: Vec3): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let z = z0; z < z0 + d; z++) for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) m[x + dims[0] * (y + dims[1] * z)] = 1;
  return m;
}

const G: Vec3 = [12, 12, 12];

describe('compareMasks on hand-computed cases', () => {
  // A = 4×4×4 cube at (2,2,2); B = A moved 2 voxels along x. |A∩B| = 2·4·4 = 32, each
  // surface has 64 − 8 = 56 voxels. Directed distances (voxels, both ways by symmetry):
  // 16 at 2 (the far face), 16 at 1 (12 on the next layer, 4 in the middle of the near
  // face), 24 at 0 (on the other's surface).
  const a = box(G, [2, 2, 2], [4, 4, 4]);
  const b = box(G, [4, 2, 2], [4, 4, 4]);

  it('two cubes offset by 2 voxels, 1 mm: Dice 1/2, HD = HD95 = 2 mm, ASSD 6/7 mm, surface Dice 5/7', () => {
    const m = compareMasks(vol(a, G), vol(b, G));
    expect(m.dice).toBe(0.5);
    expect(m.iou).toBeCloseTo(1 / 3, 15);
    expect(m.sensitivity).toBe(0.5);
    expect(m.precision).toBe(0.5);
    expect(m.volumeDiffPercent).toBe(0);
    expect(m.referenceSurfaceVoxels).toBe(56);
    expect(m.predictionSurfaceVoxels).toBe(56);
    expect(m.hdMm).toBe(2);
    expect(m.hd95Mm).toBe(2);
    expect(m.assdMm).toBeCloseTo(96 / 112, 14);
    expect(m.surfaceDice).toBeCloseTo(80 / 112, 14);
    expect(compareMasks(vol(a, G), vol(b, G), { toleranceMm: 2 }).surfaceDice).toBe(1);
    expect(compareMasks(vol(a, G), vol(b, G), { toleranceMm: 0 }).surfaceDice).toBeCloseTo(48 / 112, 14);
  });

  it('on anisotropic spacing 0.5 × 1 × 2 mm the x offset scales by 0.5: HD = 2·0.5 mm, ASSD 3/7 mm', () => {
    const s: Vec3 = [0.5, 1, 2];
    const m = compareMasks(vol(a, G, s), vol(b, G, s), { toleranceMm: 0.5 });
    expect(m.dice).toBe(0.5);
    expect(m.hdMm).toBe(1);
    expect(m.hd95Mm).toBe(1);
    expect(m.assdMm).toBeCloseTo(48 / 112, 14);
    expect(m.surfaceDice).toBeCloseTo(80 / 112, 14);
  });

  it('an offset of 2 voxels along z on 0.5 × 1 × 2 mm gives HD = 2·2 = 4 mm', () => {
    const s: Vec3 = [0.5, 1, 2];
    const m = compareMasks(vol(a, G, s), vol(box(G, [2, 2, 4], [4, 4, 4]), G, s));
    expect(m.hdMm).toBe(4);
    expect(m.dice).toBe(0.5);
  });

  it('a cube inside a bigger one: sensitivity 1, precision 27/125, volume +363%, HD = 1 voxel', () => {
    const small = box(G, [3, 3, 3], [3, 3, 3]), big = box(G, [2, 2, 2], [5, 5, 5]);
    const m = compareMasks(vol(small, G, [1.5, 1.5, 1.5]), vol(big, G, [1.5, 1.5, 1.5]));
    expect(m.sensitivity).toBe(1);
    expect(m.precision).toBe(27 / 125);
    expect(m.volumeDiffPercent).toBeCloseTo((100 * (125 - 27)) / 27, 12);
    expect(m.dice).toBe((2 * 27) / 152);
    // Every small-cube surface voxel is one step from the big cube's surface; the big cube's
    // face centres are 1 step away, its corners √3 steps from the small cube's corners.
    expect(m.hdMm).toBeCloseTo(1.5 * Math.sqrt(3), 14);
  });

  it('does not depend on the direction matrix (orthonormal: distances between centres unchanged)', () => {
    const s: Vec3 = [0.7, 1.3, 2.1];
    const rotated: Mat3 = [0, -1, 0, 0, 0, 1, -1, 0, 0];
    const geom = (d: Uint8Array) => makeVolume({ data: d, dims: G, spacingMm: s, originMm: [-5, 3, 100], direction: rotated });
    expect(compareMasks(geom(a), geom(b))).toEqual(compareMasks(vol(a, G, s), vol(b, G, s)));
  });

  it('counts cubes touching the grid border as surface there (outside the grid is outside)', () => {
    const g: Vec3 = [4, 4, 4];
    const full = new Uint8Array(64).fill(1);
    const m = compareMasks(vol(full, g), vol(box(g, [0, 0, 0], [4, 4, 3]), g));
    expect(m.referenceSurfaceVoxels).toBe(56);
    expect(m.predictionSurfaceVoxels).toBe(48 - 4); // 4×4×3 slab: only its middle 2×2×1 is interior
    expect(m.hdMm).toBe(1); // the full grid's top layer is 1 from the slab's top face
  });
});

describe('compareMasks: empty cases are defined, never NaN', () => {
  const empty = new Uint8Array(G[0] * G[1] * G[2]);
  const cube = box(G, [2, 2, 2], [3, 3, 3]);

  it('both empty → Dice 1, distances 0', () => {
    const m = compareMasks(vol(empty, G), vol(empty.slice(), G));
    expect(m).toMatchObject({ dice: 1, iou: 1, sensitivity: 1, precision: 1, volumeDiffPercent: 0, hdMm: 0, hd95Mm: 0, assdMm: 0, surfaceDice: 1 });
  });

  it('empty prediction → Dice 0, distances Infinity, volume −100%', () => {
    const m = compareMasks(vol(cube, G), vol(empty, G));
    expect(m).toMatchObject({ dice: 0, iou: 0, sensitivity: 0, precision: 0, volumeDiffPercent: -100, hdMm: Infinity, hd95Mm: Infinity, assdMm: Infinity, surfaceDice: 0 });
  });

  it('empty reference → Dice 0, distances Infinity, volume +Infinity', () => {
    const m = compareMasks(vol(empty, G), vol(cube, G));
    expect(m).toMatchObject({ dice: 0, sensitivity: 0, precision: 0, volumeDiffPercent: Infinity, hdMm: Infinity, surfaceDice: 0 });
    expect(Object.values(m).some((v) => Number.isNaN(v))).toBe(false);
  });

  it('disjoint masks → Dice 0 with finite distances', () => {
    const m = compareMasks(vol(cube, G), vol(box(G, [8, 2, 2], [3, 3, 3]), G));
    expect(m.dice).toBe(0);
    // 3×3×3 cubes at x 2..4 and 8..10: A's far face (x = 2) is 6 voxels from B's near face.
    expect(m.hdMm).toBe(6);
    expect(m.hd95Mm).toBe(6);
    // Per direction: 9 voxels at 6, 8 at 5 (the middle layer has no centre), 9 at 4.
    expect(m.assdMm).toBeCloseTo((9 * 6 + 8 * 5 + 9 * 4) / 26, 14);
  });
});

describe('compareMasks refuses bad input', () => {
  const a = box(G, [2, 2, 2], [3, 3, 3]);
  it('masks on different grids → GeometryError naming the difference', () => {
    expect(() => compareMasks(vol(a, G), vol(a, G, [1, 1, 1.2]))).toThrow(GeometryError);
    expect(() => compareMasks(vol(a, G), vol(new Uint8Array(12 * 12 * 13), [12, 12, 13]))).toThrow(/dims \[12, 12, 12\] vs \[12, 12, 13\]/);
  });
  it('a negative or non-finite tolerance → ParameterError', () => {
    expect(() => compareMasks(vol(a, G), vol(a, G), { toleranceMm: -1 })).toThrow(ParameterError);
    expect(() => compareMasks(vol(a, G), vol(a, G), { toleranceMm: NaN })).toThrow(/toleranceMm/);
  });
  it('a fired signal → AbortError', () => {
    const c = new AbortController();
    c.abort();
    expect(() => compareMasks(vol(a, G), vol(box(G, [3, 2, 2], [3, 3, 3]), G), { signal: c.signal })).toThrow(AbortError);
  });
  it('reports progress up to 1', () => {
    const seen: number[] = [];
    compareMasks(vol(a, G), vol(box(G, [3, 2, 2], [3, 3, 3]), G), { onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!))).toBe(true);
  });
});

describe('compareMasks equals brute force', () => {
  it('on random anisotropic blob masks with noise, at several tolerances', () => {
    for (const [seed, dims, s] of [
      [21, [14, 12, 9], [0.6, 1.4, 2.2]],
      [22, [9, 15, 11], [1.7, 0.4, 0.9]],
      [23, [16, 10, 8], [1, 1, 3]],
    ] as const) {
      const [r, p] = maskPair(dims, seed, 4, 3);
      for (const tol of [0.5, 1, 2.5]) {
        const m = compareMasks(vol(r, dims, s), vol(p, dims, s), { toleranceMm: tol });
        const b = bruteSurfaceMetrics(r, p, dims, s, tol);
        expect(m.referenceSurfaceVoxels).toBe(b.referenceSurfaceVoxels);
        expect(m.predictionSurfaceVoxels).toBe(b.predictionSurfaceVoxels);
        expect(m.hdMm).toBeCloseTo(b.hdMm, 12);
        expect(m.hd95Mm).toBeCloseTo(b.hd95Mm, 12);
        expect(m.assdMm).toBeCloseTo(b.assdMm, 12);
        expect(m.surfaceDice).toBeCloseTo(b.surfaceDice, 14);
      }
    }
  });
});
