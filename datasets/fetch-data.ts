/**
 * `npm run fetch-data` — puts the real samples (datasets/registry.ts) into the data cache
 * (datasets/cache.ts: $VOXBOOK_DATA or <repo>/data/).
 *
 *   node --import tsx datasets/fetch-data.ts                 # apt-get download + dpkg-deb -x
 *   node --import tsx datasets/fetch-data.ts --from DIR      # copy from a folder laid out like the cache
 *   options: --only id[,id…]   --force (copy even if an identical-looking file is there)   --help
 *
 * Files are written atomically (temporary name, then rename), and a file already in the
 * cache with the source's size and modification time is left alone. Without --from, a
 * package is downloaded only for files that are neither installed on this system nor
 * already in the cache (so a second run, or one after placing the files by hand, needs no
 * network). `ct-head-0051-dicom` is not in any package: with --from it is copied; otherwise
 * it is written from the cached Cranium.inv3 (one uint16 CT slice per file,
 * RescaleIntercept −1024, shuffled names). Where apt is missing and something must be
 * downloaded, it says what to download and where each file goes, and exits 1.
 * Installed packages' files are looked for under $VOXBOOK_SYSTEM_ROOT if set (a folder laid
 * out like / — a chroot, a container's root, or in tests a folder standing for "nothing
 * installed"), else under /.
 * With --from, a sample is copied only if the folder holds all of it; otherwise it is
 * reported as missing (naming the paths) and nothing of it is copied.
 * Exits non-zero whenever something could not be put in place.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openInv3 } from '../cells/io/inv3.ts';
import { dataCacheDir } from './cache.ts';
import { SAMPLES, type Sample, type SampleItem } from './registry.ts';

interface Args { from?: string; only?: string[]; force: boolean; help: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { force: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const value = (v: string | undefined, name: string) => {
      if (v === undefined || v === '') fail(`${name} needs a value`);
      return v;
    };
    if (x === '--from') a.from = value(argv[++i], x);
    else if (x.startsWith('--from=')) a.from = value(x.slice(7), '--from');
    else if (x === '--only') a.only = value(argv[++i], x).split(',').filter(Boolean);
    else if (x.startsWith('--only=')) a.only = value(x.slice(7), '--only').split(',').filter(Boolean);
    else if (x === '--force') a.force = true;
    else if (x === '--help' || x === '-h') a.help = true;
    else fail(`unknown argument "${x}" (try --help)`);
  }
  return a;
}

function fail(message: string): never {
  console.error(`fetch-data: ${message}`);
  process.exit(1);
}

const log = (s: string) => console.log(`fetch-data: ${s}`);

// ---------------------------------------------------------------------------------------
// Copying

interface Counts { copied: number; kept: number; bytes: number }

/** Copies one file atomically unless an identical-looking one (size + mtime) is there. */
async function copyFileAtomic(src: string, dest: string, force: boolean, counts: Counts): Promise<void> {
  const st = await fs.stat(src);
  if (!force) {
    const dst = await fs.stat(dest).catch(() => undefined);
    if (dst && dst.size === st.size && Math.abs(dst.mtimeMs - st.mtimeMs) < 1) {
      counts.kept++;
      return;
    }
  }
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
  try {
    await fs.copyFile(src, tmp);
    await fs.chmod(tmp, 0o644);
    await fs.utimes(tmp, st.atime, st.mtime);
    await fs.rename(tmp, dest);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  counts.copied++;
  counts.bytes += st.size;
}

async function writeFileAtomic(dest: string, data: Uint8Array | string): Promise<void> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, dest);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

const isFolderItem = (item: SampleItem) => item.cachePath.endsWith('/');

/** The files (regular, or symbolic links to regular files) directly in `dir` that `item` takes, sorted. */
async function folderFiles(dir: string, item: SampleItem): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const e of entries) {
    if (item.include && !item.include.test(e.name)) continue;
    if (e.isFile() || (e.isSymbolicLink() && (await isFile(path.join(dir, e.name))))) names.push(e.name);
  }
  return names.sort();
}

/**
 * What of `item` is missing at `p` (a file, or a folder for folder items), or undefined
 * if it is all there: a folder item needs at least one file, and `item.files` if given.
 */
async function whatIsMissing(p: string, item: SampleItem): Promise<string | undefined> {
  if (!isFolderItem(item)) return (await isFile(p)) ? undefined : p;
  if (!(await isDir(p))) return p;
  const n = (await folderFiles(p, item)).length;
  if (n === 0) return `${p} (no files${item.include ? ` matching ${item.include}` : ''} in it)`;
  if (item.files !== undefined && n < item.files) return `${p} (only ${n} of its ${item.files} files)`;
  return undefined;
}

/** Copies an item (file, or the matching files of a folder) from `src`. */
async function copyItem(src: string, item: SampleItem, cache: string, force: boolean, counts: Counts): Promise<void> {
  const dest = path.join(cache, item.cachePath);
  if (!isFolderItem(item)) {
    await copyFileAtomic(src, dest, force, counts);
    return;
  }
  const missing = await whatIsMissing(src, item);
  if (missing) throw new Error(`${missing} is missing`);
  for (const n of await folderFiles(src, item)) await copyFileAtomic(path.join(src, n), path.join(dest, n), force, counts);
}

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isFile(), () => false);
}

async function isDir(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false);
}

/** Whether `p` (a file, or a folder for folder items) exists on this system. */
async function exists(p: string, item: SampleItem): Promise<boolean> {
  return isFolderItem(item) ? isDir(p) : isFile(p);
}

// ---------------------------------------------------------------------------------------
// Sources

/** --from DIR: the folder is laid out like the cache. */
async function seedFrom(dir: string, samples: readonly Sample[], cache: string, force: boolean): Promise<string[]> {
  const problems: string[] = [];
  if (!(await isDir(dir))) fail(`--from ${dir}: no such folder`);
  for (const s of samples) {
    const counts: Counts = { copied: 0, kept: 0, bytes: 0 };
    // All of a sample or none of it: check every item before copying any.
    const missing: string[] = [];
    for (const it of s.items) {
      const m = await whatIsMissing(path.join(dir, it.cachePath), it);
      if (m) missing.push(m);
    }
    if (missing.length > 0) {
      problems.push(`${s.id}: missing from ${dir}: ${missing.join(', ')}`);
      continue;
    }
    try {
      for (const it of s.items) await copyItem(path.join(dir, it.cachePath), it, cache, force, counts);
      log(`${s.id}: ${counts.copied} copied (${(counts.bytes / 1e6).toFixed(1)} MB), ${counts.kept} already there`);
    } catch (e) {
      problems.push(`${s.id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}

/** Whether an executable `cmd` is on $PATH (no shell needed). */
function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      accessSync(p, fsConstants.X_OK);
      if (statSync(p).isFile()) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** The root under which installed packages' files are looked for: $VOXBOOK_SYSTEM_ROOT, else /. */
function systemRoot(): string {
  const r = process.env['VOXBOOK_SYSTEM_ROOT'];
  return r ? path.resolve(r) : '/';
}

/** Where `item`'s file (or folder) would be if its package were installed on this system. */
function installedPath(item: SampleItem): string {
  return path.join(systemRoot(), item.packagePath!);
}

/**
 * Whether `item` must come from a download: it is not installed on this system, and not
 * already complete in the cache (or --force asks to replace it).
 */
async function needsDownload(item: SampleItem, cache: string, force: boolean): Promise<boolean> {
  if (await exists(installedPath(item), item)) return false;
  return force || (await whatIsMissing(path.join(cache, item.cachePath), item)) !== undefined;
}

/**
 * apt-get download + dpkg-deb -x; files installed on this system are copied directly, and
 * files already in the cache are kept unless `force`.
 */
async function fetchWithApt(samples: readonly Sample[], cache: string, force: boolean): Promise<string[]> {
  const problems: string[] = [];
  const tmp = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'voxbook-fetch-'));
  const extracted = new Map<string, string>();
  try {
    for (const s of samples) {
      if (!s.debianPackage) continue;
      const counts: Counts = { copied: 0, kept: 0, bytes: 0 };
      try {
        for (const it of s.items) {
          let root = systemRoot();
          if (!(await exists(installedPath(it), it))) {
            if (!(await needsDownload(it, cache, force))) {
              counts.kept += isFolderItem(it) ? (await folderFiles(path.join(cache, it.cachePath), it)).length : 1;
              continue;
            }
            root = extracted.get(s.debianPackage) ?? (await downloadAndExtract(s.debianPackage, tmp));
            extracted.set(s.debianPackage, root);
          }
          const src = path.join(root, it.packagePath!);
          if (!(await exists(src, it))) throw new Error(`${it.packagePath} is not in package ${s.debianPackage} (has the package changed?)`);
          await copyItem(src, it, cache, force, counts);
        }
        log(`${s.id}: ${counts.copied} copied (${(counts.bytes / 1e6).toFixed(1)} MB) from ${s.debianPackage}, ${counts.kept} already there`);
      } catch (e) {
        problems.push(`${s.id}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return problems;
}

async function downloadAndExtract(pkg: string, tmp: string): Promise<string> {
  log(`apt-get download ${pkg} …`);
  const dl = spawnSync('apt-get', ['download', pkg], { cwd: tmp, encoding: 'utf8' });
  if (dl.status !== 0) {
    throw new Error(`apt-get download ${pkg} failed (exit ${dl.status}): ${(dl.stderr || dl.stdout || '').trim().split('\n').filter((l) => !l.startsWith('W:')).join(' ') || 'no output'}; try \`sudo apt-get update\` first`);
  }
  const deb = (await fs.readdir(tmp)).find((n) => n.startsWith(`${pkg}_`) && n.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${tmp}`);
  const root = path.join(tmp, `${pkg}-root`);
  await fs.mkdir(root);
  const x = spawnSync('dpkg-deb', ['-x', path.join(tmp, deb), root], { encoding: 'utf8' });
  if (x.status !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${(x.stderr || '').trim()}`);
  return root;
}

/** What to download by hand and where to put it: for `toDownload`, and a note for each derived sample in `samples`. */
function manualInstructions(toDownload: readonly Sample[], samples: readonly Sample[], cache: string): string {
  const missing = ['apt-get', 'dpkg-deb'].filter((c) => !onPath(c)).join(' and ');
  const lines = [
    `${missing} ${missing.includes(' and ') ? 'are' : 'is'} not available here, so the samples cannot be downloaded automatically.`,
    'Download these Debian packages (any recent release; from https://packages.debian.org/<package>),',
    'unpack each (`ar x pkg.deb && tar xf data.tar.xz`, or 7-Zip), and copy the files as listed:',
    '',
  ];
  for (const s of toDownload) {
    if (!s.debianPackage) continue;
    lines.push(`  ${s.id} — package ${s.debianPackage} (https://packages.debian.org/stable/all/${s.debianPackage}/download), ${s.licence}`);
    for (const it of s.items) {
      const what = isFolderItem(it) ? `the files in ${it.packagePath}${it.include ? ` matching ${it.include}` : ''}` : it.packagePath;
      lines.push(`    ${what}\n      → ${path.join(cache, it.cachePath)}`);
    }
  }
  for (const s of samples) {
    if (s.debianPackage) continue;
    lines.push(`  ${s.id} — nothing to download: fetch-data writes it from sample ${s.derivedFrom?.id ?? '?'}\n      → ${path.join(cache, s.items[0]!.cachePath)}`);
  }
  lines.push('', 'Then run `npm run fetch-data` again (it keeps what is in the cache and writes the derived samples), or use --from DIR with a folder laid out like the cache.');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// ct-head-0051-dicom, derived from Cranium.inv3: a plain DICOM writer (PS3.10 file,
// explicit VR little endian, CT Image Storage), enough for GDCM/ITK and pydicom.

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const LONG = new Set(['OB', 'OW', 'SQ', 'UN', 'UT', 'UC', 'UR']);

function uidFrom(seed: string): string {
  // 2.25.<integer>: a UUID-style UID (PS3.5 §B.2) from 128 bits of a hash.
  const h = createHash('sha256').update(seed).digest();
  return `2.25.${BigInt(`0x${h.subarray(0, 16).toString('hex')}`).toString()}`;
}

function ds(x: number): string {
  const s = String(Number(x.toPrecision(10)));
  if (s.length > 16) throw new Error(`DS value ${x} does not fit 16 characters`);
  return s;
}

class DicomWriter {
  private parts: Uint8Array[] = [];
  private length = 0;
  constructor(private readonly little = true) {}
  private push(b: Uint8Array): void { this.parts.push(b); this.length += b.length; }
  element(group: number, elem: number, vr: string, value: Uint8Array | string | number | readonly number[]): void {
    let bytes: Uint8Array;
    if (typeof value === 'string') {
      const pad = vr === 'UI' || vr === 'OB' ? '\0' : ' ';
      bytes = new TextEncoder().encode(value.length % 2 ? value + pad : value);
    } else if (typeof value === 'number' || Array.isArray(value)) {
      const vals = typeof value === 'number' ? [value] : (value as readonly number[]);
      const size = vr === 'UL' ? 4 : 2;
      bytes = new Uint8Array(vals.length * size);
      const dv = new DataView(bytes.buffer);
      vals.forEach((v, i) => (size === 4 ? dv.setUint32(i * size, v, this.little) : dv.setUint16(i * size, v, this.little)));
    } else {
      bytes = value as Uint8Array;
    }
    const long = LONG.has(vr);
    const head = new Uint8Array(long ? 12 : 8);
    const dv = new DataView(head.buffer);
    dv.setUint16(0, group, true);
    dv.setUint16(2, elem, true);
    head[4] = vr.charCodeAt(0);
    head[5] = vr.charCodeAt(1);
    if (long) dv.setUint32(8, bytes.length, true);
    else dv.setUint16(6, bytes.length, true);
    this.push(head);
    this.push(bytes);
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

/** Writes the CT of an .inv3 as a DICOM series into `dir` (files IMG0000.dcm … in shuffled order). */
export async function writeDicomSeriesFromInv3(inv3Path: string, dir: string): Promise<number> {
  const bytes = new Uint8Array(await fs.readFile(inv3Path));
  const project = openInv3(bytes, inv3Path);
  const v = project.volume();
  const [nx, ny, nz] = v.dims;
  const seed = createHash('sha256').update(bytes).digest('hex');
  const study = uidFrom(`${seed}/study`), series = uidFrom(`${seed}/series`), frame = uidFrom(`${seed}/frame`);
  // Deterministic shuffle of file names (so readers must sort by position).
  const order = Array.from({ length: nz }, (_, k) => k);
  let state = parseInt(seed.slice(0, 8), 16) >>> 0;
  for (let i = nz - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  await fs.mkdir(dir, { recursive: true });
  for (let k = 0; k < nz; k++) {
    const sop = uidFrom(`${seed}/slice/${k}`);
    const pixels = new Uint8Array(2 * nx * ny);
    const pv = new DataView(pixels.buffer);
    const base = k * nx * ny;
    for (let p = 0; p < nx * ny; p++) {
      const stored = v.data[base + p]! + 1024;
      if (stored < 0 || stored > 4095) throw new Error(`${inv3Path}: value ${stored - 1024} HU does not fit 12 stored bits with intercept −1024`);
      pv.setUint16(2 * p, stored, true);
    }
    const ds_ = new DicomWriter();
    ds_.element(0x0008, 0x0016, 'UI', CT_IMAGE_STORAGE);
    ds_.element(0x0008, 0x0018, 'UI', sop);
    ds_.element(0x0008, 0x0060, 'CS', 'CT');
    ds_.element(0x0008, 0x103e, 'LO', 'ct-head-0051 from Cranium.inv3');
    ds_.element(0x0010, 0x0010, 'PN', 'ProMED CT 0051');
    ds_.element(0x0010, 0x0020, 'LO', 'ct-head-0051');
    ds_.element(0x0018, 0x0050, 'DS', ds(v.spacingMm[2]));
    ds_.element(0x0020, 0x000d, 'UI', study);
    ds_.element(0x0020, 0x000e, 'UI', series);
    ds_.element(0x0020, 0x0013, 'IS', String(k + 1));
    // Positions to 0.1 µm, as in the shared copy of this series (and the registry's originMm).
    ds_.element(0x0020, 0x0032, 'DS', [v.originMm[0], v.originMm[1], v.originMm[2] + k * v.spacingMm[2]].map((x) => ds(Number(x.toFixed(4)))).join('\\'));
    ds_.element(0x0020, 0x0037, 'DS', '1\\0\\0\\0\\1\\0');
    ds_.element(0x0020, 0x0052, 'UI', frame);
    ds_.element(0x0028, 0x0002, 'US', 1);
    ds_.element(0x0028, 0x0004, 'CS', 'MONOCHROME2');
    ds_.element(0x0028, 0x0010, 'US', ny);
    ds_.element(0x0028, 0x0011, 'US', nx);
    ds_.element(0x0028, 0x0030, 'DS', `${ds(v.spacingMm[1])}\\${ds(v.spacingMm[0])}`);
    ds_.element(0x0028, 0x0100, 'US', 16);
    ds_.element(0x0028, 0x0101, 'US', 12);
    ds_.element(0x0028, 0x0102, 'US', 11);
    ds_.element(0x0028, 0x0103, 'US', 0);
    ds_.element(0x0028, 0x1052, 'DS', '-1024');
    ds_.element(0x0028, 0x1053, 'DS', '1');
    ds_.element(0x0028, 0x1054, 'LO', 'HU');
    ds_.element(0x7fe0, 0x0010, 'OW', pixels);

    const meta = new DicomWriter();
    meta.element(0x0002, 0x0001, 'OB', new Uint8Array([0, 1]));
    meta.element(0x0002, 0x0002, 'UI', CT_IMAGE_STORAGE);
    meta.element(0x0002, 0x0003, 'UI', sop);
    meta.element(0x0002, 0x0010, 'UI', EXPLICIT_LE);
    meta.element(0x0002, 0x0012, 'UI', uidFrom('voxbook fetch-data dicom writer'));
    const metaBytes = meta.bytes();
    const groupLength = new DicomWriter();
    groupLength.element(0x0002, 0x0000, 'UL', metaBytes.length);

    const head = new Uint8Array(132);
    head.set(new TextEncoder().encode('DICM'), 128);
    const parts = [head, groupLength.bytes(), metaBytes, ds_.bytes()];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    await writeFileAtomic(path.join(dir, `IMG${String(order[k]).padStart(4, '0')}.dcm`), out);
  }
  return nz;
}

async function deriveDicom(sample: Sample, cache: string, force: boolean): Promise<string[]> {
  const inv3 = path.join(cache, 'Cranium.inv3');
  const item = sample.items[0]!;
  const dir = path.join(cache, item.cachePath);
  if (!force && (await whatIsMissing(dir, item)) === undefined) {
    log(`${sample.id}: ${(await folderFiles(dir, item)).length} files already there`);
    return [];
  }
  if (!(await isFile(inv3))) return [`${sample.id}: needs ${inv3} (sample ct-head-0051) first`];
  try {
    const n = await writeDicomSeriesFromInv3(inv3, dir);
    log(`ct-head-0051-dicom: wrote ${n} DICOM files from Cranium.inv3`);
    return [];
  } catch (e) {
    return [`ct-head-0051-dicom: ${e instanceof Error ? e.message : String(e)}`];
  }
}

// ---------------------------------------------------------------------------------------

function licenceNotes(samples: readonly Sample[]): string {
  const rows = samples.map((s) => `| \`${s.id}\` | ${s.items.map((i) => `\`${i.cachePath}\``).join(', ')} | ${s.debianPackage ?? `derived from \`${s.derivedFrom?.id}\``} | ${s.licence} |`);
  return [
    '# Voxbook sample cache',
    '',
    'Written by `npm run fetch-data`. Keep these licences with any copy.',
    '',
    '| sample | files | Debian package | licence |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log([
      'usage: npm run fetch-data [-- OPTIONS]',
      '       node --import tsx datasets/fetch-data.ts [OPTIONS]',
      '',
      `Puts the sample data into the cache: $VOXBOOK_DATA if set, else <repo>/data (now ${await dataCacheDir()}).`,
      'Without --from, each package is fetched with `apt-get download`; files installed on this',
      'system or already in the cache are used as they are. Without apt it says what to download.',
      'Installed packages are looked for under $VOXBOOK_SYSTEM_ROOT if set, else under /.',
      '',
      'options:',
      '  --from DIR        copy from DIR, a folder laid out like the cache (e.g. ../shared/datasets)',
      '  --only ID[,ID…]   only these samples (default: all)',
      '  --force           copy or download even files that look up to date',
      '  -h, --help        show this help',
      '',
      'samples:',
      ...SAMPLES.map((s) => `  ${s.id.padEnd(20)} ${s.debianPackage ? `(${s.debianPackage})` : `(derived from ${s.derivedFrom?.id})`} ${s.description}`),
    ].join('\n'));
    return;
  }
  let samples = SAMPLES;
  if (args.only) {
    const unknown = args.only.filter((id) => !SAMPLES.some((s) => s.id === id));
    if (unknown.length) fail(`unknown sample${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${SAMPLES.map((s) => s.id).join(', ')}`);
    samples = SAMPLES.filter((s) => args.only!.includes(s.id));
  }
  const cache = await dataCacheDir();
  await fs.mkdir(cache, { recursive: true });
  const t0 = performance.now();
  log(`cache: ${cache}`);

  let problems: string[];
  if (args.from !== undefined) {
    problems = await seedFrom(path.resolve(args.from), samples, cache, args.force);
  } else {
    const packaged = samples.filter((s) => s.debianPackage);
    const toDownload: Sample[] = [];
    for (const s of packaged) {
      for (const it of s.items) {
        if (await needsDownload(it, cache, args.force)) {
          toDownload.push(s);
          break;
        }
      }
    }
    if (toDownload.length > 0 && !(onPath('apt-get') && onPath('dpkg-deb'))) {
      console.error(manualInstructions(toDownload, samples, cache));
      process.exit(1);
    }
    problems = await fetchWithApt(packaged, cache, args.force);
    const dicom = samples.find((s) => s.id === 'ct-head-0051-dicom');
    if (dicom) problems.push(...(await deriveDicom(dicom, cache, args.force)));
  }
  await writeFileAtomic(path.join(cache, 'README.md'), licenceNotes(SAMPLES));
  if (problems.length > 0) {
    console.error(`fetch-data: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// Run only as a script, not when imported (e.g. by a test using writeDicomSeriesFromInv3).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
