/**
 * zipDeflated (cells/io/zip.ts), the container of encode3mf: read back by fflate and by
 * Python's zipfile (the outside reader, with its CRC check), deterministic, and the 3MF
 * model text of ByteSink equal to the template-string text it replaced.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../cells/core/errors.ts';
import { ByteSink, formatFloat32 } from '../../cells/io/mesh-export.ts';
import { nativeDeflateRaw, zipDeflated } from '../../cells/io/zip.ts';
import { noiseBytes } from '../helpers.ts';

const enc = new TextEncoder();

describe('zipDeflated', () => {
  const big = noiseBytes(300_000, 5).map((b) => 97 + (b % 4)); // compressible: 4 letters
  const entries: Array<[string, Uint8Array]> = [['a.txt', enc.encode('hello zip\n')], ['dir/b.bin', big], ['crâne.xml', enc.encode('<x/>')], ['empty', new Uint8Array(0)]];

  it('uses Node\'s zlib here, and fflate reads every entry back byte for byte', () => {
    expect(nativeDeflateRaw()).toBeDefined();
    const zip = zipDeflated(entries, { level: 4, fallbackLevel: 3 });
    const back = unzipSync(zip);
    expect(Object.keys(back)).toEqual(entries.map(([n]) => n));
    for (const [n, b] of entries) expect(Buffer.compare(back[n]!, b)).toBe(0);
    expect(zip.length).toBeLessThan(big.length / 2); // deflated, not stored
  });

  it('gives the same bytes for the same entries (fixed 1980-01-01 timestamp)', () => {
    const a = zipDeflated(entries, { level: 4, fallbackLevel: 3 }), b = zipDeflated(entries, { level: 4, fallbackLevel: 3 });
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it('is read by Python\'s zipfile, CRC-32s checked, the UTF-8 name flagged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vb-zip-'));
    try {
      const file = join(dir, 't.zip');
      writeFileSync(file, zipDeflated(entries, { level: 4, fallbackLevel: 3 }));
      const out = execFileSync('/usr/bin/python3', ['-c', `import zipfile,json,sys; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps([z.testzip(), [[i.filename, i.date_time[0], i.compress_type, i.file_size] for i in z.infolist()]]))`, file], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual([null, entries.map(([n, b]) => [n, 1980, 8, b.length])]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses no entries and a repeated name', () => {
    expect(() => zipDeflated([], { level: 4, fallbackLevel: 3 })).toThrow(ParameterError);
    expect(() => zipDeflated([['a', big], ['a', big]], { level: 4, fallbackLevel: 3 })).toThrow(/repeated/);
  });
});

describe('ByteSink', () => {
  it('writes the same bytes as template strings through TextEncoder, numbers and UTF-8 included', () => {
    const floats = Float32Array.from([0, -0, 1, -1.5, 12.3, 1e-7, 3.4e38, -122.0215, 0.95703125, 123456.79, 1 / 3]);
    const uints = [0, 7, 9, 10, 99, 100, 65535, 1_000_000, 4_294_967_295];
    const s = new ByteSink(16); // grows
    let expected = '';
    for (const v of floats) { s.text('<v x="'); s.float32(v); s.text('"/>\n'); expected += `<v x="${formatFloat32(v)}"/>\n`; }
    for (const v of uints) { s.text(' t="'); s.uint(v); s.text('"'); expected += ` t="${v}"`; }
    s.text('crâne — ok'); expected += 'crâne — ok';
    expect(new TextDecoder().decode(s.bytes())).toBe(expected);
  });
});
