/**
 * Before the tests: make sure the real samples are in the data cache, so `npm test` on a
 * fresh clone needs no other step. Seeds from `../shared/datasets` when that folder exists
 * (as CI does), otherwise runs `npm run fetch-data` (apt-get download of the Debian
 * packages). If neither works, the real-data tests fail and say what to run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

export default function setup(): void {
  const cache = process.env['VOXBOOK_DATA'] ? resolve(process.env['VOXBOOK_DATA']) : join(ROOT, 'data');
  const needed = ['Cranium.inv3', 'ct-head-0051-dicom', 'mri-colin27/ch2.nii.gz', 'dicom-conformance/MR_truncated.dcm'];
  if (needed.every((p) => existsSync(join(cache, p)))) return;
  const shared = resolve(ROOT, '../shared/datasets');
  const args = ['--import', 'tsx', join(ROOT, 'datasets/fetch-data.ts'), ...(existsSync(shared) ? ['--from', shared] : [])];
  console.log(`[setup] sample data missing in ${cache}: fetching (${existsSync(shared) ? `from ${shared}` : 'apt-get download'})`);
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) console.warn('[setup] could not fetch the sample data; the tests that read it will fail (see above)');
}
