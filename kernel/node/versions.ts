import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Versions recorded in provenance: Voxbook, Node, and the libraries whose output we export. */
export function runtimeVersions(): Record<string, string> {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; dependencies: Record<string, string> };
  const out: Record<string, string> = { voxbook: own.version, node: process.versions.node };
  for (const name of ['typescript', '@itk-wasm/dicom', 'nifti-reader-js', 'fflate', 'plist', 'fast-png', '@observablehq/plot']) {
    const v = packageVersion(name);
    if (v) out[name] = v;
  }
  return out;
}
