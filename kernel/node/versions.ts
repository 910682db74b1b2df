import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Versions recorded in provenance: Voxbook, Node, and the libraries whose output we export. */
export function runtimeVersions(): Record<string, string> {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; dependencies: Record<string, string> };
  const out: Record<string, string> = { voxbook: own.version, node: process.versions.node };
  for (const name of ['typescript', '@itk-wasm/dicom', 'nifti-reader-js', 'fflate']) {
    const v = packageVersion(name);
    if (v) out[name] = v;
  }
  return out;
}
