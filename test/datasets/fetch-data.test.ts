/**
 * `npm run fetch-data` run as a user runs it: the package.json script in a child process,
 * with VOXBOOK_DATA pointed at a fresh temporary cache. The source of truth is the shared
 * copy of the samples (../shared/datasets, what CI seeds from). The apt-get download path
 * is never run here (it needs Debian's servers); only the no-apt fallback is. Which Debian
 * packages are installed is set by each test, not taken from the machine: VOXBOOK_SYSTEM_ROOT
 * points fetch-data at an empty folder (nothing installed) or at one holding the packages'
 * files (all installed).
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { SAMPLES, type Sample, type SampleItem } from '../../datasets/registry.ts';
import { loadVolume } from '../../cells/io/load.ts';

const execFileP = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
// The shared copy when it is beside the repo (developers, CI); otherwise the repo's own data
// cache, which test/global-setup.ts has filled by apt-get download (a user's clone).
const SHARED = existsSync(resolve(ROOT, '../shared/datasets')) ? resolve(ROOT, '../shared/datasets') : resolve(ROOT, 'data');
const TMP = mkdtempSync(join(tmpdir(), 'vb-fetch-data-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

// The command exactly as package.json runs it, with `node` being this Node.
const SCRIPT: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['fetch-data'];
const [SCRIPT_CMD, ...SCRIPT_ARGS] = SCRIPT.split(' ');

interface Run { code: number; stdout: string; stderr: string }

/** Runs `npm run fetch-data -- …args` (as the script's node command); never throws. */
async function fetchData(args: string[], env: Record<string, string>): Promise<Run> {
  expect(SCRIPT_CMD).toBe('node');
  try {
    const r = await execFileP(process.execPath, [...SCRIPT_ARGS, ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof err.code !== 'number') throw e; // could not start at all
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const newCache = (name: string) => join(TMP, name);
const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const isFolder = (it: SampleItem) => it.cachePath.endsWith('/');

/** Cache-relative paths of every file of a sample, as found in `root` (a folder laid out like the cache). */
function sampleFiles(s: Sample, root: string): string[] {
  return s.items.flatMap((it) => isFolder(it)
    ? readdirSync(join(root, it.cachePath)).filter((n) => !it.include || it.include.test(n)).sort().map((n) => it.cachePath + n)
    : [it.cachePath]);
}
const allFiles = (root: string) => SAMPLES.flatMap((s) => sampleFiles(s, root));

/** A folder laid out like `SHARED` made of per-file symbolic links (what `cp -rs` makes). */
function symlinkFarm(dir: string, keep: (rel: string) => boolean): void {
  for (const rel of allFiles(SHARED)) {
    if (!keep(rel)) continue;
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    symlinkSync(join(SHARED, rel), join(dir, rel));
  }
}

/** A bin folder holding only `node` (a link to this Node): no apt-get, no dpkg-deb, no shell. */
function nodeOnlyPath(): string {
  const bin = join(TMP, 'bin-node-only');
  if (!existsSync(bin)) {
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
  }
  return bin;
}

/** A system root on which no Debian package is installed (an empty folder). */
function bareSystemRoot(): string {
  const root = join(TMP, 'system-bare');
  mkdirSync(root, { recursive: true });
  return root;
}

/** A system root on which every sample's package is installed: its files linked where the package puts them. */
function installedSystemRoot(): string {
  const root = join(TMP, 'system-installed');
  if (existsSync(root)) return root;
  for (const s of SAMPLES.filter((x) => x.debianPackage)) {
    for (const it of s.items) {
      const at = join(root, it.packagePath!);
      if (!isFolder(it)) {
        mkdirSync(join(at, '..'), { recursive: true });
        symlinkSync(join(SHARED, it.cachePath), at);
        continue;
      }
      mkdirSync(at, { recursive: true });
      for (const rel of sampleFiles(s, SHARED).filter((r) => r.startsWith(it.cachePath))) symlinkSync(join(SHARED, rel), join(at, rel.slice(it.cachePath.length)));
      // A package holds more than the sample takes (pydicom's test_files has .py, .gz, …).
      writeFileSync(join(at, 'not-a-sample.py'), '# not taken\n');
    }
  }
  return root;
}

beforeAll(() => {
  expect(existsSync(join(SHARED, 'Cranium.inv3')), `the shared samples are missing: ${SHARED}`).toBe(true);
});

describe('fetch-data --from ../shared/datasets (how CI seeds the cache)', () => {
  const cache = newCache('from-shared');
  const env = { VOXBOOK_DATA: cache };
  let first: Run;
  let second: Run;
  type Stamp = { ino: number; mtimeMs: number; ctimeMs: number };
  const stamps = (): Map<string, Stamp> => new Map(allFiles(cache).map((rel) => {
    const st = statSync(join(cache, rel));
    return [rel, { ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs }];
  }));
  let afterFirst: Map<string, Stamp>;
  let afterSecond: Map<string, Stamp>;

  beforeAll(async () => {
    first = await fetchData(['--from', SHARED], env);
    afterFirst = stamps();
    second = await fetchData(['--from', SHARED], env);
    afterSecond = stamps();
  });

  it('exits 0 and copies every file of every registered sample', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(allFiles(cache)).toEqual(allFiles(SHARED));
    expect(sampleFiles(SAMPLES.find((s) => s.id === 'ct-head-0051-dicom')!, cache)).toHaveLength(108);
    expect(allFiles(cache).length).toBe(1 + 108 + 4 + 69);
    for (const s of SAMPLES) {
      expect(first.stdout).toContain(`${s.id}: ${sampleFiles(s, SHARED).length} copied`);
    }
  });

  it('copies byte-identical files: same size everywhere, same sha256 for the CT, a DICOM slice, the MRI and a conformance file', () => {
    for (const rel of allFiles(SHARED)) expect(statSync(join(cache, rel)).size, rel).toBe(statSync(join(SHARED, rel)).size);
    const dicom = readdirSync(join(SHARED, 'ct-head-0051-dicom')).sort()[17]!;
    for (const rel of ['Cranium.inv3', `ct-head-0051-dicom/${dicom}`, 'mri-colin27/ch2.nii.gz', 'mri-colin27/aal.nii.txt', 'dicom-conformance/CT_small.dcm', 'dicom-conformance/README.txt']) {
      expect(sha256(join(cache, rel)), rel).toBe(sha256(join(SHARED, rel)));
    }
    expect(sha256(join(cache, 'Cranium.inv3'))).not.toBe(sha256(join(cache, 'mri-colin27/ch2.nii.gz')));
  });

  it('writes README.md in the cache naming every sample with its licence', () => {
    const readme = readFileSync(join(cache, 'README.md'), 'utf8');
    expect(readme).toContain('Keep these licences');
    for (const s of SAMPLES) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${s.id}\` |`));
      expect(row, s.id).toBeDefined();
      expect(row).toContain(s.licence);
      expect(row).toContain(s.debianPackage ?? `derived from \`${s.derivedFrom!.id}\``);
    }
  });

  it('a second run exits 0, says every file is already there, and leaves the files untouched', () => {
    expect(second.code, second.stderr).toBe(0);
    for (const s of SAMPLES) {
      expect(second.stdout).toMatch(new RegExp(`${s.id}: 0 copied \\(0\\.0 MB\\), ${sampleFiles(s, SHARED).length} already there`));
    }
    // Not rewritten: same inode (a copy would be renamed into place), same mtime and ctime.
    expect(afterSecond.size).toBe(afterFirst.size);
    for (const [rel, st] of afterFirst) expect(afterSecond.get(rel), rel).toEqual(st);
  });

  it('copies a file again when the cached one no longer matches the source, and only that one', async () => {
    const rel = 'mri-colin27/aal.nii.txt';
    writeFileSync(join(cache, rel), 'edited by hand\n');
    const third = await fetchData(['--from', SHARED], env);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('mri-colin27: 1 copied');
    expect(third.stdout).toContain('ct-head-0051: 0 copied');
    expect(sha256(join(cache, rel))).toBe(sha256(join(SHARED, rel)));
  });
});

describe('fetch-data --from a folder that lacks part of the samples', () => {
  it('exits non-zero naming the missing sample and each of its files, and still copies the complete samples (given as symlinks)', async () => {
    const from = join(TMP, 'no-mri');
    symlinkFarm(from, (rel) => !rel.startsWith('mri-colin27/'));
    const cache = newCache('no-mri-cache');
    const r = await fetchData(['--from', from], { VOXBOOK_DATA: cache });
    expect(r.code).not.toBe(0);
    const problems = r.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ {2}- mri-colin27: missing/);
    for (const it of SAMPLES.find((s) => s.id === 'mri-colin27')!.items) expect(problems[0]).toContain(join(from, it.cachePath));
    // Everything that was there is in the cache, whole; nothing of the missing sample.
    expect(statSync(join(cache, 'Cranium.inv3')).size).toBe(statSync(join(SHARED, 'Cranium.inv3')).size);
    expect(readdirSync(join(cache, 'ct-head-0051-dicom'))).toHaveLength(108);
    expect(readdirSync(join(cache, 'dicom-conformance'))).toHaveLength(69);
    expect(existsSync(join(cache, 'mri-colin27'))).toBe(false);
  });

  it('refuses an incomplete DICOM series (107 of 108 slices), says so, and copies none of it', async () => {
    const from = join(TMP, 'short-series');
    const dropped = readdirSync(join(SHARED, 'ct-head-0051-dicom')).sort()[40]!;
    symlinkFarm(from, (rel) => rel !== `ct-head-0051-dicom/${dropped}`);
    const cache = newCache('short-series-cache');
    const r = await fetchData(['--from', from], { VOXBOOK_DATA: cache });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/- ct-head-0051-dicom: missing .*ct-head-0051-dicom\/? \(only 107 of its 108 files\)/);
    expect(r.stderr).not.toMatch(/- (ct-head-0051|mri-colin27|dicom-conformance):/);
    expect(existsSync(join(cache, 'ct-head-0051-dicom'))).toBe(false);
    expect(existsSync(join(cache, 'mri-colin27/aal.nii.txt'))).toBe(true);
  });

  it('exits non-zero when the --from folder does not exist, naming it', async () => {
    const from = join(TMP, 'no-such-folder');
    const r = await fetchData(['--from', from], { VOXBOOK_DATA: newCache('no-such-folder-cache') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`--from ${from}: no such folder`);
  });
});

describe('fetch-data without apt-get on PATH and without --from', () => {
  const packaged = SAMPLES.filter((s) => s.debianPackage);

  it('exits non-zero and says, for each sample, which Debian package and file to get and where in the cache it goes', async () => {
    // None of the packages installed (else their files are simply copied: next describe).
    const system = bareSystemRoot();
    expect(readdirSync(system)).toEqual([]);
    const cache = newCache('no-apt');
    const r = await fetchData([], { VOXBOOK_DATA: cache, PATH: nodeOnlyPath(), VOXBOOK_SYSTEM_ROOT: system });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('apt-get');
    expect(r.stderr).toContain('not available');
    const lines = r.stderr.split('\n');
    const headers = lines.map((l, i) => [l, i] as const).filter(([l]) => /^ {2}\S+ — /.test(l));
    expect(headers.map(([l]) => l.trim().split(' ')[0]).sort()).toEqual(SAMPLES.map((s) => s.id).sort());
    for (const s of SAMPLES) {
      const h = headers.findIndex(([l]) => l.startsWith(`  ${s.id} — `));
      const section = lines.slice(headers[h]![1], headers[h + 1]?.[1] ?? lines.length).join('\n');
      if (s.debianPackage) {
        expect(section).toContain(`package ${s.debianPackage}`);
        expect(section).toContain(`https://packages.debian.org/stable/all/${s.debianPackage}/download`);
        for (const it of s.items) {
          expect(section).toContain(`${it.packagePath}`);
          expect(section).toContain(`→ ${join(cache, it.cachePath)}`);
        }
      } else {
        expect(section).toContain('nothing to download');
        expect(section).toContain(`→ ${join(cache, s.items[0]!.cachePath)}`);
      }
    }
    // Nothing was fetched or half-written.
    expect(readdirSync(cache)).toEqual([]);
  });

  it('after the files are placed by hand, a re-run keeps them and writes the DICOM series from Cranium.inv3, same voxels as the shared series', async () => {
    const cache = newCache('by-hand');
    mkdirSync(cache);
    for (const s of packaged) for (const it of s.items) cpSync(join(SHARED, it.cachePath), join(cache, it.cachePath), { recursive: true });
    const r = await fetchData([], { VOXBOOK_DATA: cache, PATH: nodeOnlyPath(), VOXBOOK_SYSTEM_ROOT: bareSystemRoot() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('not available');
    for (const s of packaged) expect(r.stdout).toContain(`${s.id}: 0 copied (0.0 MB) from ${s.debianPackage}, ${sampleFiles(s, SHARED).length} already there`);
    expect(r.stdout).toContain('ct-head-0051-dicom: wrote 108 DICOM files from Cranium.inv3');
    const dir = join(cache, 'ct-head-0051-dicom');
    expect(readdirSync(dir).filter((n) => n.endsWith('.dcm'))).toHaveLength(108);
    const [mine, shared] = await Promise.all([loadVolume(dir), loadVolume(join(SHARED, 'ct-head-0051-dicom'))]);
    expect(mine.dims).toEqual([256, 256, 108]);
    expect(mine.spacingMm).toEqual(shared.spacingMm);
    expect(mine.originMm).toEqual(shared.originMm);
    expect(mine.originMm).toEqual(SAMPLES.find((s) => s.id === 'ct-head-0051-dicom')!.facts!.originMm);
    expect(Buffer.from(mine.data.buffer, mine.data.byteOffset, mine.data.byteLength)
      .equals(Buffer.from(shared.data.buffer, shared.data.byteOffset, shared.data.byteLength))).toBe(true);
  });
});

describe('fetch-data without apt-get, with the packages installed on the system', () => {
  it('copies every packaged file from where its package put it (only the files the sample takes), needing no download, and writes the DICOM series', async () => {
    const cache = newCache('installed');
    const r = await fetchData([], { VOXBOOK_DATA: cache, PATH: nodeOnlyPath(), VOXBOOK_SYSTEM_ROOT: installedSystemRoot() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('not available');
    for (const s of SAMPLES.filter((x) => x.debianPackage)) {
      const n = sampleFiles(s, SHARED).length;
      const mb = (sampleFiles(s, SHARED).reduce((sum, rel) => sum + statSync(join(SHARED, rel)).size, 0) / 1e6).toFixed(1);
      expect(r.stdout).toContain(`${s.id}: ${n} copied (${mb} MB) from ${s.debianPackage}, 0 already there`);
    }
    expect(r.stdout).toContain('ct-head-0051-dicom: wrote 108 DICOM files from Cranium.inv3');
    expect(allFiles(cache)).toEqual(allFiles(SHARED));
    expect(readdirSync(join(cache, 'dicom-conformance'))).toHaveLength(69);
    expect(existsSync(join(cache, 'dicom-conformance', 'not-a-sample.py'))).toBe(false);
    for (const rel of ['Cranium.inv3', 'mri-colin27/ch2.nii.gz', 'dicom-conformance/CT_small.dcm']) expect(sha256(join(cache, rel)), rel).toBe(sha256(join(SHARED, rel)));
  });
});

describe('fetch-data --help and bad arguments', () => {
  it('--help exits 0 and lists every option and every sample', async () => {
    const r = await fetchData(['--help'], { VOXBOOK_DATA: newCache('help') });
    expect(r.code, r.stderr).toBe(0);
    for (const opt of ['--from DIR', '--only', '--force', '--help', 'VOXBOOK_DATA', 'VOXBOOK_SYSTEM_ROOT']) expect(r.stdout).toContain(opt);
    for (const s of SAMPLES) expect(r.stdout).toContain(s.id);
    expect(existsSync(newCache('help'))).toBe(false);
  });

  it('an unknown option or sample exits non-zero and points to --help / the known ids', async () => {
    const bad = await fetchData(['--form', SHARED], { VOXBOOK_DATA: newCache('bad') });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown argument "--form"');
    expect(bad.stderr).toContain('--help');
    const only = await fetchData(['--from', SHARED, '--only', 'ct-head-9999'], { VOXBOOK_DATA: newCache('bad') });
    expect(only.code).not.toBe(0);
    expect(only.stderr).toContain('ct-head-9999');
    for (const s of SAMPLES) expect(only.stderr).toContain(s.id);
    expect(existsSync(newCache('bad'))).toBe(false);
  });
});
