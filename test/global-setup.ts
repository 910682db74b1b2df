/**
 * Before the tests: make sure the real samples are in the data cache, so `npm test` on a
 * fresh clone needs no other step. Seeds from `../shared/datasets` when that folder exists
 * (as CI does), otherwise runs `npm run fetch-data` (apt-get download of the Debian
 * packages). If neither works, the real-data tests fail and say what to run.
 *
 * Also gives the run its own temporary folder: TMPDIR points into it for the test workers and
 * everything they start (the CLI, the dev server, Chromium), and the teardown removes it. The
 * tests' caches, outputs and notebooks (a CLI cache of the CT is ~360 MB) would otherwise pile
 * up in /tmp run after run until the disk is full. A run killed before its teardown leaves its
 * folder behind; the next run removes such folders once they are a day old.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const RUN_PREFIX = 'voxbook-test-run-';
const LEFT_BEHIND_MS = 24 * 3600_000;

export default function setup(): () => void {
  fetchSamples();
  const parent = tmpdir();
  removeLeftBehind(parent);
  const runDir = mkdtempSync(join(parent, RUN_PREFIX));
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = runDir;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    rmSync(runDir, { recursive: true, force: true, maxRetries: 5 });
  };
}

function fetchSamples(): void {
  const cache = process.env['VOXBOOK_DATA'] ? resolve(process.env['VOXBOOK_DATA']) : join(ROOT, 'data');
  const needed = ['Cranium.inv3', 'ct-head-0051-dicom', 'mri-colin27/ch2.nii.gz', 'dicom-conformance/MR_truncated.dcm'];
  if (needed.every((p) => existsSync(join(cache, p)))) return;
  const shared = resolve(ROOT, '../shared/datasets');
  const args = ['--import', 'tsx', join(ROOT, 'datasets/fetch-data.ts'), ...(existsSync(shared) ? ['--from', shared] : [])];
  console.log(`[setup] sample data missing in ${cache}: fetching (${existsSync(shared) ? `from ${shared}` : 'apt-get download'})`);
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) console.warn('[setup] could not fetch the sample data; the tests that read it will fail (see above)');
}

/** Removes the temporary folders of earlier runs that ended without their teardown. */
function removeLeftBehind(parent: string): void {
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(RUN_PREFIX)) continue;
    const path = join(parent, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > LEFT_BEHIND_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another run's folder, removed under us or not ours to remove: leave it.
    }
  }
}
