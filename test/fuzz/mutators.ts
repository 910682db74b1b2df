/**
 * Mutations of the seed inputs. Each case is one `Mutation`, fully determined by
 * (seed input, case seed): `mutate(seed, caseSeed)` always returns the same bytes.
 *
 * Two kinds:
 * - byte-level (flips, sets, truncations, insertions, deletions, appends, copies), applied
 *   to the file as stored — for gzip inputs that is the compressed stream, and the oracle
 *   then demands a load identical to the original or an error (`streamOnly`);
 * - structure-aware: a header field / DICOM element / plist value / tar field / member
 *   length set to 0, −1, NaN, ±Inf, huge, or to a plausible-but-different value, with the
 *   file rebuilt (and re-gzipped) around it.
 */
import { gzipSync } from 'fflate';
import {
  NIFTI1_FIELDS, NIFTI2_FIELDS, TAG, TAR_FIELDS, buildTar, concat, deleteDicomElement, fixTarChecksum, inv3MainPlist, inv3MaskPlist,
  readField, setDicomElement, tagName, walkDicom, writeField, writeTarField, type HeaderField,
} from './formats.ts';
import { mulberry32, type Rng } from './prng.ts';
import { inv3Members, type Seed } from './seeds.ts';

export interface Mutation {
  /** Bytes of the mutated file. */
  readonly bytes: Uint8Array;
  /** What was done, short enough for a failure list: "nifti dim[3]=-1", "flip bits @12,40". */
  readonly desc: string;
  /**
   * True when only the compressed stream of a gzip input was touched: the decompressed
   * content is, if anything, corrupt, so the load must equal the original or fail.
   */
  readonly streamOnly: boolean;
}

const FLOAT_SPECIALS = [0, -0, -1, 1, NaN, Infinity, -Infinity, 2 ** 31 - 1, -(2 ** 31), 1e30, -1e30, 1e-30, 1e-45, 0.5, 1.5, 3.4e38];
const I16_SPECIALS = [0, -1, 1, 2, 3, 4, 7, 8, 32767, -32768];
const I32_SPECIALS = [0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 348, 540];
const I64_SPECIALS: readonly bigint[] = [0n, -1n, 1n, 2n ** 31n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];

function gz(b: Uint8Array): Uint8Array {
  return gzipSync(b, { level: 6, mtime: 0 });
}

function fmt(v: number | bigint): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

// ---------------------------------------------------------------------------------------
// Byte-level

/** Structurally interesting truncation points for a format (file offsets). */
function cutPoints(seed: Seed, b: Uint8Array, stream: boolean): number[] {
  const n = b.length;
  const pts = [0, 1, 2, 3, 4, 8, n >> 1, n - 1, n - 2];
  if (stream) pts.push(10, 11, 12, 18, 64, n - 4, n - 5, n - 8, n - 9);
  else if (seed.format === 'nifti') pts.push(344, 347, 348, 351, 352, 353, 539, 540, 543, 544, 545, 1000, n - 16);
  else if (seed.format === 'dicom') {
    pts.push(128, 131, 132, 133, 140);
    const w = walkDicom(b);
    for (const e of w?.elements ?? []) {
      if (e.tag === TAG.PixelData || e.tag === TAG.Rows || e.tag === TAG.PixelSpacing) pts.push(e.start, e.start + 4, e.valueStart, e.valueStart + 1, e.valueStart + (e.length >> 1));
    }
  } else pts.push(511, 512, 513, 1024, 1536);
  return pts.filter((p) => p >= 0 && p < n);
}

function byteMutation(seed: Seed, rng: Rng): Mutation {
  const stream = seed.gz;
  const b = new Uint8Array(seed.bytes);
  const n = b.length;
  // Half the positions in the first few hundred bytes: headers (or gzip header + the first deflate blocks).
  const focus = seed.format === 'dicom' ? Math.min(n, 2048) : seed.format === 'nifti' && !stream ? 600 : Math.min(n, 256);
  const pos = () => (rng.chance(0.5) ? rng.int(focus) : rng.int(n));
  const what = rng.int(8);
  const tag = stream ? 'gz-stream ' : '';
  switch (what) {
    case 0: case 1: {
      const k = rng.range(1, 4);
      const at: string[] = [];
      for (let i = 0; i < k; i++) {
        const p = pos(), bit = rng.int(8);
        b[p] = b[p]! ^ (1 << bit);
        at.push(`${p}.${bit}`);
      }
      return { bytes: b, desc: `${tag}flip bit ${at.join(',')}`, streamOnly: stream };
    }
    case 2: {
      const k = rng.range(1, 4);
      const at: string[] = [];
      for (let i = 0; i < k; i++) {
        const p = pos(), v = rng.pick([0, 0xff, 0x7f, 0x80, rng.int(256)]);
        b[p] = v;
        at.push(`${p}=0x${v.toString(16)}`);
      }
      return { bytes: b, desc: `${tag}set byte ${at.join(',')}`, streamOnly: stream };
    }
    case 3: case 4: {
      const at = rng.chance(0.5) ? rng.pick(cutPoints(seed, b, stream)) : rng.int(n);
      return { bytes: b.slice(0, at), desc: `${tag}truncate to ${at} of ${n} bytes`, streamOnly: stream };
    }
    case 5: {
      const p = pos(), k = rng.range(1, 16);
      const ins = new Uint8Array(k);
      for (let i = 0; i < k; i++) ins[i] = rng.int(256);
      return { bytes: concat([b.subarray(0, p), ins, b.subarray(p)]), desc: `${tag}insert ${k} bytes @${p}`, streamOnly: stream };
    }
    case 6: {
      const p = pos(), k = rng.range(1, 16);
      return { bytes: concat([b.subarray(0, p), b.subarray(p + k)]), desc: `${tag}delete ${k} bytes @${p}`, streamOnly: stream };
    }
    default: {
      if (rng.chance(0.5)) {
        const k = rng.range(1, 64);
        const extra = new Uint8Array(k);
        for (let i = 0; i < k; i++) extra[i] = rng.int(256);
        return { bytes: concat([b, extra]), desc: `${tag}append ${k} bytes`, streamOnly: stream };
      }
      const from = rng.int(n), to = pos(), k = rng.range(1, 64);
      b.copyWithin(to, from, from + k);
      return { bytes: b, desc: `${tag}copy ${k} bytes ${from}→${to}`, streamOnly: stream };
    }
  }
}

// ---------------------------------------------------------------------------------------
// NIfTI header fields

function niftiValue(f: HeaderField, orig: number, rng: Rng): number | bigint {
  const near = [orig + 1, orig - 1, orig * 2, Math.trunc(orig / 2), -orig];
  switch (f.type) {
    case 'f32': case 'f64':
      return rng.chance(0.75) ? rng.pick(FLOAT_SPECIALS) : rng.pick([...near, orig * 1.5, orig + 0.5]);
    case 'i16': {
      if (f.name === 'datatype') return rng.pick([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2304, -1, 32767]);
      if (f.name === 'bitpix') return rng.pick([0, 1, 8, 16, 32, 64, 7, -16, 32767]);
      if (f.name === 'dim[0]') return rng.pick([-1, 0, 1, 2, 3, 4, 5, 7, 8, 32767, -32768]);
      const v = rng.chance(0.7) ? rng.pick(I16_SPECIALS) : rng.pick(near);
      return Math.max(-32768, Math.min(32767, v));
    }
    case 'i32':
      return rng.chance(0.8) ? rng.pick(I32_SPECIALS) : rng.pick(near);
    case 'i64':
      if (f.name === 'dim[0]') return BigInt(rng.pick([-1, 0, 1, 2, 4, 5, 8, 7]));
      return rng.chance(0.7) ? rng.pick(I64_SPECIALS) : BigInt(Math.trunc(rng.pick(near)));
    default:
      return rng.int(256);
  }
}

function niftiMutation(seed: Seed, rng: Rng): Mutation {
  const version = seed.payload[344] === 0x6e && seed.payload[346] === 0x31 ? 1 : 2;
  const fields = version === 1 ? NIFTI1_FIELDS : NIFTI2_FIELDS;
  const b = new Uint8Array(seed.payload);
  const parts: string[] = [];
  // Weight the fields the brief names: dims, datatype/bitpix, pixdim, vox_offset, scaling, xforms.
  const k = rng.chance(0.25) ? rng.range(2, 3) : 1;
  for (let i = 0; i < k; i++) {
    const f = rng.pick(fields);
    const orig = readField(b, f);
    let v: number | bigint = niftiValue(f, orig, rng);
    if (f.name === 'vox_offset' && rng.chance(0.5)) {
      const base = version === 1 ? 352 : 544;
      const vv = rng.pick([0, 348, base - 4, base - 1, base + 1, base + 16, base + 0.5, -base, b.length, b.length + 1, 540]);
      v = f.type === 'i64' ? BigInt(Math.trunc(vv)) : vv;
    }
    writeField(b, f, v);
    parts.push(`${f.name}=${fmt(v)}`);
  }
  // Sometimes keep the file consistent with a new dim: shorten or lengthen the data to match.
  let out: Uint8Array = b;
  if (rng.chance(0.15)) {
    const cut = rng.int(b.length);
    out = b.slice(0, cut);
    parts.push(`truncate to ${cut}`);
  }
  return { bytes: seed.gz ? gz(out) : out, desc: `nifti-${version} ${parts.join(' ')}${seed.gz ? ' (re-gzipped)' : ''}`, streamOnly: false };
}

// ---------------------------------------------------------------------------------------
// DICOM elements

const enc = (s: string) => new TextEncoder().encode(s);
const us = (v: number) => new Uint8Array([v & 0xff, (v >> 8) & 0xff]);
const DS_BAD = ['0', '-1', 'NaN', 'inf', '-inf', '1e30', '2147483647', '1e-30', '', 'abc', '-0'];

function dicomMutation(seed: Seed, rng: Rng): Mutation {
  const b = seed.bytes;
  const w = walkDicom(b)!;
  const el = (tag: number) => w.elements.find((e) => e.tag === tag);
  const text = (tag: number) => {
    const e = el(tag);
    return e ? new TextDecoder('latin1').decode(b.subarray(e.valueStart, e.valueStart + e.length)).replace(/[\0 ]+$/, '') : '';
  };
  const set = (tag: number, vr: string, v: Uint8Array, shown: string): Mutation => ({
    bytes: setDicomElement(b, w, tag, vr, v), desc: `dicom ${tagName(tag)}=${shown}`, streamOnly: false,
  });
  const del = (tag: number): Mutation => ({ bytes: deleteDicomElement(b, w, tag), desc: `dicom delete ${tagName(tag)}`, streamOnly: false });
  const choice = rng.int(12);
  switch (choice) {
    case 0: case 1: {
      const tag = rng.pick([TAG.Rows, TAG.Columns, TAG.BitsAllocated, TAG.BitsStored, TAG.HighBit, TAG.PixelRepresentation, TAG.SamplesPerPixel]);
      const e = el(tag)!;
      const orig = b[e.valueStart]! | (b[e.valueStart + 1]! << 8);
      if (rng.chance(0.1)) return del(tag);
      const v = rng.pick([0, 1, 0xffff, 0x8000, orig + 1, orig - 1, orig * 2, orig >> 1, 8, 12, 16, 32, 64, 3]) & 0xffff;
      return set(tag, 'US', us(v), String(v));
    }
    case 2: {
      const v = rng.pick(['0', '-1', '1', '2', '3', 'NaN', '1e30', '2147483647', '4294967297', '', 'abc', '1.5']);
      return set(TAG.NumberOfFrames, 'IS', enc(v), JSON.stringify(v));
    }
    case 3: case 4: {
      if (rng.chance(0.1)) return del(TAG.PixelSpacing);
      const [r, c] = text(TAG.PixelSpacing).split('\\');
      const bad = () => rng.pick([...DS_BAD, String(Number(r) * 1.5)]);
      const v = rng.pick([`${bad()}\\${c}`, `${r}\\${bad()}`, `${bad()}\\${bad()}`, bad(), `${r}\\${c}\\${r}`, '0.5']);
      return set(TAG.PixelSpacing, 'DS', enc(v), JSON.stringify(v));
    }
    case 5: {
      if (rng.chance(0.15)) return del(TAG.SliceThickness);
      const v = rng.pick(DS_BAD);
      return set(TAG.SliceThickness, 'DS', enc(v), JSON.stringify(v));
    }
    case 6: {
      if (rng.chance(0.1)) return del(TAG.ImageOrientationPatient);
      const v = rng.pick(['0\\0\\0\\0\\0\\0', '1\\0\\0\\1\\0\\0', '1\\0\\0\\0\\2\\0', 'NaN\\0\\0\\0\\1\\0', '1\\0\\0\\0\\1', '0.7\\0.7\\0\\0\\0\\1',
        '1e30\\0\\0\\0\\1\\0', 'inf\\0\\0\\0\\1\\0', '0\\1\\0\\-1\\0\\0', '1\\0\\0\\0\\0\\-1', 'abc', '']);
      return set(TAG.ImageOrientationPatient, 'DS', enc(v), JSON.stringify(v));
    }
    case 7: {
      if (rng.chance(0.1)) return del(TAG.ImagePositionPatient);
      const v = rng.pick(['NaN\\0\\0', 'inf\\0\\0', '1e30\\1e30\\1e30', '0\\0', '', 'abc\\1\\2', '10\\20\\30', '-1\\-1\\-1\\-1']);
      return set(TAG.ImagePositionPatient, 'DS', enc(v), JSON.stringify(v));
    }
    case 8: {
      const tag = rng.pick([TAG.RescaleSlope, TAG.RescaleSlope, TAG.RescaleIntercept]);
      if (rng.chance(0.1)) return del(tag);
      const v = rng.pick([...DS_BAD, '2', '0.5', '-1024']);
      return set(tag, 'DS', enc(v), JSON.stringify(v));
    }
    case 9: case 10: {
      // Pixel data: its length field, or the value itself cut / padded.
      const e = el(TAG.PixelData)!;
      const how = rng.int(4);
      if (how === 0) {
        const v = rng.pick([0, e.length - 2, e.length + 2, e.length >> 1, 0xfffffffe, 0xffffffff, 2 ** 31 - 1, e.length * 2]) >>> 0;
        const out = new Uint8Array(b);
        new DataView(out.buffer).setUint32(e.lengthOffset, v, true);
        return { bytes: out, desc: `dicom PixelData length field=${v} (value ${e.length} bytes)`, streamOnly: false };
      }
      if (how === 1) {
        const cut = e.valueStart + rng.int(e.length);
        return { bytes: b.slice(0, cut), desc: `dicom truncate inside PixelData at ${cut} (value ${e.valueStart}..${e.end})`, streamOnly: false };
      }
      const delta = how === 2 ? -2 * rng.range(1, 4096) : 2 * rng.range(1, 4096);
      const value = delta < 0 ? b.subarray(e.valueStart, e.end + delta) : concat([b.subarray(e.valueStart, e.end), new Uint8Array(delta)]);
      return set(TAG.PixelData, 'OW', value, `${e.length + delta} bytes (was ${e.length}), length field consistent`);
    }
    default: {
      const v = rng.pick(['1.2.840.10008.1.2', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.1.99', '1.2.3', '']);
      return set(TAG.TransferSyntax, 'UI', enc(v), JSON.stringify(v));
    }
  }
}

// ---------------------------------------------------------------------------------------
// .inv3

function inv3Mutation(seed: Seed, rng: Rng): Mutation {
  const p = seed.inv3!;
  const [nz, ny, nx] = p.shape;
  const NUM_BAD = ['<integer>0</integer>', '<integer>-1</integer>', '<real>nan</real>', '<real>inf</real>', '<real>-inf</real>', '<real>1e30</real>',
    '<integer>2147483647</integer>', '<integer>9007199254740993</integer>', '<real>0.5</real>', '<string>12</string>', '<real>1e-300</real>'];
  const choice = rng.int(7);
  let members = inv3Members(p);
  let desc: string;
  if (choice === 0) {
    const shape: (string | number)[] = [...p.shape];
    const i = rng.int(3);
    shape[i] = rng.pick([...NUM_BAD, p.shape[i]! + 1, p.shape[i]! - 1, p.shape[i]! * 2, 1]);
    if (rng.chance(0.15)) shape.push(rng.pick([1, 2]));
    if (rng.chance(0.1)) shape.pop();
    members = inv3Members(p, { main: inv3MainPlist({ shape, spacing: p.spacing, name: 'ProMED CT 0051 crop' }) });
    desc = `inv3 main.plist shape=[${shape.join(', ')}]`;
  } else if (choice === 1) {
    const spacing: (string | number)[] = [...p.spacing];
    const i = rng.int(3);
    spacing[i] = rng.pick([...NUM_BAD, p.spacing[i]! * 1.5]);
    if (rng.chance(0.1)) spacing.pop();
    members = inv3Members(p, { main: inv3MainPlist({ shape: p.shape, spacing, name: 'ProMED CT 0051 crop' }) });
    desc = `inv3 main.plist spacing=[${spacing.join(', ')}]`;
  } else if (choice === 2) {
    // matrix.dat or mask_0.dat cut / padded (tar sizes consistent), or a member dropped.
    const which = rng.pick(['matrix', 'mask', 'drop']);
    if (which === 'drop') {
      const drop = rng.pick(['matrix.dat', 'main.plist', 'mask_0.dat', 'mask_0.plist']);
      members = inv3Members(p, { drop });
      desc = `inv3 without ${drop}`;
    } else {
      const src = which === 'matrix' ? p.matrix : p.mask;
      const delta = rng.pick([-1, -2, -2 * nx, -2 * nx * ny, 1, 2, 2 * nx * ny, -rng.int(src.length)]);
      const data = delta < 0 ? src.slice(0, src.length + delta) : concat([src, new Uint8Array(delta)]);
      members = inv3Members(p, which === 'matrix' ? { matrix: data } : { mask: data });
      desc = `inv3 ${which === 'matrix' ? 'matrix.dat' : 'mask_0.dat'} ${delta > 0 ? '+' : ''}${delta} bytes`;
    }
  } else if (choice === 3) {
    const maskShape: (string | number)[] = [nz + 1, ny + 1, nx + 1];
    const threshold: (string | number)[] = [226, 3071];
    if (rng.chance(0.5)) maskShape[rng.int(3)] = rng.pick(NUM_BAD);
    else threshold[rng.int(2)] = rng.pick(NUM_BAD);
    members = inv3Members(p, { maskPlist: inv3MaskPlist({ maskShape, threshold }) });
    desc = `inv3 mask_0.plist mask_shape=[${maskShape.join(', ')}] threshold_range=[${threshold.join(', ')}]`;
  } else if (choice === 4) {
    // Plist text damaged: a key renamed, a tag unclosed, the dtype changed.
    const main = inv3MainPlist({ shape: p.shape, spacing: p.spacing, name: 'ProMED CT 0051 crop' });
    const edit = rng.pick([
      ['<key>shape</key>', '<key>shap</key>'], ['<key>spacing</key>', '<key>spacin</key>'], ['<string>int16</string>', '<string>uint16</string>'],
      ['<string>int16</string>', '<string>float32</string>'], ['</dict>\n</plist>', '</dict>'], ['<string>matrix.dat</string>', '<string>other.dat</string>'],
      ['<key>matrix</key>', '<key>matrix</key><string>x</string><key>m2</key>'], ['<plist version="1.0">', ''],
    ] as const);
    members = inv3Members(p, { main: main.replace(edit[0], edit[1]) });
    desc = `inv3 main.plist ${JSON.stringify(edit[0])}→${JSON.stringify(edit[1])}`;
  } else {
    // A ustar header field of one member, with or without a consistent checksum.
    const layout = buildTar(members);
    const tar = new Uint8Array(layout.bytes);
    const m = rng.pick(layout.headers);
    const h = tar.subarray(m.offset, m.offset + 512);
    const field = rng.pick(Object.keys(TAR_FIELDS) as (keyof typeof TAR_FIELDS)[]);
    const [at, len] = TAR_FIELDS[field];
    const value = field === 'size'
      ? rng.pick(['0', '77777777777', '-1', 'zzz', (m.size + 1).toString(8), (m.size - 1).toString(8), (m.size + 512).toString(8), '', (2 ** 33).toString(8)])
      : field === 'typeflag' ? rng.pick(['1', '2', '5', 'L', 'x', 'g', '\0', 'Z'])
      : field === 'chksum' ? rng.pick(['0', '', '7777777'])
      : rng.pick(['', 'x', '../../etc/passwd', 'fuzzcut/matrix.dat', 'fuzzcut/main.plist', '\u00ff\u00ff']);
    writeTarField(h, at, len, value);
    if (field === 'size' && value === (2 ** 33).toString(8)) {
      h[at] = 0x80; // GNU base-256: 2^40
      h[at + 6] = 1;
    }
    const fix = field !== 'chksum' && rng.chance(0.7);
    if (fix) fixTarChecksum(h);
    return { bytes: gz(tar), desc: `inv3 tar ${m.name} ${field}=${JSON.stringify(value)}${fix ? ' (checksum fixed)' : ''}`, streamOnly: false };
  }
  return { bytes: gz(buildTar(members).bytes), desc, streamOnly: false };
}

// ---------------------------------------------------------------------------------------

/**
 * The mutation for one case. About 45% byte-level on the stored file (the compressed
 * stream for gzip inputs), 10% byte-level on the decompressed content of a gzip input
 * (re-gzipped), the rest structure-aware.
 */
export function mutate(seed: Seed, caseSeed: number): Mutation {
  const rng = mulberry32(caseSeed);
  const r = rng.next();
  if (r < 0.45) return byteMutation(seed, rng);
  if (seed.gz && r < 0.55) {
    const inner = byteMutation({ ...seed, gz: false, bytes: seed.payload }, rng);
    return { bytes: gz(inner.bytes), desc: `content ${inner.desc} (re-gzipped)`, streamOnly: false };
  }
  switch (seed.format) {
    case 'nifti': return niftiMutation(seed, rng);
    case 'dicom': return dicomMutation(seed, rng);
    case 'inv3': return inv3Mutation(seed, rng);
  }
}
