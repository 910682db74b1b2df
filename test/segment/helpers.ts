/**
 * Shared by the segment tests: the committed scipy/skimage reference (reference.json, made by
 * reference.py), the Colin27 volumes, and small phantoms.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY3, makeVolume, withData, type Vec3, type Volume } from '../../cells/core/volume.ts';
import { loadNifti } from '../../cells/io/nifti.ts';
import { cached } from '../helpers.ts';

export const here = dirname(fileURLToPath(import.meta.url));

export interface MaskFigures { voxels: number; sha256: string; sizes?: number[] }
export interface Reference {
  versions: Record<string, string>;
  otsu: Record<string, number>;
  tissue: MaskFigures;
  morphology: Record<string, MaskFigures> & { 'ball r4 elements': number; 'ball r3.7 aniso elements': number };
  fillHoles: Record<string, MaskFigures>;
  largest: Record<string, MaskFigures>;
  brain: MaskFigures & { dice: number; diceSlab: number; betVoxels: number };
}
export const reference = JSON.parse(readFileSync(join(here, 'reference.json'), 'utf8')) as Reference;

/** The spacing reference.py gives the tissue mask for its anisotropic cases. */
export const ANISO: Vec3 = [0.9, 1.2, 2.0];

/** Voxel count and SHA-256 of a mask's 0/1 bytes (x fastest), as reference.py records them. */
export function figures(m: Volume<Uint8Array>): MaskFigures {
  let voxels = 0;
  for (let i = 0; i < m.data.length; i++) voxels += m.data[i]!;
  return { voxels, sha256: createHash('sha256').update(m.data).digest('hex') };
}

let colin: Promise<{ t1: Volume<Uint8Array>; bet: Volume<Uint8Array> }> | undefined;
/** Colin27's T1 (ch2) and its brain mask (ch2bet non-zero), loaded once per test file. */
export function colin27(): Promise<{ t1: Volume<Uint8Array>; bet: Volume<Uint8Array> }> {
  colin ??= (async () => {
    const t1 = (await loadNifti(cached('mri-colin27/ch2.nii.gz'))) as Volume<Uint8Array>;
    const b = await loadNifti(cached('mri-colin27/ch2bet.nii.gz'));
    return { t1, bet: withData(b, Uint8Array.from(b.data, (x) => (x !== 0 ? 1 : 0))) };
  })();
  return colin;
}

/** The T1 above Otsu's threshold (49): the mask reference.py's morphology cases start from. */
export async function tissue(spacingMm?: Vec3): Promise<Volume<Uint8Array>> {
  const { t1 } = await colin27();
  const m = Uint8Array.from(t1.data, (x) => (x > 49 ? 1 : 0));
  return makeVolume({ data: m, dims: t1.dims, spacingMm: spacingMm ?? t1.spacingMm, originMm: t1.originMm, direction: t1.direction });
}

/** A Uint8 mask on an nx×ny×nz grid from a predicate. */
export function phantom(dims: Vec3, inside: (i: number, j: number, k: number) => boolean, spacingMm: Vec3 = [1, 1, 1]): Volume<Uint8Array> {
  const [nx, ny, nz] = dims;
  const data = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data[i + nx * (j + ny * k)] = inside(i, j, k) ? 1 : 0;
  return makeVolume({ data, dims, spacingMm, originMm: [0, 0, 0], direction: IDENTITY3 });
}

/** Number of non-zero voxels. */
export function count(m: Volume): number {
  let n = 0;
  for (let i = 0; i < m.data.length; i++) if (m.data[i] !== 0) n++;
  return n;
}
