/**
 * gunzipChecked: RFC 1952 decoding with every check the format allows, compared with
 * node:zlib (the reference: zlib checks CRC-32, ISIZE and FHCRC and decodes all members).
 */
import { readFileSync } from 'node:fs';
import { crc32 as zlibCrc32, deflateRawSync, gunzipSync as zlibGunzip, gzipSync } from 'node:zlib';
import { gunzipSync as fflateGunzip } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../cells/core/errors.ts';
import { crc32, gunzipChecked, isGzip } from '../../cells/io/gzip.ts';
import { cached, formatErrorOf, noiseBytes } from '../helpers.ts';


/** Compressible pseudo-random text: words from a small vocabulary. */
function text(n: number, seed = 2): Uint8Array {
  const words = ['voxel ', 'skull ', 'mesh ', 'print ', 'HU ', '226 ', '\n'];
  const r = noiseBytes(n, seed);
  const out: number[] = [];
  for (let i = 0; out.length < n; i++) for (const ch of words[r[i % n]! % words.length]!) out.push(ch.charCodeAt(0));
  return Uint8Array.from(out.slice(0, n));
}

const u8 = (b: Buffer | Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const cat = (...parts: Uint8Array[]) => u8(Buffer.concat(parts));

interface HeaderFields { ftext?: boolean; hcrc?: boolean; extra?: Uint8Array; fname?: string; comment?: string; flg?: number }

/** One gzip member built field by field (RFC 1952 §2.3), deflate data from node:zlib. */
function member(data: Uint8Array, f: HeaderFields = {}): Uint8Array {
  const flg = f.flg ?? ((f.ftext ? 1 : 0) | (f.hcrc ? 2 : 0) | (f.extra ? 4 : 0) | (f.fname !== undefined ? 8 : 0) | (f.comment !== undefined ? 16 : 0));
  const h: number[] = [0x1f, 0x8b, 8, flg, 0x78, 0x56, 0x34, 0x12, 0, 3];
  if (f.extra) h.push(f.extra.length & 0xff, f.extra.length >> 8, ...f.extra);
  if (f.fname !== undefined) h.push(...Buffer.from(f.fname, 'latin1'), 0);
  if (f.comment !== undefined) h.push(...Buffer.from(f.comment, 'latin1'), 0);
  if (f.hcrc) { const c = zlibCrc32(Uint8Array.from(h)) & 0xffff; h.push(c & 0xff, c >> 8); }
  const trailer = new Uint8Array(8);
  const dv = new DataView(trailer.buffer);
  dv.setUint32(0, zlibCrc32(data), true);
  dv.setUint32(4, data.length >>> 0, true);
  return cat(Uint8Array.from(h), u8(deflateRawSync(data)), trailer);
}


describe('crc32', () => {
  it('equals zlib.crc32 for lengths 0..300 and unaligned views, and chains across arrays', () => {
    const big = noiseBytes(4096, 5);
    for (let n = 0; n <= 300; n++) {
      for (const off of [0, 1, 3]) {
        const v = big.subarray(off, off + n);
        expect(crc32(v)).toBe(zlibCrc32(v));
      }
    }
    const a = noiseBytes(1000, 8), b = noiseBytes(777, 9);
    expect(crc32(b, crc32(a))).toBe(zlibCrc32(cat(a, b)));
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
  });
});

describe('gunzipChecked decodes what node:zlib decodes', () => {
  it('random and compressible inputs of many sizes and levels, byte for byte', () => {
    for (const n of [0, 1, 7, 100, 4095, 65536, 300_000, 1_500_000]) {
      for (const [kind, data] of [['noise', noiseBytes(n, n + 1)], ['text', text(n, n + 2)]] as const) {
        for (const level of [0, 1, 9]) {
          const gz = u8(gzipSync(data, { level }));
          const mine = gunzipChecked(gz, `${kind}-${n}-${level}.gz`);
          expect(Buffer.compare(Buffer.from(mine), zlibGunzip(gz)), `${kind} n=${n} level=${level}`).toBe(0);
          expect(mine.length).toBe(n);
        }
      }
    }
  });

  it('multi-member files decode to the concatenation (fflate gunzipSync keeps only the first member)', () => {
    const parts = [text(5000, 1), noiseBytes(70_000, 2), new Uint8Array(0), text(123_456, 3), noiseBytes(1, 4)];
    const gz = cat(...parts.map((p) => u8(gzipSync(p))));
    const want = zlibGunzip(gz);
    expect(want.length).toBe(parts.reduce((s, p) => s + p.length, 0));
    expect(Buffer.compare(Buffer.from(gunzipChecked(gz, 'multi.gz')), want)).toBe(0);
    // The bug this replaces: fflate returns only member 1 (and trusts the last ISIZE for its size).
    expect(fflateGunzip(gz).length).not.toBe(want.length);
  });

  it('many small members like bgzip (BGZF "BC" extra subfield, empty EOF block)', () => {
    const data = text(400_000, 11);
    const blocks: Uint8Array[] = [];
    for (let at = 0; at < data.length; at += 65280) {
      const chunk = data.subarray(at, at + 65280);
      // BC subfield: SI1 'B', SI2 'C', SLEN 2, BSIZE − 1 (filled after building).
      const m = member(chunk, { extra: Uint8Array.of(66, 67, 2, 0, 0, 0) });
      new DataView(m.buffer, m.byteOffset).setUint16(16, m.length - 1, true);
      blocks.push(m);
    }
    blocks.push(member(new Uint8Array(0), { extra: Uint8Array.of(66, 67, 2, 0, 27, 0) }));
    const gz = cat(...blocks);
    expect(blocks.length).toBe(8);
    const mine = gunzipChecked(gz, 'reads.bgz');
    expect(Buffer.compare(Buffer.from(mine), zlibGunzip(gz))).toBe(0);
    expect(Buffer.compare(Buffer.from(mine), Buffer.from(data))).toBe(0);
  });

  it('honours every header field: FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT (alone and together)', () => {
    const data = text(3000, 21);
    const variants: HeaderFields[] = [
      {}, { ftext: true }, { hcrc: true }, { extra: noiseBytes(300, 3) }, { fname: 'ch2.nii' }, { comment: 'made by a test' },
      { ftext: true, hcrc: true, extra: Uint8Array.of(1, 2, 3), fname: 'a', comment: 'b' }, { extra: new Uint8Array(0), fname: '' },
    ];
    for (const v of variants) {
      const gz = member(data, v);
      expect(Buffer.compare(zlibGunzip(gz), Buffer.from(data))).toBe(0);
      expect(Buffer.compare(Buffer.from(gunzipChecked(gz, 'h.gz')), Buffer.from(data)), JSON.stringify(v)).toBe(0);
    }
  });

  it('isGzip looks at the magic only', () => {
    expect(isGzip(u8(gzipSync(noiseBytes(10, 1))))).toBe(true);
    expect(isGzip(Uint8Array.of(0x1f))).toBe(false);
    expect(isGzip(text(10))).toBe(false);
  });
});

describe('gunzipChecked refuses damaged files with a FormatError naming the file and the member', () => {
  const data = text(20_000, 31);
  const gz = member(data, { fname: 'x.nii' });

  it('a wrong CRC-32 in the trailer (fflate gunzipSync accepts it)', () => {
    const bad = gz.slice();
    bad[bad.length - 8]! ^= 0x01;
    expect(fflateGunzip(bad).length).toBe(data.length); // the bug: no CRC check at all
    const e = formatErrorOf(() => gunzipChecked(bad, 'x.nii.gz'));
    expect(e.message).toMatch(/^x\.nii\.gz: gzip member 1 \(at byte 0\): CRC-32 mismatch/);
    expect(e.message).toMatch(/fetch or copy it again/);
    expect(e.path).toBe('x.nii.gz');
  });

  it('a wrong ISIZE (fflate gunzipSync silently truncates or pads the output to it)', () => {
    const bad = gz.slice();
    bad[bad.length - 4]! ^= 0x20; // 20000 = 0x4e20 → 0x4e00 = 19968
    expect(fflateGunzip(bad).length).toBe(19968); // the bug: the last 32 bytes silently dropped
    expect(formatErrorOf(() => gunzipChecked(bad, 'x.gz')).message).toMatch(/gzip member 1 \(at byte 0\): ISIZE mismatch — 20000 bytes decompressed but the trailer at byte \d+ says 19968/);
    bad[bad.length - 4]! ^= 0x20 | 0x10; // → 0x4e30 = 20016
    expect(formatErrorOf(() => gunzipChecked(bad, 'x.gz')).message).toMatch(/ISIZE mismatch — 20000 bytes decompressed but the trailer at byte \d+ says 20016/);
  });

  it('a changed byte in the compressed data that still inflates (caught by the CRC)', () => {
    // A stored block (level 0) inflates whatever its payload holds.
    const stored = u8(gzipSync(data, { level: 0 }));
    const bad = stored.slice();
    bad[5000]! ^= 0x20;
    const fflateOut = fflateGunzip(bad);
    expect(fflateOut.length).toBe(data.length);
    expect(Buffer.compare(Buffer.from(fflateOut), Buffer.from(data))).not.toBe(0); // the bug: wrong bytes, no error
    expect(() => zlibGunzip(bad)).toThrow(/incorrect data check/);
    expect(formatErrorOf(() => gunzipChecked(bad, 'x.gz')).message).toMatch(/CRC-32 mismatch/);
  });

  it('every truncation: each proper prefix of a two-member file is refused', () => {
    const first = member(text(700, 1), { hcrc: true, fname: 'n' });
    const two = cat(first, member(noiseBytes(300, 2)));
    for (let n = 0; n < two.length; n++) {
      if (n === first.length) continue; // member 1 alone is a whole gzip file
      const e = formatErrorOf(() => gunzipChecked(two.subarray(0, n), 'cut.gz'));
      expect(e.message, `prefix ${n}`).toMatch(/^cut\.gz: (truncated|not gzip)/);
    }
    expect(gunzipChecked(two, 'whole.gz').length).toBe(1000);
  });

  it('trailing garbage and zero padding after the last member, with their offset', () => {
    for (const tail of [Uint8Array.of(7), Uint8Array.of(1, 2, 3), noiseBytes(4, 9), noiseBytes(1000, 9), Uint8Array.of(0x1f, 0x8b, 8)]) {
      const e = formatErrorOf(() => gunzipChecked(cat(gz, tail), 'tail.gz'));
      expect(e.message, `tail ${tail.join(',')}`).toMatch(/tail\.gz: (\d+ bytes after gzip member 1 \(from byte \d+\) are not a gzip member \(trailing garbage\)|truncated: gzip member 2 \(at byte \d+\) ends inside its header)/);
    }
    const e1 = formatErrorOf(() => gunzipChecked(cat(gz, noiseBytes(1000, 9)), 'tail.gz'));
    expect(e1.message).toContain(`1000 bytes after gzip member 1 (from byte ${gz.length})`);
    for (const n of [1, 4, 512]) {
      const e = formatErrorOf(() => gunzipChecked(cat(gz, new Uint8Array(n)), 'pad.gz'));
      expect(e.message).toContain(`${n} zero bytes follow the last gzip member (from byte ${gz.length})`);
    }
  });

  it('bad headers: magic, method, reserved flags, FHCRC, a second member with a bad header', () => {
    expect(formatErrorOf(() => gunzipChecked(cat(Uint8Array.of(0x1f, 0x8c), gz.subarray(2)), 'm.gz')).message).toMatch(/m\.gz: not gzip/);
    const cm = gz.slice(); cm[2] = 7;
    expect(formatErrorOf(() => gunzipChecked(cm, 'm.gz')).message).toMatch(/gzip member 1 \(at byte 0\): compression method 7 is not deflate/);
    const reserved = member(data, { flg: 0x20 });
    expect(formatErrorOf(() => gunzipChecked(reserved, 'm.gz')).message).toMatch(/reserved header flag bits/);
    const hc = member(data, { hcrc: true, fname: 'abc' });
    hc[11]! ^= 1; // a byte of the name, covered by the header CRC-16
    expect(() => zlibGunzip(hc)).toThrow(/header crc mismatch/);
    expect(formatErrorOf(() => gunzipChecked(hc, 'm.gz')).message).toMatch(/gzip member 1 \(at byte 0\): header CRC-16 is 0x[0-9a-f]{4} but the header's bytes give/);
    const second = cat(gz, member(data, { flg: 0x40 }));
    expect(formatErrorOf(() => gunzipChecked(second, 'm.gz')).message).toContain(`gzip member 2 (at byte ${gz.length}): reserved header flag bits`);
  });

  it('maxOutputBytes stops a file that decompresses to more than allowed', () => {
    const bomb = u8(gzipSync(new Uint8Array(5_000_000)));
    expect(bomb.length).toBeLessThan(10_000);
    expect(formatErrorOf(() => gunzipChecked(bomb, 'bomb.gz', { maxOutputBytes: 1_000_000 })).message).toMatch(/more than maxOutputBytes = 1000000/);
    expect(gunzipChecked(bomb, 'bomb.gz', { maxOutputBytes: 5_000_000 }).length).toBe(5_000_000);
  });
});

describe('single-bit flips', () => {
  /** Every bit of `gz` flipped in turn: counts of [same output, FormatError]; any other outcome fails. */
  function flipAll(gz: Uint8Array, want: Uint8Array, label: string): { same: number; refused: number; fflateWrong: number } {
    let same = 0, refused = 0, fflateWrong = 0;
    const bad = gz.slice();
    for (let bit = 0; bit < 8 * gz.length; bit++) {
      const at = bit >> 3, mask = 1 << (bit & 7);
      bad[at]! ^= mask;
      let out: Uint8Array | undefined;
      try {
        out = gunzipChecked(bad, label);
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`${label}: bit ${bit} threw ${String(e)}`);
        expect(e.message.startsWith(`${label}: `)).toBe(true);
        refused++;
      }
      if (out) {
        if (Buffer.compare(Buffer.from(out), Buffer.from(want)) !== 0) throw new Error(`${label}: bit ${bit} (byte ${at}) gave different bytes without an error`);
        same++;
      }
      try {
        const f = fflateGunzip(bad);
        if (Buffer.compare(Buffer.from(f), Buffer.from(want)) !== 0) fflateWrong++;
      } catch { /* fflate refused it */ }
      bad[at]! ^= mask;
    }
    return { same, refused, fflateWrong };
  }

  it('in a few-hundred-byte gzip (all header fields): identical output or FormatError, never different bytes', () => {
    const data = text(900, 41);
    const gz = member(data, { hcrc: true, extra: Uint8Array.of(9, 9, 1, 0, 5), fname: 'flip.nii', comment: 'c' });
    expect(gz.length).toBeGreaterThan(150);
    expect(gz.length).toBeLessThan(500);
    const r = flipAll(gz, data, 'flip.gz');
    expect(r.same + r.refused).toBe(8 * gz.length);
    // With FHCRC every header bit is checked; only bits deflate ignores (padding) remain.
    expect(r.same).toBeLessThan(16);
    // fflate alone returns wrong bytes for many of these flips.
    expect(r.fflateWrong).toBeGreaterThan(100);
  });

  it('in a stored-block and a two-member gzip', () => {
    const a = noiseBytes(200, 42);
    const stored = u8(gzipSync(a, { level: 0 }));
    const r1 = flipAll(stored, a, 'stored.gz');
    expect(r1.same + r1.refused).toBe(8 * stored.length);
    // Unchecked bits that change nothing decoded: without FHCRC, MTIME (32), XFL (8), OS (8) and
    // FTEXT (1); in the stored block, the 5 padding bits after its 3-bit header and NLEN (16),
    // which fflate does not compare with LEN (the CRC still guards the data).
    expect(r1.same).toBeLessThanOrEqual(49 + 5 + 16);
    const b = text(300, 43);
    const two = cat(u8(gzipSync(a.subarray(0, 50))), u8(gzipSync(b)));
    const r2 = flipAll(two, cat(a.subarray(0, 50), b), 'two.gz');
    expect(r2.same + r2.refused).toBe(8 * two.length);
  });
});

describe('real samples', () => {
  it('ch2.nii.gz and Cranium.inv3 decode to exactly what node:zlib gives', () => {
    for (const rel of ['mri-colin27/ch2.nii.gz', 'mri-colin27/aal.nii.gz', 'Cranium.inv3']) {
      const gz = new Uint8Array(readFileSync(cached(rel)));
      const mine = gunzipChecked(gz, rel);
      expect(Buffer.compare(Buffer.from(mine), zlibGunzip(gz)), rel).toBe(0);
    }
  });
});
