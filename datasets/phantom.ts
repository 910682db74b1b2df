/**
 * A synthetic head CT for tests, examples and for notebooks when the real sample is not
 * fetched. Analytic shapes (ellipsoids), so volumes and surfaces have known answers.
 *
 * Layout in LPS mm, centred on the origin (x → patient left, y → posterior, z → superior):
 * - air −1000 HU everywhere outside the head;
 * - scalp/soft tissue 40 HU: ellipsoid with semi-axes `headMm` plus a nose (ellipsoid
 *   centred at y = −(headMm[1] − 4), i.e. anterior) — the one feature that tells front from back;
 * - skull 1200 HU: the shell between the ellipsoids `skullOuterMm` and `skullInnerMm`;
 * - brain 35 HU inside the inner table, with two ventricles at 8 HU (CSF);
 * - optional loose bone fragment 1200 HU: a sphere of radius `fragmentRadiusMm` (3 mm →
 *   113 mm³ analytic) inside the brain, to the patient's left, touching nothing.
 * Deterministic: optional noise comes from a seeded generator (mulberry32).
 */
import { ParameterError } from '../cells/core/errors.ts';
import { IDENTITY3, makeVolume, type Vec3, type Volume } from '../cells/core/volume.ts';

export interface HeadPhantomOptions {
  /** Grid size [nx, ny, nz]; default [128, 128, 96]. */
  readonly dims?: Vec3;
  /** Voxel size, mm; default [1.5, 1.5, 1.5]. */
  readonly spacingMm?: Vec3;
  /** Outer surface of the head (skin), semi-axes in mm; default [72, 88, 62]. */
  readonly headMm?: Vec3;
  /** Outer table of the skull; default [66, 82, 56]. */
  readonly skullOuterMm?: Vec3;
  /** Inner table of the skull; default [60, 76, 50] (a 6 mm shell). */
  readonly skullInnerMm?: Vec3;
  /** Radius of the loose bone fragment, mm; 0 for none; default 3. */
  readonly fragmentRadiusMm?: number;
  /** Centre of the fragment, LPS mm; default [25, 10, 15] (left, slightly posterior, superior). */
  readonly fragmentCenterMm?: Vec3;
  /** Gaussian noise σ in HU added to every voxel (rounded); default 0. */
  readonly noiseHu?: number;
  /** Seed for the noise; default 1. */
  readonly seed?: number;
}

/** HU values the phantom uses. */
export const PHANTOM_HU = { air: -1000, soft: 40, bone: 1200, brain: 35, csf: 8 } as const;

/** A small seeded PRNG (mulberry32): uniform in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Builds the synthetic head CT described in the module comment.
 * Shape: int16 HU, dims `options.dims`, identity direction, origin −(n−1)/2·spacing;
 * `source` has `format: 'phantom'`, `modality: 'CT'`, `valueUnit: 'HU'`.
 * @throws ParameterError if the ellipsoids are not nested (inner ⊂ outer ⊂ head), a size
 *   or spacing is not positive, or the fragment radius is negative.
 */
export function headPhantom(options: HeadPhantomOptions = {}): Volume<Int16Array> {
  const dims = options.dims ?? [128, 128, 96];
  const sp = options.spacingMm ?? [1.5, 1.5, 1.5];
  const head = options.headMm ?? [72, 88, 62];
  const outer = options.skullOuterMm ?? [66, 82, 56];
  const inner = options.skullInnerMm ?? [60, 76, 50];
  const rFrag = options.fragmentRadiusMm ?? 3;
  const cFrag = options.fragmentCenterMm ?? [25, 10, 15];
  const noise = options.noiseHu ?? 0;
  for (let a = 0; a < 3; a++) {
    if (!(Number.isInteger(dims[a]) && dims[a]! > 0)) throw new ParameterError(`headPhantom: dims must be positive integers, got [${dims.join(', ')}]`);
    if (!(sp[a]! > 0)) throw new ParameterError(`headPhantom: spacingMm must be > 0, got [${sp.join(', ')}]`);
    if (!(inner[a]! > 0 && inner[a]! < outer[a]! && outer[a]! < head[a]!)) {
      throw new ParameterError(`headPhantom: need 0 < skullInnerMm < skullOuterMm < headMm on every axis, got ${inner.join('/')} < ${outer.join('/')} < ${head.join('/')}`);
    }
  }
  if (!(rFrag >= 0)) throw new ParameterError(`headPhantom: fragmentRadiusMm must be ≥ 0, got ${rFrag}`);
  if (!(noise >= 0)) throw new ParameterError(`headPhantom: noiseHu must be ≥ 0, got ${noise}`);

  const [nx, ny, nz] = dims;
  const origin: Vec3 = [-(nx - 1) / 2 * sp[0], -(ny - 1) / 2 * sp[1], -(nz - 1) / 2 * sp[2]];
  const data = new Int16Array(nx * ny * nz);
  const q = (x: number, y: number, z: number, r: Vec3) => (x / r[0]) ** 2 + (y / r[1]) ** 2 + (z / r[2]) ** 2;
  const nose: Vec3 = [10, 14, 16];
  const noseY = -(head[1] - 4);
  const ventricle: Vec3 = [6, 20, 8];
  const rand = noise > 0 ? mulberry32(options.seed ?? 1) : undefined;

  let idx = 0;
  for (let k = 0; k < nz; k++) {
    const z = origin[2] + k * sp[2];
    for (let j = 0; j < ny; j++) {
      const y = origin[1] + j * sp[1];
      for (let i = 0; i < nx; i++, idx++) {
        const x = origin[0] + i * sp[0];
        let v: number = PHANTOM_HU.air;
        if (q(x, y, z, head) <= 1 || q(x, y - noseY, z + 10, nose) <= 1) v = PHANTOM_HU.soft;
        if (q(x, y, z, outer) <= 1) {
          if (q(x, y, z, inner) > 1) v = PHANTOM_HU.bone;
          else if (q(x - 10, y + 5, z - 8, ventricle) <= 1 || q(x + 10, y + 5, z - 8, ventricle) <= 1) v = PHANTOM_HU.csf;
          else v = PHANTOM_HU.brain;
        }
        if (rFrag > 0 && (x - cFrag[0]) ** 2 + (y - cFrag[1]) ** 2 + (z - cFrag[2]) ** 2 <= rFrag * rFrag) v = PHANTOM_HU.bone;
        if (rand) {
          // Box–Muller
          const u = 1 - rand(), w = rand();
          v += Math.round(noise * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w));
        }
        data[idx] = v;
      }
    }
  }
  return makeVolume({
    data,
    dims: [nx, ny, nz],
    spacingMm: [sp[0], sp[1], sp[2]],
    originMm: origin,
    direction: IDENTITY3,
    source: {
      input: 'phantom:head',
      format: 'phantom',
      sha256: '',
      modality: 'CT',
      valueUnit: 'HU',
      description: `synthetic head CT phantom (not patient data): ${nx}×${ny}×${nz} at ${sp.join('×')} mm, air ${PHANTOM_HU.air}, soft tissue ${PHANTOM_HU.soft}, skull ${PHANTOM_HU.bone}, brain ${PHANTOM_HU.brain} HU${rFrag > 0 ? `, loose bone fragment r=${rFrag} mm` : ''}${noise > 0 ? `, noise σ=${noise} HU (seed ${options.seed ?? 1})` : ''}`,
    },
  });
}
