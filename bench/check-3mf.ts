/**
 * PrusaSlicer as an outside judge of the writers (issue 14): `prusa-slicer --info` on the
 * skull files bench/mesh-formats.ts wrote to out/mesh-formats/ (3MF, binary and ASCII STL,
 * OBJ) and on a two-part 3MF of two tori, printing facets, manifold and volume per object.
 * Needs Debian's `prusa-slicer` (optional; `apt-get install prusa-slicer`); without it the
 * script says so and exits 0. Tests never depend on it. Writes bench/results/check-3mf.md.
 *
 *   node --import tsx bench/mesh-formats.ts && node --import tsx bench/check-3mf.ts
 */
import { execFileSync } from 'node:child_process';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encode3mf } from '../cells/io/threemf.ts';
import type { Mesh } from '../cells/core/mesh.ts';
import { torusGrid } from '../test/mesh-phantoms.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SLICER = '/usr/bin/prusa-slicer';
if (!existsSync(SLICER)) {
  console.log(`${SLICER} is not installed; nothing checked (apt-get install prusa-slicer to check)`);
  process.exit(0);
}

/** `prusa-slicer --info` lines that matter: facets, manifold, parts, volume. */
function info(file: string): string {
  const out = execFileSync(SLICER, ['--info', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => /^\[[^\]]+\]$|number_of_facets|manifold|volume|size_/.test(l)).map((l) => l.trim()).join('; ');
}

const torus = (Rr: number, r: number, u: number, v: number, dx: number): Mesh => torusGrid(Rr, r, u, v, [dx, 0, 0]);

const dir = mkdtempSync(join(tmpdir(), 'voxbook-3mf-'));
try {
  const two = join(dir, 'two-parts.3mf');
  writeFileSync(two, encode3mf([{ name: 'ring A', mesh: torus(20, 5, 64, 32, 0) }, { name: 'ring B', mesh: torus(10, 3, 48, 24, 50), color: '#4F86C6' }]));
  const lines: string[] = [];
  const say = (l: string): void => {
    console.log(l);
    lines.push(`- ${l}`);
  };
  say(`two tori (expect 2 objects, 4096 + 2304 facets, volumes 2π²Rr²·r² ≈ 9870 and 1777 mm³ less the faceting): ${info(two)}`);
  for (const f of ['bone.3mf', 'bone.stl', 'bone-ascii.stl', 'bone.obj']) {
    const p = join(ROOT, 'out/mesh-formats', f);
    say(existsSync(p) ? `${f}: ${info(p)}` : `${f}: missing; run bench/mesh-formats.ts first`);
  }
  const version = `prusa-slicer ${execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'prusa-slicer'], { encoding: 'utf8' }).trim()} (Debian)`;
  await writeFileAtomic(join(ROOT, 'bench/results/check-3mf.md'), `# PrusaSlicer's verdict on the writers\n\n\`node --import tsx bench/check-3mf.ts\` with ${version}, ${new Date().toISOString().slice(0, 16)} UTC:\n\n${lines.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
