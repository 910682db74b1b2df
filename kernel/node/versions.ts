import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { librarySourceDigest } from './source-digest.ts';

/**
 * A dependency's version from its package.json. Found by walking up from its resolved entry
 * point: many packages do not export `./package.json`, so `require('x/package.json')` fails.
 */
function packageVersion(name: string): string | undefined {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve(name)));
    for (;;) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // no package.json here: keep walking up
      }
      const up = dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  } catch {
    return undefined;
  }
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Versions recorded in provenance and mixed into every cache key: Voxbook (its version and
 * `voxbook-source`, a digest of the library code cells run, so an edited stage never gets an
 * old result), Node, the libraries whose output we export, and `sample-data`, a digest of the
 * folder samples are read from (`$VOXBOOK_DATA` or data/), since a result made from one
 * folder's files must not be served for another's.
 */
export function runtimeVersions(): Record<string, string> {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; dependencies: Record<string, string> };
  const dataDir = resolve(process.env['VOXBOOK_DATA'] || join(REPO_ROOT, 'data'));
  const out: Record<string, string> = {
    voxbook: own.version,
    'voxbook-source': librarySourceDigest(REPO_ROOT),
    'sample-data': createHash('sha256').update(dataDir).digest('hex').slice(0, 8),
    node: process.versions.node,
  };
  for (const name of ['typescript', '@itk-wasm/dicom', 'nifti-reader-js', 'fflate', 'plist', 'fast-png', '@observablehq/plot']) {
    const v = packageVersion(name);
    if (v) out[name] = v;
  }
  return out;
}
