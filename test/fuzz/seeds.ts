/**
 * Seed inputs for the loader fuzzer, built in code from the real samples in the data cache
 * (nothing binary is committed):
 * - `nifti1.nii`, `nifti1.nii.gz`, `nifti2.nii`, `nifti2.nii.gz`: a 24×24×12 int16 crop of
 *   colin27 `ch2.nii.gz`, taking every 2nd, 3rd and 4th voxel along x, y, z so that the
 *   true spacing is 2×3×4 mm (no axis at 1 mm, where a reader's silent fallback would
 *   hide); qform and sform both set (code 1), consistent, origin from ch2's sform.
 * - `ct-slice.dcm`: `ct-head-0051-dicom/IMG0000.dcm` as it is (256×256 int16 CT, 0.957 mm).
 * - `CT_small.dcm`: pydicom's 128×128 CT test file, as it is.
 * - `cranium-cut.inv3`: a gzipped tar of main.plist + matrix.dat (a 24×24×12 crop of
 *   Cranium.inv3's CT) + mask_0.plist + mask_0.dat (the same crop of mask 0, with its
 *   padding planes), laid out as InVesalius writes them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'fflate';
import { buildNifti, buildTar, inv3MainPlist, inv3MaskPlist, readNiftiHeader, type TarMember } from './formats.ts';

export type SeedFormat = 'nifti' | 'dicom' | 'inv3';

/** The parts of the cut-down project, so structure-aware mutations can rebuild it. */
export interface Inv3Parts {
  /** [nz, ny, nx] as main.plist stores it. */
  readonly shape: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
  readonly matrix: Uint8Array;
  readonly mask: Uint8Array;
}

export interface Seed {
  readonly name: string;
  readonly format: SeedFormat;
  /** Whether the file is gzip-compressed (its stream is then mutated too). */
  readonly gz: boolean;
  /** The file's bytes. */
  readonly bytes: Uint8Array;
  /** For gz seeds: the decompressed bytes (what structure-aware mutations edit). */
  readonly payload: Uint8Array;
  readonly inv3?: Inv3Parts;
}

function gz(b: Uint8Array): Uint8Array {
  return gzipSync(b, { level: 6, mtime: 0 });
}

/** Strided crop of ch2 (uint8 in the sample) to int16. */
function niftiSeeds(dataDir: string): Seed[] {
  const raw = gunzipSync(readFileSync(join(dataDir, 'mri-colin27/ch2.nii.gz')));
  const h = readNiftiHeader(raw);
  if (!h || h.datatype !== 2) throw new Error('ch2.nii.gz: expected a uint8 NIfTI-1 file');
  const [X, Y] = [h.dim[1]!, h.dim[2]!];
  const dims = [24, 24, 12] as const;
  const stride = [2, 3, 4] as const;
  const start = [90 - 24, 108 - 36, 90 - 24];
  const data = new Int16Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++) {
        const src = start[0]! + stride[0] * i + X * (start[1]! + stride[1] * j + Y * (start[2]! + stride[2] * k));
        data[i + dims[0] * (j + dims[1] * k)] = raw[h.voxOffset + src]!;
      }
    }
  }
  // ch2's sform is diagonal 1 mm: origin of the crop = srow offset + start index.
  const originRas = [h.srow[3]! + start[0]!, h.srow[7]! + start[1]!, h.srow[11]! + start[2]!] as const;
  const spec = { dims, spacingMm: [2, 3, 4] as const, originRas, data, description: 'voxbook fuzz seed: colin27 ch2 crop, stride 2x3x4' };
  const n1 = buildNifti(spec, 1);
  const n2 = buildNifti(spec, 2);
  return [
    { name: 'nifti1.nii', format: 'nifti', gz: false, bytes: n1, payload: n1 },
    { name: 'nifti1.nii.gz', format: 'nifti', gz: true, bytes: gz(n1), payload: n1 },
    { name: 'nifti2.nii', format: 'nifti', gz: false, bytes: n2, payload: n2 },
    { name: 'nifti2.nii.gz', format: 'nifti', gz: true, bytes: gz(n2), payload: n2 },
  ];
}

/** Minimal ustar reader for the sample (regular files only). */
function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let pos = 0;
  while (pos + 512 <= tar.length && tar[pos] !== 0) {
    const name = new TextDecoder().decode(tar.subarray(pos, pos + 100)).replace(/\0.*$/s, '');
    const size = parseInt(new TextDecoder().decode(tar.subarray(pos + 124, pos + 136)).replace(/\0.*$/s, '').trim(), 8);
    out.set(name.slice(name.lastIndexOf('/') + 1), tar.subarray(pos + 512, pos + 512 + size));
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Builds the cut-down project's archive (uncompressed tar) from its parts, with optional overrides of the members' text/bytes. */
export function inv3Members(p: Inv3Parts, o: { main?: string; maskPlist?: string; matrix?: Uint8Array; mask?: Uint8Array; drop?: string } = {}): TarMember[] {
  const enc = new TextEncoder();
  const [nz, ny, nx] = p.shape;
  const members: TarMember[] = [
    { name: 'fuzzcut/main.plist', data: enc.encode(o.main ?? inv3MainPlist({ shape: p.shape, spacing: p.spacing, name: 'ProMED CT 0051 crop' })) },
    { name: 'fuzzcut/mask_0.dat', data: o.mask ?? p.mask },
    { name: 'fuzzcut/mask_0.plist', data: enc.encode(o.maskPlist ?? inv3MaskPlist({ maskShape: [nz + 1, ny + 1, nx + 1], threshold: [226, 3071] })) },
    { name: 'fuzzcut/matrix.dat', data: o.matrix ?? p.matrix },
  ];
  return o.drop ? members.filter((m) => !m.name.endsWith(`/${o.drop}`)) : members;
}

function inv3Seed(dataDir: string): Seed {
  const files = untar(gunzipSync(readFileSync(join(dataDir, 'Cranium.inv3'))));
  const matrix = files.get('matrix.dat'), mask = files.get('mask_0.dat'), main = files.get('main.plist');
  if (!matrix || !mask || !main) throw new Error('Cranium.inv3: expected main.plist, matrix.dat and mask_0.dat');
  const text = new TextDecoder().decode(main);
  const shape = [...text.matchAll(/<integer>(\d+)<\/integer>/g)].map((m) => Number(m[1]));
  // main.plist: shape [108, 256, 256]; spacing 0.9570312 0.9570312 1.5.
  const [NZ, NY, NX] = [108, 256, 256];
  if (matrix.length !== 2 * NX * NY * NZ || !shape.includes(108)) throw new Error('Cranium.inv3: unexpected matrix size');
  const spacingText = /<key>spacing<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(text)![1]!;
  const spacing = [...spacingText.matchAll(/<real>([^<]+)<\/real>/g)].map((m) => Number(m[1])) as unknown as [number, number, number];
  const [nx, ny, nz] = [24, 24, 12];
  // A patch through the frontal bone: y near the anterior edge of the stored array (+y anterior).
  const [x0, y0, z0] = [116, 200, 60];
  const m = new Uint8Array(2 * nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const s = 2 * (x0 + NX * (y0 + j + NY * (z0 + k)));
      m.set(matrix.subarray(s, s + 2 * nx), 2 * nx * (j + ny * k));
    }
  }
  const [PX, PY] = [NX + 1, NY + 1];
  const pm = new Uint8Array((nx + 1) * (ny + 1) * (nz + 1));
  for (let k = 0; k <= nz; k++) {
    for (let j = 0; j <= ny; j++) {
      const s = x0 + PX * (y0 + j + PY * (z0 + k));
      pm.set(mask.subarray(s, s + nx + 1), (nx + 1) * (j + (ny + 1) * k));
    }
  }
  const parts: Inv3Parts = { shape: [nz, ny, nx], spacing, matrix: m, mask: pm };
  const tar = buildTar(inv3Members(parts)).bytes;
  return { name: 'cranium-cut.inv3', format: 'inv3', gz: true, bytes: gz(tar), payload: tar, inv3: parts };
}

/** All seeds, from the data cache folder (`data/` or $VOXBOOK_DATA). */
export function buildSeeds(dataDir: string): Seed[] {
  const dicom = (name: string, rel: string): Seed => {
    const b = new Uint8Array(readFileSync(join(dataDir, rel)));
    return { name, format: 'dicom', gz: false, bytes: b, payload: b };
  };
  return [
    ...niftiSeeds(dataDir),
    dicom('ct-slice.dcm', 'ct-head-0051-dicom/IMG0000.dcm'),
    dicom('CT_small.dcm', 'dicom-conformance/CT_small.dcm'),
    inv3Seed(dataDir),
  ];
}

export { gz as gzipBytes };
