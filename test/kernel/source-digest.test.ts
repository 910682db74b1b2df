import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { librarySourceDigest } from '../../kernel/node/source-digest.ts';
import { runtimeVersions } from '../../kernel/node/versions.ts';

/** A tiny library tree: cells/, datasets/, index.ts. */
function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'vb-digest-'));
  mkdirSync(join(root, 'cells/mesh'), { recursive: true });
  mkdirSync(join(root, 'datasets'));
  writeFileSync(join(root, 'cells/mesh/smooth.ts'), 'export const passes = 20;\n');
  writeFileSync(join(root, 'datasets/index.ts'), 'export const sample = "ct";\n');
  writeFileSync(join(root, 'index.ts'), 'export * from "./cells/mesh/smooth.ts";\n');
  return root;
}

describe('librarySourceDigest: cache keys change with the library code', () => {
  it('is stable for the same files and changes when one byte of a stage, a new file or a rename changes', () => {
    const root = tree();
    const first = librarySourceDigest(root);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(librarySourceDigest(root)).toBe(first);
    writeFileSync(join(root, 'cells/mesh/smooth.ts'), 'export const passes = 21;\n');
    const edited = librarySourceDigest(root);
    expect(edited).not.toBe(first);
    writeFileSync(join(root, 'cells/mesh/decimate.ts'), '');
    const added = librarySourceDigest(root);
    expect(added).not.toBe(edited);
    // Files that are not code (notes, data) do not count.
    writeFileSync(join(root, 'cells/README.md'), 'notes');
    expect(librarySourceDigest(root)).toBe(added);
  });

  it('is in the run\'s versions (provenance and every cache key), with a digest of the sample folder', () => {
    const v = runtimeVersions();
    expect(v['voxbook-source']).toMatch(/^[0-9a-f]{16}$/);
    expect(v['sample-data']).toMatch(/^[0-9a-f]{8}$/);
    const before = process.env['VOXBOOK_DATA'];
    try {
      process.env['VOXBOOK_DATA'] = mkdtempSync(join(tmpdir(), 'vb-data-'));
      expect(runtimeVersions()['sample-data']).not.toBe(v['sample-data']);
    } finally {
      if (before === undefined) delete process.env['VOXBOOK_DATA'];
      else process.env['VOXBOOK_DATA'] = before;
    }
  });
});
