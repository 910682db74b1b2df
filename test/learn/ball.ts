/** The synthetic case of the learning tests: a noisy bright ball and its mask. */
import { IDENTITY3, makeVolume, type Vec3, type Volume } from '../../cells/core/volume.ts';
import { createRng } from '../../cells/learn/augment.ts';

/**
 * A ball of radius 9 voxels (1 × 1 × 1.5 mm) in a 36×32×24 box: inside 40 + `contrast`,
 * outside 40, plus Gaussian noise of σ `noise` (seeded: the same every call).
 */
export function noisyBall(contrast = 60, noise = 15): { image: Volume<Float32Array>; mask: Volume<Uint8Array> } {
  const dims: Vec3 = [36, 32, 24];
  const [nx, ny, nz] = dims;
  const rng = createRng(3);
  const img = new Float32Array(nx * ny * nz), m = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const n = i + nx * (j + ny * k);
    const inside = (i - 17.5) ** 2 + (j - 15.5) ** 2 + ((k - 11.5) * 1.5) ** 2 <= 81;
    m[n] = inside ? 1 : 0;
    img[n] = (inside ? 40 + contrast : 40) + noise * rng.normal();
  }
  const geo = { dims, spacingMm: [1, 1, 1.5] as Vec3, originMm: [0, 0, 0] as Vec3, direction: IDENTITY3 };
  return { image: makeVolume({ data: img, ...geo }), mask: makeVolume({ data: m, ...geo }) };
}
