/**
 * Just enough of NIfTI-1/2, DICOM Part 10, ustar and InVesalius' main.plist for the fuzzer
 * to build seeds, find the fields it mutates, and read back what a mutated header
 * declares. Written from the format documents, independently of cells/io, so that the
 * oracle does not share the loaders' mistakes:
 * - NIfTI-1: nifti1.h (NIfTI DFWG, 2004), NIfTI-2: nifti2.h (2011), field offsets below;
 * - DICOM: PS3.5 §7 (data elements, explicit/implicit VR) and PS3.10 §7 (Part 10 header);
 * - tar: POSIX.1-1988 ustar header (512 bytes, octal fields, checksum with the field as spaces).
 */

// ---------------------------------------------------------------------------------------
// NIfTI

export type FieldType = 'i16' | 'i32' | 'i64' | 'f32' | 'f64' | 'u8';

export interface HeaderField {
  readonly name: string;
  readonly offset: number;
  readonly type: FieldType;
}

function arr(name: string, offset: number, type: FieldType, n: number, size: number): HeaderField[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${name}[${i}]`, offset: offset + i * size, type }));
}

/** nifti1.h `struct nifti_1_header` (348 bytes). */
export const NIFTI1_FIELDS: readonly HeaderField[] = [
  { name: 'sizeof_hdr', offset: 0, type: 'i32' },
  ...arr('dim', 40, 'i16', 8, 2),
  { name: 'datatype', offset: 70, type: 'i16' },
  { name: 'bitpix', offset: 72, type: 'i16' },
  ...arr('pixdim', 76, 'f32', 8, 4),
  { name: 'vox_offset', offset: 108, type: 'f32' },
  { name: 'scl_slope', offset: 112, type: 'f32' },
  { name: 'scl_inter', offset: 116, type: 'f32' },
  { name: 'qform_code', offset: 252, type: 'i16' },
  { name: 'sform_code', offset: 254, type: 'i16' },
  { name: 'quatern_b', offset: 256, type: 'f32' },
  { name: 'quatern_c', offset: 260, type: 'f32' },
  { name: 'quatern_d', offset: 264, type: 'f32' },
  { name: 'qoffset_x', offset: 268, type: 'f32' },
  { name: 'qoffset_y', offset: 272, type: 'f32' },
  { name: 'qoffset_z', offset: 276, type: 'f32' },
  ...arr('srow_x', 280, 'f32', 4, 4),
  ...arr('srow_y', 296, 'f32', 4, 4),
  ...arr('srow_z', 312, 'f32', 4, 4),
];

/** nifti2.h `struct nifti_2_header` (540 bytes). */
export const NIFTI2_FIELDS: readonly HeaderField[] = [
  { name: 'sizeof_hdr', offset: 0, type: 'i32' },
  { name: 'datatype', offset: 12, type: 'i16' },
  { name: 'bitpix', offset: 14, type: 'i16' },
  ...arr('dim', 16, 'i64', 8, 8),
  ...arr('pixdim', 104, 'f64', 8, 8),
  { name: 'vox_offset', offset: 168, type: 'i64' },
  { name: 'scl_slope', offset: 176, type: 'f64' },
  { name: 'scl_inter', offset: 184, type: 'f64' },
  { name: 'qform_code', offset: 344, type: 'i32' },
  { name: 'sform_code', offset: 348, type: 'i32' },
  { name: 'quatern_b', offset: 352, type: 'f64' },
  { name: 'quatern_c', offset: 360, type: 'f64' },
  { name: 'quatern_d', offset: 368, type: 'f64' },
  { name: 'qoffset_x', offset: 376, type: 'f64' },
  { name: 'qoffset_y', offset: 384, type: 'f64' },
  { name: 'qoffset_z', offset: 392, type: 'f64' },
  ...arr('srow_x', 400, 'f64', 4, 8),
  ...arr('srow_y', 432, 'f64', 4, 8),
  ...arr('srow_z', 464, 'f64', 4, 8),
];

/** Writes `value` into a header field (little-endian; i64 takes a number or a bigint). */
export function writeField(b: Uint8Array, f: HeaderField, value: number | bigint, little = true): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const num = typeof value === 'bigint' ? Number(value) : value;
  switch (f.type) {
    case 'u8': b[f.offset] = num & 0xff; break;
    case 'i16': dv.setInt16(f.offset, num, little); break;
    case 'i32': dv.setInt32(f.offset, num, little); break;
    case 'f32': dv.setFloat32(f.offset, num, little); break;
    case 'f64': dv.setFloat64(f.offset, num, little); break;
    case 'i64': dv.setBigInt64(f.offset, typeof value === 'bigint' ? value : BigInt(Math.trunc(num)), little); break;
  }
}

export function readField(b: Uint8Array, f: HeaderField, little = true): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (f.type) {
    case 'u8': return b[f.offset]!;
    case 'i16': return dv.getInt16(f.offset, little);
    case 'i32': return dv.getInt32(f.offset, little);
    case 'f32': return dv.getFloat32(f.offset, little);
    case 'f64': return dv.getFloat64(f.offset, little);
    case 'i64': return Number(dv.getBigInt64(f.offset, little));
  }
}

/** What a NIfTI header declares, read straight from its bytes. */
export interface NiftiDeclared {
  readonly version: 1 | 2;
  readonly little: boolean;
  readonly headerSize: number;
  readonly dim: readonly number[];
  readonly datatype: number;
  readonly bitpix: number;
  readonly pixdim: readonly number[];
  readonly voxOffset: number;
  readonly slope: number;
  readonly inter: number;
  readonly qformCode: number;
  readonly sformCode: number;
  /** srow_x, srow_y, srow_z, 12 numbers. */
  readonly srow: readonly number[];
  /** xyzt_units (NIfTI-1: char at 123; NIfTI-2: int32 at 500); bits 0–2 the spatial unit. */
  readonly xyztUnits: number;
}

/** NIfTI datatype code → bytes per voxel (the scalar types Voxbook reads). */
export const NIFTI_DATATYPE_BYTES: Record<number, number> = { 2: 1, 4: 2, 8: 4, 16: 4, 64: 8, 256: 1, 512: 2, 768: 4 };

/**
 * Reads a NIfTI-1/2 header (magic "n+1\0" at 344 / "n+2\0\r\n\x1a\n" at 4). Byte order from
 * sizeof_hdr (348 / 540), else from dim[0] in 1..7 (nifti1_io's rule). Undefined if
 * neither magic is there or the bytes are too short.
 */
export function readNiftiHeader(b: Uint8Array): NiftiDeclared | undefined {
  const m2 = [0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a];
  let version: 1 | 2;
  if (b.length >= 540 && m2.every((x, i) => b[4 + i] === x)) version = 2;
  else if (b.length >= 348 && b[344] === 0x6e && (b[345] === 0x2b || b[345] === 0x69) && b[346] === 0x31 && b[347] === 0) version = 1;
  else return undefined;
  const fields = version === 1 ? NIFTI1_FIELDS : NIFTI2_FIELDS;
  const f = (name: string) => fields.find((x) => x.name === name)!;
  const size = version === 1 ? 348 : 540;
  let little: boolean;
  if (readField(b, f('sizeof_hdr'), true) === size) little = true;
  else if (readField(b, f('sizeof_hdr'), false) === size) little = false;
  else {
    const d0 = readField(b, f('dim[0]'), true);
    little = d0 >= 1 && d0 <= 7;
  }
  const get = (name: string) => readField(b, f(name), little);
  return {
    version, little, headerSize: size,
    dim: Array.from({ length: 8 }, (_, i) => get(`dim[${i}]`)),
    datatype: get('datatype'),
    bitpix: get('bitpix'),
    pixdim: Array.from({ length: 8 }, (_, i) => get(`pixdim[${i}]`)),
    voxOffset: get('vox_offset'),
    slope: get('scl_slope'),
    inter: get('scl_inter'),
    qformCode: get('qform_code'),
    sformCode: get('sform_code'),
    srow: ['x', 'y', 'z'].flatMap((r) => [0, 1, 2, 3].map((c) => get(`srow_${r}[${c}]`))),
    xyztUnits: version === 1 ? b[123]! : new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(500, little),
  };
}

/** Geometry for a NIfTI seed: spacing, origin (RAS, for qoffset/srow), int16 voxels x fastest. */
export interface NiftiSeedSpec {
  readonly dims: readonly [number, number, number];
  readonly spacingMm: readonly [number, number, number];
  readonly originRas: readonly [number, number, number];
  readonly data: Int16Array;
  readonly description: string;
}

/** A NIfTI-1 (`version` 1) or NIfTI-2 single file with matching qform and sform (both code 1, scanner). */
export function buildNifti(spec: NiftiSeedSpec, version: 1 | 2): Uint8Array {
  const size = version === 1 ? 348 : 540;
  const voxOffset = version === 1 ? 352 : 544;
  const out = new Uint8Array(voxOffset + spec.data.length * 2);
  const fields = version === 1 ? NIFTI1_FIELDS : NIFTI2_FIELDS;
  const set = (name: string, v: number) => writeField(out, fields.find((x) => x.name === name)!, v);
  set('sizeof_hdr', size);
  if (version === 1) {
    out.set([0x6e, 0x2b, 0x31, 0], 344);
  } else {
    out.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4);
  }
  const [nx, ny, nz] = spec.dims;
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((v, i) => set(`dim[${i}]`, v));
  set('datatype', 4);
  set('bitpix', 16);
  [1, ...spec.spacingMm, 0, 0, 0, 0].forEach((v, i) => set(`pixdim[${i}]`, v));
  set('vox_offset', voxOffset);
  set('scl_slope', 1);
  set('scl_inter', 0);
  set('qform_code', 1);
  set('sform_code', 1);
  // Identity rotation: quatern_b = c = d = 0, qfac = pixdim[0] = 1.
  set('qoffset_x', spec.originRas[0]);
  set('qoffset_y', spec.originRas[1]);
  set('qoffset_z', spec.originRas[2]);
  ['x', 'y', 'z'].forEach((r, ri) => {
    [0, 1, 2].forEach((c) => set(`srow_${r}[${c}]`, ri === c ? spec.spacingMm[c]! : 0));
    set(`srow_${r}[3]`, spec.originRas[ri]!);
  });
  // xyzt_units = mm (2); descrip.
  if (version === 1) out[123] = 2;
  else new DataView(out.buffer).setInt32(500, 2, true);
  const desc = new TextEncoder().encode(spec.description.slice(0, 79));
  out.set(desc, version === 1 ? 148 : 240);
  // The 4 extension bytes (all zero: no extensions) are already 0.
  const dv = new DataView(out.buffer);
  for (let i = 0; i < spec.data.length; i++) dv.setInt16(voxOffset + 2 * i, spec.data[i]!, true);
  return out;
}

// ---------------------------------------------------------------------------------------
// DICOM

export interface DicomElement {
  readonly tag: number;
  /** Explicit VR, or '' for implicit VR. */
  readonly vr: string;
  /** Offset of the element's tag. */
  readonly start: number;
  readonly valueStart: number;
  /** Value length (0xFFFFFFFF: undefined). */
  readonly length: number;
  readonly lengthOffset: number;
  readonly lengthSize: 2 | 4;
  /** Offset just past the element (for undefined length: past its delimiter). */
  readonly end: number;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

export const TAG = {
  TransferSyntax: 0x00020010,
  ImagePositionPatient: 0x00200032,
  ImageOrientationPatient: 0x00200037,
  SamplesPerPixel: 0x00280002,
  NumberOfFrames: 0x00280008,
  Rows: 0x00280010,
  Columns: 0x00280011,
  PixelSpacing: 0x00280030,
  BitsAllocated: 0x00280100,
  BitsStored: 0x00280101,
  HighBit: 0x00280102,
  PixelRepresentation: 0x00280103,
  SliceThickness: 0x00180050,
  RescaleIntercept: 0x00281052,
  RescaleSlope: 0x00281053,
  PixelData: 0x7fe00010,
} as const;

export function tagName(tag: number): string {
  const e = Object.entries(TAG).find(([, t]) => t === tag);
  const h = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  return `${e ? e[0] : 'tag'}(${h(tag >>> 16)},${h(tag & 0xffff)})`;
}

/** The top-level elements of a Part 10 file (meta group explicit VR LE, then per transfer syntax), or undefined if the walk fails. */
export function walkDicom(b: Uint8Array): { elements: DicomElement[]; explicit: boolean } | undefined {
  if (b.length < 132 || String.fromCharCode(b[128]!, b[129]!, b[130]!, b[131]!) !== 'DICM') return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const elements: DicomElement[] = [];
  const tagAt = (p: number) => ((dv.getUint16(p, true) << 16) | dv.getUint16(p + 2, true)) >>> 0;
  /** Skips items up to the sequence delimiter; returns the offset past it. */
  const skipUndefined = (p: number, explicit: boolean, depth: number): number => {
    if (depth > 16) throw new Error('deep');
    for (;;) {
      if (p + 8 > b.length) throw new Error('unterminated');
      const t = tagAt(p);
      const len = dv.getUint32(p + 4, true);
      if (t === 0xfffee0dd) return p + 8;
      if (t !== 0xfffee000) throw new Error('not an item');
      if (len === 0xffffffff) {
        p += 8;
        for (;;) {
          if (p + 8 > b.length) throw new Error('unterminated item');
          if (tagAt(p) === 0xfffee00d) { p += 8; break; }
          p = element(p, explicit, depth + 1, undefined);
        }
      } else p += 8 + len;
    }
  };
  const element = (p: number, explicit: boolean, depth: number, out: DicomElement[] | undefined): number => {
    const tag = tagAt(p);
    let vr = '';
    let len: number, valueStart: number, lengthOffset: number, lengthSize: 2 | 4;
    if (explicit || tag >>> 16 === 0x0002) {
      vr = String.fromCharCode(b[p + 4]!, b[p + 5]!);
      if (!/^[A-Z]{2}$/.test(vr)) throw new Error('bad VR');
      if (LONG_VRS.has(vr)) { lengthOffset = p + 8; lengthSize = 4; len = dv.getUint32(p + 8, true); valueStart = p + 12; }
      else { lengthOffset = p + 6; lengthSize = 2; len = dv.getUint16(p + 6, true); valueStart = p + 8; }
    } else {
      lengthOffset = p + 4; lengthSize = 4; len = dv.getUint32(p + 4, true); valueStart = p + 8;
    }
    let end: number;
    if (len === 0xffffffff) end = skipUndefined(valueStart, explicit, depth + 1);
    else {
      end = valueStart + len;
      if (end > b.length) throw new Error('overrun');
    }
    out?.push({ tag, vr, start: p, valueStart, length: len, lengthOffset, lengthSize, end });
    return end;
  };
  try {
    let p = 132;
    while (p + 8 <= b.length && dv.getUint16(p, true) === 0x0002) p = element(p, true, 0, elements);
    const ts = elements.find((e) => e.tag === TAG.TransferSyntax);
    const tsText = ts ? latin1(b.subarray(ts.valueStart, ts.valueStart + ts.length)).replace(/[\0 ]+$/, '') : '';
    if (tsText !== '1.2.840.10008.1.2' && tsText !== '1.2.840.10008.1.2.1' && !tsText.startsWith('1.2.840.10008.1.2.4')) return undefined;
    const explicit = tsText !== '1.2.840.10008.1.2';
    while (p + 8 <= b.length) p = element(p, explicit, 0, elements);
    return { elements, explicit };
  } catch {
    return undefined;
  }
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/**
 * Values of a DICOM element found by searching its tag bytes (explicit VR LE "gggg eeee VR ll",
 * or implicit VR LE "gggg eeee llll"). Used to read what a mutated file declares even when a
 * mutation elsewhere breaks the element walk. Returns every match, so a caller can refuse
 * to guess when there are several.
 */
export function findElementsByTag(b: Uint8Array, tag: number, vr: string): { valueStart: number; length: number }[] {
  const g = tag >>> 16, e = tag & 0xffff;
  const out: { valueStart: number; length: number }[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 132; p + 8 <= b.length; p++) {
    if (b[p] !== (g & 0xff) || b[p + 1] !== g >> 8 || b[p + 2] !== (e & 0xff) || b[p + 3] !== e >> 8) continue;
    if (b[p + 4] === vr.charCodeAt(0) && b[p + 5] === vr.charCodeAt(1)) {
      const len = dv.getUint16(p + 6, true);
      if (p + 8 + len <= b.length) out.push({ valueStart: p + 8, length: len });
    } else {
      const len = dv.getUint32(p + 4, true);
      if (len < 256 && p + 8 + len <= b.length) out.push({ valueStart: p + 8, length: len });
    }
  }
  return out;
}

/** The element `tag` replaced by one with `value` (same VR, new length), or inserted in tag order when absent. */
export function setDicomElement(b: Uint8Array, walk: { elements: DicomElement[]; explicit: boolean }, tag: number, vr: string, value: Uint8Array): Uint8Array {
  const padded = value.length % 2 === 0 ? value : concat([value, new Uint8Array([vr === 'UI' || vr === 'OB' ? 0 : 0x20])]);
  const head = new Uint8Array(walk.explicit ? (LONG_VRS.has(vr) ? 12 : 8) : 8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, tag >>> 16, true);
  dv.setUint16(2, tag & 0xffff, true);
  if (walk.explicit) {
    head[4] = vr.charCodeAt(0); head[5] = vr.charCodeAt(1);
    if (LONG_VRS.has(vr)) dv.setUint32(8, padded.length, true);
    else dv.setUint16(6, padded.length, true);
  } else dv.setUint32(4, padded.length, true);
  const el = walk.elements.find((e) => e.tag === tag);
  if (el) return concat([b.subarray(0, el.start), head, padded, b.subarray(el.end)]);
  const after = walk.elements.find((e) => e.tag > tag && e.tag >>> 16 !== 0x0002);
  const at = after ? after.start : b.length;
  return concat([b.subarray(0, at), head, padded, b.subarray(at)]);
}

/** The file without element `tag` (unchanged if absent). */
export function deleteDicomElement(b: Uint8Array, walk: { elements: DicomElement[] }, tag: number): Uint8Array {
  const el = walk.elements.find((e) => e.tag === tag);
  return el ? concat([b.subarray(0, el.start), b.subarray(el.end)]) : b;
}

/** Numbers of a DS/IS value ("1.5\\0.9"), NaN for items that are not numbers. */
export function dicomNumbers(text: string): number[] {
  const t = text.replace(/[\0 ]+$/, '').trim();
  if (t === '') return [];
  return t.split('\\').map((s) => {
    const x = s.trim();
    return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(x) ? Number(x) : NaN;
  });
}

// ---------------------------------------------------------------------------------------
// tar (ustar) and gzip helpers

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface TarMember {
  readonly name: string;
  readonly data: Uint8Array;
}

function putString(h: Uint8Array, at: number, len: number, s: string): void {
  const b = new TextEncoder().encode(s);
  h.set(b.subarray(0, len), at);
}

function putOctal(h: Uint8Array, at: number, len: number, v: number): void {
  putString(h, at, len, v.toString(8).padStart(len - 1, '0') + '\0');
}

/** Recomputes a ustar header's checksum (sum of the 512 bytes with the field as spaces). */
export function fixTarChecksum(h: Uint8Array): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  putString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
}

export interface TarLayout {
  readonly bytes: Uint8Array;
  /** Offset of each member's 512-byte header. */
  readonly headers: readonly { name: string; offset: number; size: number }[];
}

/** A ustar archive of `members` (regular files, mode 0644) with the two zero blocks at the end. */
export function buildTar(members: readonly TarMember[]): TarLayout {
  const parts: Uint8Array[] = [];
  const headers: { name: string; offset: number; size: number }[] = [];
  let offset = 0;
  for (const m of members) {
    const h = new Uint8Array(512);
    putString(h, 0, 100, m.name);
    putOctal(h, 100, 8, 0o644);
    putOctal(h, 108, 8, 0);
    putOctal(h, 116, 8, 0);
    putOctal(h, 124, 12, m.data.length);
    putOctal(h, 136, 12, 1347624728);
    h[156] = 0x30; // '0'
    putString(h, 257, 6, 'ustar\0');
    putString(h, 263, 2, '00');
    putString(h, 265, 32, 'root');
    putString(h, 297, 32, 'root');
    fixTarChecksum(h);
    headers.push({ name: m.name, offset, size: m.data.length });
    parts.push(h, m.data);
    const pad = (512 - (m.data.length % 512)) % 512;
    if (pad) parts.push(new Uint8Array(pad));
    offset += 512 + m.data.length + pad;
  }
  parts.push(new Uint8Array(1024));
  return { bytes: concat(parts), headers };
}

/** Offsets of the ustar header fields the fuzzer sets. */
export const TAR_FIELDS = {
  name: [0, 100], mode: [100, 8], size: [124, 12], mtime: [136, 12], chksum: [148, 8], typeflag: [156, 1], magic: [257, 6], prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

export function writeTarField(h: Uint8Array, at: number, len: number, text: string | Uint8Array): void {
  h.fill(0, at, at + len);
  const b = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  h.set(b.subarray(0, len), at);
}

/** InVesalius main.plist (format_version 1) for a project of shape [nz, ny, nx], as the sample's is written. */
export function inv3MainPlist(o: { shape: readonly (string | number)[]; spacing: readonly (string | number)[]; name: string; extra?: string }): string {
  const num = (x: string | number, tag: 'integer' | 'real') => (typeof x === 'number' ? `<${tag}>${tag === 'real' && Number.isInteger(x) ? x.toFixed(1) : x}</${tag}>` : x);
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple Computer//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>format_version</key>
	<integer>1</integer>
	<key>masks</key>
	<dict>
		<key>0</key>
		<string>mask_0.plist</string>
	</dict>
	<key>matrix</key>
	<dict>
		<key>dtype</key>
		<string>int16</string>
		<key>filename</key>
		<string>matrix.dat</string>
		<key>shape</key>
		<array>
${o.shape.map((x) => `\t\t\t${num(x, 'integer')}`).join('\n')}
		</array>
	</dict>
	<key>modality</key>
	<string>CT</string>
	<key>name</key>
	<string>${o.name}</string>
	<key>spacing</key>
	<array>
${o.spacing.map((x) => `\t\t${num(x, 'real')}`).join('\n')}
	</array>
	<key>window_level</key>
	<real>-18.0</real>
	<key>window_width</key>
	<real>406.0</real>${o.extra ?? ''}
</dict>
</plist>
`;
}

export function inv3MaskPlist(o: { maskShape: readonly (string | number)[]; threshold: readonly (string | number)[] }): string {
  const v = (x: string | number) => (typeof x === 'number' ? `<integer>${x}</integer>` : x);
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple Computer//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>index</key>
	<integer>0</integer>
	<key>mask_file</key>
	<string>mask_0.dat</string>
	<key>mask_shape</key>
	<array>
${o.maskShape.map((x) => `\t\t${v(x)}`).join('\n')}
	</array>
	<key>name</key>
	<string>Bone</string>
	<key>threshold_range</key>
	<array>
${o.threshold.map((x) => `\t\t${v(x)}`).join('\n')}
	</array>
</dict>
</plist>
`;
}
