/**
 * The scipy/skimage figures the segment tests compare with are committed in reference.json
 * (made by reference.py), so those tests run without Python. When Debian's /usr/bin/python3
 * has scikit-image, scipy and nibabel, this re-runs the script and checks the JSON is current.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cached } from '../helpers.ts';
import { here } from './helpers.ts';

const python = '/usr/bin/python3';
const hasPeers = existsSync(python) && (() => {
  try {
    execFileSync(python, ['-c', 'import skimage, scipy, nibabel'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('test/segment/reference.json', () => {
  it('names the library versions it came from', () => {
    const ref = JSON.parse(readFileSync(join(here, 'reference.json'), 'utf8')) as { versions: Record<string, string> };
    expect(Object.keys(ref.versions).sort()).toEqual(['numpy', 'scipy', 'skimage']);
  });
  it.runIf(hasPeers)('live: reference.py run now gives the committed JSON', () => {
    const data = dirname(cached('mri-colin27/ch2.nii.gz'));
    const fresh = execFileSync(python, [join(here, 'reference.py'), data, '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    expect(JSON.parse(fresh)).toEqual(JSON.parse(readFileSync(join(here, 'reference.json'), 'utf8')));
  }, 180_000);
});
