/**
 * NIfTI geometry is checked, never guessed (issue 11): sform, qform and nifti1.h's method 1,
 * in NIfTI-1 and NIfTI-2, built from ch2.nii.gz's header and voxels by editing header fields.
 * Field offsets: nifti1.h (NIfTI-1, 348-byte header) and nifti2.h (540-byte header).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../cells/core/errors.ts';
import type { Volume } from '../../cells/core/volume.ts';
import { parseNifti } from '../../cells/io/nifti.ts';
import { cached, formatErrorOf } from '../helpers.ts';

let ch2: Uint8Array; // ch2.nii uncompressed: NIfTI-1, sform_code 4, qform_code 0, uint8, 181×217×181

beforeAll(() => {
  ch2 = new Uint8Array(gunzipSync(readFileSync(cached('mri-colin27/ch2.nii.gz'))));
});

/** Editable NIfTI-1 header fields (little-endian, as ch2.nii is). */
class N1 {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  constructor(src: Uint8Array) {
    this.bytes = src.slice();
    this.dv = new DataView(this.bytes.buffer);
  }
  dim(i: number, v?: number) { if (v !== undefined) this.dv.setInt16(40 + 2 * i, v, true); return this.dv.getInt16(40 + 2 * i, true); }
  pixdim(i: number, v?: number) { if (v !== undefined) this.dv.setFloat32(76 + 4 * i, v, true); return this.dv.getFloat32(76 + 4 * i, true); }
  set(field: keyof typeof N1_FIELDS, v: number): this {
    const [at, type] = N1_FIELDS[field];
    if (type === 'i16') this.dv.setInt16(at, v, true);
    else if (type === 'u8') this.dv.setUint8(at, v);
    else this.dv.setFloat32(at, v, true);
    return this;
  }
  get(field: keyof typeof N1_FIELDS): number {
    const [at, type] = N1_FIELDS[field];
    return type === 'i16' ? this.dv.getInt16(at, true) : type === 'u8' ? this.dv.getUint8(at) : this.dv.getFloat32(at, true);
  }
  srow(rows: number[][]): this {
    rows.forEach((r, i) => r.forEach((x, j) => this.dv.setFloat32(280 + 16 * i + 4 * j, x, true)));
    return this;
  }
  srowGet(): number[][] {
    return [0, 1, 2].map((i) => [0, 1, 2, 3].map((j) => this.dv.getFloat32(280 + 16 * i + 4 * j, true)));
  }
  /** A qform with this quaternion, offsets and pixdim (qfac in pixdim[0]); sform off. */
  qform(q: [number, number, number], off: [number, number, number], pix: [number, number, number, number], code = 1): this {
    this.set('sform_code', 0).set('qform_code', code);
    this.set('quatern_b', q[0]).set('quatern_c', q[1]).set('quatern_d', q[2]);
    this.set('qoffset_x', off[0]).set('qoffset_y', off[1]).set('qoffset_z', off[2]);
    pix.forEach((p, i) => this.pixdim(i, p));
    return this;
  }
  parse(name = 'edited.nii'): Volume {
    return parseNifti(this.bytes, name);
  }
}

const N1_FIELDS = {
  datatype: [70, 'i16'], bitpix: [72, 'i16'], vox_offset: [108, 'f32'], scl_slope: [112, 'f32'], scl_inter: [116, 'f32'],
  xyzt_units: [123, 'u8'], qform_code: [252, 'i16'], sform_code: [254, 'i16'],
  quatern_b: [256, 'f32'], quatern_c: [260, 'f32'], quatern_d: [264, 'f32'],
  qoffset_x: [268, 'f32'], qoffset_y: [272, 'f32'], qoffset_z: [276, 'f32'],
} as const;

/**
 * The same image as a NIfTI-2 file (nifti2.h layout: 540-byte header, 4 extension bytes,
 * voxels at 544), every field copied from the NIfTI-1 header as float64 / int64.
 */
function toNifti2(n1: N1, voxOffset = 544): Uint8Array {
  const src = n1.bytes;
  const voxels = src.subarray(n1.get('vox_offset'));
  const out = new Uint8Array(voxOffset + voxels.length);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, 540, true);
  out.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4); // "n+2\0\r\n\032\n"
  dv.setInt16(12, n1.get('datatype'), true);
  dv.setInt16(14, n1.get('bitpix'), true);
  for (let i = 0; i < 8; i++) dv.setBigInt64(16 + 8 * i, BigInt(n1.dim(i)), true);
  for (let i = 0; i < 8; i++) dv.setFloat64(104 + 8 * i, n1.pixdim(i), true);
  dv.setBigInt64(168, BigInt(voxOffset), true);
  dv.setFloat64(176, n1.get('scl_slope'), true);
  dv.setFloat64(184, n1.get('scl_inter'), true);
  out.set(src.subarray(148, 228), 240); // descrip
  dv.setInt32(344, n1.get('qform_code'), true);
  dv.setInt32(348, n1.get('sform_code'), true);
  const q = ['quatern_b', 'quatern_c', 'quatern_d', 'qoffset_x', 'qoffset_y', 'qoffset_z'] as const;
  q.forEach((f, i) => dv.setFloat64(352 + 8 * i, n1.get(f), true));
  n1.srowGet().flat().forEach((x, i) => dv.setFloat64(400 + 8 * i, x, true));
  dv.setInt32(500, n1.get('xyzt_units'), true);
  out.set(voxels, voxOffset);
  return out;
}


/** Exact equality of everything a print depends on. */
function expectSameVolume(a: Volume, b: Volume): void {
  expect(a.dims).toEqual(b.dims);
  expect([...a.spacingMm]).toEqual([...b.spacingMm]);
  expect([...a.originMm]).toEqual([...b.originMm]);
  expect([...a.direction]).toEqual([...b.direction]);
  expect(a.data.constructor).toBe(b.data.constructor);
  expect(Buffer.compare(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(0);
  expect(a.source?.warnings).toEqual(b.source?.warnings);
}

describe('NIfTI-2 loads exactly like the same image in NIfTI-1', () => {
  it('sform (ch2 as it is): dims, spacing, origin, direction and voxels equal', () => {
    const n1 = new N1(ch2);
    const v1 = n1.parse('ch2.nii');
    const v2 = parseNifti(toNifti2(n1), 'ch2-n2.nii');
    expectSameVolume(v2, v1);
    expect([...v2.originMm]).toEqual([90, 125, -71]);
    expect([...v2.direction]).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(v2.source?.description).toContain('NIfTI-2 181×217×181 uint8, geometry from sform (mni_152)');
  });

  it('qform: the identity rotation and the rotated, mirrored one below', () => {
    for (const n1 of [
      new N1(ch2).qform([0, 0, 0], [-90, -125, -71], [1, 1, 1, 1]),
      new N1(ch2).qform([0.1, 0.2, 0.3], [10, -20, 30], [-1, 0.9, 1.1, 2.5], 2),
    ]) {
      const v1 = n1.parse();
      expectSameVolume(parseNifti(toNifti2(n1), 'q-n2.nii'), v1);
      expect(v1.source?.description).toMatch(/geometry from qform \((scanner|aligned)_anat\)/);
    }
  });

  it('method 1 (no sform, no qform): same volume and the same warning', () => {
    const n1 = new N1(ch2).set('sform_code', 0).set('qform_code', 0);
    const v1 = n1.parse();
    expectSameVolume(parseNifti(toNifti2(n1), 'm1-n2.nii'), v1);
    expect(v1.source?.warnings).toContain('no sform or qform: orientation unknown, origin assumed 0; left/right may be wrong (the axes are read as RAS, as nibabel does)');
  });

  it('gzipped NIfTI-2 too, and a NIfTI-2 vox_offset inside its header is refused', async () => {
    const { gzipSync } = await import('node:zlib');
    const n2 = toNifti2(new N1(ch2));
    expectSameVolume(parseNifti(new Uint8Array(gzipSync(n2)), 'ch2.nii.gz'), parseNifti(n2, 'ch2.nii'));
    expect(formatErrorOf(() => parseNifti(toNifti2(new N1(ch2), 400), 'low.nii')).message).toMatch(/^low\.nii: vox_offset = 400 points inside the 540-byte NIfTI-2 header/);
  });
});

describe('qform (nifti1.h method 2)', () => {
  it('matches nibabel get_qform() for quaternion (0.1, 0.2, 0.3), qfac −1, pixdim 0.9/1.1/2.5', () => {
    // nibabel 5.0 Nifti1Header.get_qform() for these fields (RAS, rows):
    const ras = [
      [0.6659999673, -0.5680588529, -1.0773618669, 10],
      [0.536775403, 0.8800000027, 0.163680913, -20],
      [-0.2798502588, 0.3360196234, -2.2499999925, 30],
    ];
    const v = new N1(ch2).qform([0.1, 0.2, 0.3], [10, -20, 30], [-1, 0.9, 1.1, 2.5]).parse();
    const lps = (r: number, c: number) => (r < 2 ? -1 : 1) * ras[r]![c]!;
    for (let c = 0; c < 3; c++) {
      const s = Math.hypot(ras[0]![c]!, ras[1]![c]!, ras[2]![c]!);
      expect(v.spacingMm[c]).toBeCloseTo(s, 6);
      for (let r = 0; r < 3; r++) expect(v.direction[3 * r + c]).toBeCloseTo(lps(r, c) / s, 6);
    }
    expect([...v.spacingMm].map((x) => +x.toFixed(6))).toEqual([0.9, 1.1, 2.5]);
    expect([...v.originMm]).toEqual([-10, 20, 30]);
    expect(v.source?.warnings ?? []).not.toContain(expect.stringMatching(/qfac/));
  });

  it("nifti1.h's example: quaternion (0, 1, 0, 0) with qfac −1 is i → R, j → P, k → S", () => {
    const v = new N1(ch2).qform([1, 0, 0], [0, 0, 0], [-1, 2, 3, 4]).parse();
    // RAS: x = 2i, y = −3j, z = (−1)(−1)4k → LPS columns: i → −x, j → +y, k → +z.
    expect([...v.direction]).toEqual([-1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect([...v.spacingMm]).toEqual([2, 3, 4]);
  });

  it('refuses pixdim[1..3] that is 0, negative or NaN instead of reading 1 mm', () => {
    for (const [i, p] of [[1, 0], [2, -1.5], [3, NaN]] as const) {
      const pix: [number, number, number, number] = [1, 1, 1, 1];
      pix[i] = p;
      const e = formatErrorOf(() => new N1(ch2).qform([0, 0, 0], [0, 0, 0], pix).parse('bad-pixdim.nii'));
      expect(e.message).toMatch(new RegExp(`^bad-pixdim\\.nii: pixdim\\[${i}\\] = ${Number.isNaN(p) ? 'NaN' : p}: the qform needs voxel sizes pixdim\\[1\\.\\.3\\] that are finite and > 0`));
    }
  });

  it('qfac: −1 and 1 as stored, 0 read as 1 with a warning (nifti1.h), anything else refused', () => {
    const q = (p0: number) => new N1(ch2).qform([0, 0, 0], [0, 0, 0], [p0, 1, 1, 1]);
    expect(q(1).parse().direction[8]).toBe(1);
    expect(q(-1).parse().direction[8]).toBe(-1);
    const zero = q(0).parse();
    expect(zero.direction[8]).toBe(1);
    expect(zero.source?.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^pixdim\[0\] \(qfac\) is 0, which nifti1\.h says "should not occur" and reads as 1/)]));
    for (const p0 of [0.5, -2, NaN]) {
      expect(formatErrorOf(() => q(p0).parse('qfac.nii')).message).toMatch(/^qfac\.nii: pixdim\[0\] = .* is not a valid qfac \(−1 or 1\)/);
    }
  });

  it('refuses a quaternion longer than 1 and non-finite quaternion or offset values', () => {
    expect(formatErrorOf(() => new N1(ch2).qform([0.8, 0.8, 0], [0, 0, 0], [1, 1, 1, 1]).parse('q.nii')).message)
      .toMatch(/the qform quaternion is not a rotation: quatern_b² \+ c² \+ d² = 1\.28/);
    expect(formatErrorOf(() => new N1(ch2).qform([0, NaN, 0], [0, 0, 0], [1, 1, 1, 1]).parse('q.nii')).message).toMatch(/the qform has values that are not finite: quatern_b\/c\/d = 0, NaN, 0/);
    expect(formatErrorOf(() => new N1(ch2).qform([0, 0, 0], [0, Infinity, 0], [1, 1, 1, 1]).parse('q.nii')).message).toMatch(/qoffset_x\/y\/z = 0, Infinity, 0/);
  });

  it('a 180° rotation whose float32 b² + c² + d² rounds just below or above 1 still loads (a = 0)', () => {
    const below = Math.fround(Math.SQRT1_2); // 0.70710677: b² + c² = 1 − 3.4e-8
    const above = 0.7071068286895752; // the next float32: b² + c² = 1 + 1.3e-7
    expect(2 * below * below).toBeLessThan(1);
    expect(2 * above * above).toBeGreaterThan(1);
    for (const b of [below, above]) {
      const v = new N1(ch2).qform([b, b, 0], [0, 0, 0], [1, 1, 1, 1]).parse();
      // Rotation by 180° about (1, 1, 0)/√2 swaps x and y and negates z: RAS columns i → +y, j → +x, k → −z.
      expect([...v.direction].map((x) => Math.round(x * 1e6) / 1e6 || 0)).toEqual([0, -1, 0, -1, 0, 0, 0, 0, -1]);
    }
  });
});

describe('sform (nifti1.h method 3)', () => {
  const base = () => new N1(ch2); // sform_code 4: x = i − 90, y = j − 125, z = k − 71

  it('refuses a NaN or infinite sform entry, naming the sform', () => {
    const n = base();
    const rows = n.srowGet();
    rows[1]![3] = NaN;
    expect(formatErrorOf(() => n.srow(rows).parse('nan-sform.nii')).message).toMatch(/^nan-sform\.nii: the sform \(sform_code 4\) has values that are not finite: srow_x\/y\/z = \[1, 0, 0, -90; 0, 1, 0, NaN; 0, 0, 1, -71\]/);
  });

  it('refuses a singular sform (a zero axis, or two parallel axes)', () => {
    expect(formatErrorOf(() => base().srow([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]]).parse('z.nii')).message).toMatch(/the sform is singular: its column 1 \(the j axis\) is zero/);
    expect(formatErrorOf(() => base().srow([[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]]).parse('p.nii')).message).toMatch(/the sform is singular \(its 3×3 part has determinant ≈ 0/);
  });

  it('refuses a sheared sform (even when a valid qform is there too)', () => {
    const n = base().srow([[1, 0.2, 0, -90], [0, 1, 0, -125], [0, 0, 1, -71]]);
    n.set('qform_code', 1).pixdim(0, 1);
    const e = formatErrorOf(() => n.parse('shear.nii'));
    expect(e.message).toMatch(/^shear\.nii: the sform has shear: its axes are not at right angles \(\|cos\| between axes i·j 0\.1961/);
    expect(e.message).toMatch(/resample the image onto a rectilinear grid/);
  });

  it('accepts an anisotropic, rotated, mirrored sform and reads its spacing from the columns', () => {
    const c = Math.cos(0.3), s = Math.sin(0.3);
    const v = base().srow([[0.8 * c, -1.2 * s, 0, 5], [0.8 * s, 1.2 * c, 0, 6], [0, 0, -2.5, 7]]).parse();
    expect([...v.spacingMm].map((x) => +x.toFixed(5))).toEqual([0.8, 1.2, 2.5]);
    expect(v.direction[8]).toBe(-1);
    expect(v.source?.warnings?.some((w) => w.includes('sform'))).toBeFalsy();
  });
});

describe('method 1 (no sform, no qform)', () => {
  const m1 = () => new N1(ch2).set('sform_code', 0).set('qform_code', 0);

  it('refuses pixdim ≤ 0 or NaN, which used to become 1 mm (and a negative one mirrored the axis)', () => {
    for (const [i, p] of [[1, 0], [2, -1], [3, NaN]] as const) {
      const n = m1();
      n.pixdim(i, p);
      expect(formatErrorOf(() => n.parse('m1.nii')).message).toMatch(new RegExp(`^m1\\.nii: pixdim\\[${i}\\] = ${Number.isNaN(p) ? 'NaN' : p}: method 1 \\(no sform or qform\\) needs voxel sizes`));
    }
  });

  it('loads with identity orientation, origin 0 and a warning saying so', () => {
    const n = m1();
    n.pixdim(1, 0.5); n.pixdim(2, 0.75); n.pixdim(3, 2);
    const v = n.parse();
    expect([...v.spacingMm]).toEqual([0.5, 0.75, 2]);
    expect([...v.originMm]).toEqual([0, 0, 0]);
    expect([...v.direction]).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(v.source?.warnings?.[v.source.warnings.length - 1]).toMatch(/^no sform or qform: orientation unknown, origin assumed 0; left\/right may be wrong/);
    expect(v.source?.description).toContain('geometry from no sform or qform (nifti1.h method 1');
  });
});

describe('units, header fields and sizes', () => {
  it('xyzt_units: metres and micrometres become mm; unknown (0) is mm with a warning; undefined codes refused', () => {
    const mm = new N1(ch2).set('xyzt_units', 2 | 8).parse();
    expect(mm.source?.warnings).toBeUndefined();
    const metres = new N1(ch2).set('xyzt_units', 1).srow([[0.001, 0, 0, -0.09], [0, 0.001, 0, -0.125], [0, 0, 0.001, -0.071]]).parse();
    expect([...metres.spacingMm].map((x) => +x.toFixed(6))).toEqual([1, 1, 1]);
    expect([...metres.originMm].map((x) => +x.toFixed(4))).toEqual([90, 125, -71]);
    const microns = new N1(ch2).set('xyzt_units', 3).set('sform_code', 0).set('qform_code', 0);
    [1, 2, 3].forEach((i) => microns.pixdim(i, 500));
    expect([...microns.parse().spacingMm]).toEqual([0.5, 0.5, 0.5]);
    expect(new N1(ch2).parse().source?.warnings).toEqual(['xyzt_units does not give the spatial unit (code 0): millimetres assumed, as nibabel, ITK and FSL do; check the size before printing']);
    expect(formatErrorOf(() => new N1(ch2).set('xyzt_units', 5).parse('u.nii')).message).toMatch(/spatial unit code 5, which nifti1\.h does not define/);
  });

  it('dims: an axis of size 0 or less is refused, not read as 1', () => {
    const n = new N1(ch2); n.dim(2, 0);
    expect(formatErrorOf(() => n.parse('d.nii')).message).toMatch(/^d\.nii: dim\[2\] = 0: each of the dim\[0\] = 3 axes needs a size ≥ 1/);
    const m = new N1(ch2); m.dim(3, -181);
    expect(formatErrorOf(() => m.parse('d.nii')).message).toMatch(/dim\[3\] = -181/);
  });

  it('dims too large for the file are refused before anything is allocated (NIfTI-1 and NIfTI-2)', () => {
    const n = new N1(ch2); n.dim(1, 32767); n.dim(2, 32767); n.dim(3, 32767);
    expect(formatErrorOf(() => n.parse('big.nii')).message).toMatch(/^big\.nii: truncated: the header promises 32767×32767×32767 uint8/);
    const n2 = toNifti2(new N1(ch2));
    new DataView(n2.buffer).setBigInt64(16 + 8, 1n << 40n, true);
    expect(formatErrorOf(() => parseNifti(n2, 'big2.nii')).message).toMatch(/^big2\.nii: truncated: the header promises 1099511627776×217×181/);
  });

  it('bitpix must agree with the datatype', () => {
    expect(formatErrorOf(() => new N1(ch2).set('bitpix', 16).parse('b.nii')).message).toMatch(/^b\.nii: bitpix = 16 disagrees with datatype 2 \(uint8, 8 bits\)/);
  });

  it('vox_offset: below 352 reads from 352 with a warning (nifti1.h); fractional or NaN refused', () => {
    const low = new N1(ch2).set('vox_offset', 0).parse();
    expectSameVolume({ ...low, source: { ...low.source!, warnings: [] } }, { ...new N1(ch2).parse(), source: { ...low.source!, warnings: [] } });
    expect(low.source?.warnings).toContain('vox_offset = 0 is below 352; nifti1.h says that is equivalent to 352, so the voxels are read from byte 352');
    expect(formatErrorOf(() => new N1(ch2).set('vox_offset', 352.5).parse('o.nii')).message).toMatch(/^o\.nii: vox_offset = 352\.5 is not a whole byte offset/);
    expect(formatErrorOf(() => new N1(ch2).set('vox_offset', NaN).parse('o.nii')).message).toMatch(/vox_offset = NaN/);
  });

  it('a .hdr header of a .hdr/.img pair is refused with what to do', () => {
    const n = new N1(ch2);
    n.bytes.set([0x6e, 0x69, 0x31, 0], 344); // "ni1"
    expect(formatErrorOf(() => n.parse('pair.hdr')).message).toMatch(/^pair\.hdr: is the header of a \.hdr\/\.img pair/);
  });

  it('a damaged magic is refused, saying which bytes were found and what was expected (fuzz nifti1.nii:c791a0b8, nifti2.nii:7e98bef4)', () => {
    // NIfTI-1: "n+1" with byte 347 0x80 instead of NUL used to load (nifti-reader-js checks 3 bytes).
    const n = new N1(ch2);
    n.bytes[347] = 0x80;
    expect(formatErrorOf(() => n.parse('m1.nii')).message).toMatch(/^m1\.nii: damaged NIfTI-1 magic: bytes 344–347 are 6e 2b 31 80 .* but must be 6e 2b 31 00/);
    // NIfTI-2: each byte of the "\r\n\x1a\n" signature, and the NUL before it.
    for (const at of [7, 8, 9, 10, 11]) {
      const n2 = toNifti2(new N1(ch2));
      n2[at]! ^= at === 9 ? 0x02 : 0x20; // e.g. \n → \r (byte 9 = "\n": flip bit 1, as the fuzz case's "flip bit 9.0" kind)
      const e = formatErrorOf(() => parseNifti(n2, 'm2.nii'));
      expect(e.message).toMatch(/^m2\.nii: damaged NIfTI-2 magic: bytes 4–11 are 6e 2b 32 .* but must be 6e 2b 32 00 0d 0a 1a 0a/);
    }
    // The fuzz case itself: bit 0 of byte 9 ("\n" → 0x0b).
    const f = toNifti2(new N1(ch2));
    f[9]! ^= 1;
    expect(formatErrorOf(() => parseNifti(f, 'f.nii')).message).toContain('bytes 4–11 are 6e 2b 32 00 0d 0b 1a 0a ("n+2\\0\\r\\x0b\\x1a\\n") but must be 6e 2b 32 00 0d 0a 1a 0a ("n+2\\0\\r\\n\\x1a\\n"');
    // Gzipped, the same; and a pair's NIfTI-2 header ("ni2" + signature) is still named as a pair.
    const pair2 = toNifti2(new N1(ch2));
    pair2[5] = 0x69;
    expect(formatErrorOf(() => parseNifti(pair2, 'p2.hdr')).message).toMatch(/^p2\.hdr: is the header of a \.hdr\/\.img pair/);
    // Intact magics still load.
    expect(new N1(ch2).parse().dims).toEqual([181, 217, 181]);
    expect(parseNifti(toNifti2(new N1(ch2)), 'ok2.nii').dims).toEqual([181, 217, 181]);
  });

  it('value scaling: NaN slope is none; a usable slope with a NaN intercept, or an infinite slope, is refused', () => {
    expect(new N1(ch2).parse().data).toBeInstanceOf(Uint8Array); // ch2: slope and inter NaN
    const scaled = new N1(ch2).set('scl_slope', 2).set('scl_inter', -1).parse();
    expect(scaled.data).toBeInstanceOf(Float32Array);
    const raw = new N1(ch2).parse().data;
    const i = raw.findIndex((x) => x > 0);
    expect(scaled.data[i]).toBe(2 * raw[i]! - 1);
    expect(formatErrorOf(() => new N1(ch2).set('scl_slope', 1).set('scl_inter', NaN).parse('s.nii')).message).toMatch(/^s\.nii: scl_slope = 1 but scl_inter = NaN/);
    expect(formatErrorOf(() => new N1(ch2).set('scl_slope', Infinity).parse('s.nii')).message).toMatch(/scl_slope = Infinity/);
  });

  it('negative xform codes are refused', () => {
    expect(formatErrorOf(() => new N1(ch2).set('sform_code', -2).parse('c.nii')).message).toMatch(/sform_code = -2 is not a NIFTI_XFORM code/);
  });
});
