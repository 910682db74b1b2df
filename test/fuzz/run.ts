/**
 * `npm run fuzz`: the loader fuzz corpus at nightly size (20,000 cases by default), the
 * same harness and oracle as test/fuzz/loaders.fuzz.test.ts. Prints the counts per input
 * and the failure classes, writes them to bench/results/fuzz.md, exits 1 on any failure.
 *
 *   npm run fuzz                              20,000 cases, seed 1
 *   npm run fuzz -- --cases 2000 --seed 7     fewer cases, another seed
 *   npm run fuzz -- --input ct-slice.dcm      one input only
 *   npm run fuzz -- --repro nifti1.nii:89f5432e [--write /tmp/case.nii]
 *                                             one case in this process: mutation and verdict
 *
 * Cases are spread over the inputs in fixed shares (DICOM cases cost ~70 ms each in
 * GDCM, NIfTI and .inv3 cases ~1–4 ms), see SHARES.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataCacheDir } from '../../datasets/cache.ts';
import { CaseRunner, countsTable, failureClasses, failureLine, runCampaign, type CampaignResult } from './harness.ts';
import { mutate } from './mutators.ts';
import { buildSeeds } from './seeds.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Share of the cases per input (sums to 1). */
export const SHARES: Readonly<Record<string, number>> = {
  'nifti1.nii': 0.2, 'nifti1.nii.gz': 0.2, 'nifti2.nii': 0.15, 'nifti2.nii.gz': 0.15,
  'ct-slice.dcm': 0.025, 'CT_small.dcm': 0.025, 'cranium-cut.inv3': 0.25,
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function report(r: CampaignResult, total: number): string {
  const classes = failureClasses(r.failures);
  const lines = [
    '# Loader fuzz corpus (`npm run fuzz`)',
    '',
    `Run ${new Date().toISOString()}, seed ${r.runSeed}, ${total} cases in ${(r.ms / 1000).toFixed(1)} s (one child process; per-case limit 10 s, 1 GB).`,
    'Oracle: a Voxbook error naming the file, or a volume whose geometry is valid, whose dims, spacing and voxels are what the mutated header declares (or that carries a warning where the header is invalid), and, for a damaged gzip stream, identical to the original load. See test/fuzz/oracle.ts.',
    '',
    countsTable(r),
    '',
  ];
  if (r.seedErrors.length) {
    lines.push('Seeds that do not load unmutated:', '', ...r.seedErrors.map(([s, e]) => `- ${s}: ${e}`), '');
  }
  if (classes.length) {
    lines.push('## Failure classes', '', '| cases | class | inputs | example (repro with `npm run fuzz -- --repro input:seed`) |', '|---:|---|---|---|');
    for (const c of classes) lines.push(`| ${c.count} | ${c.failure.replace(/\|/g, '\\|')} | ${c.inputs.join(', ')} | \`${c.example.input}:${c.example.caseSeed}\` ${c.example.mutation.replace(/\|/g, '\\|')} → ${c.example.detail.slice(0, 200).replace(/\|/g, '\\|')} |`);
    lines.push('');
  } else lines.push('No failures.', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const seeds = buildSeeds(await dataCacheDir());
  const repro = arg('repro');
  if (repro) {
    const [input, hex] = repro.split(':');
    const seed = seeds.find((s) => s.name === input);
    if (!seed || !hex || !/^[0-9a-f]{1,8}$/i.test(hex)) throw new Error(`--repro wants input:seed, input one of ${seeds.map((s) => s.name).join(', ')}`);
    const caseSeed = parseInt(hex, 16);
    const m = mutate(seed, caseSeed);
    const write = arg('write');
    if (write) writeFileSync(write, m.bytes);
    const runner = new CaseRunner(seeds);
    await runner.init();
    const r = await runner.run(input!, 0, caseSeed);
    runner.dispose();
    console.log(JSON.stringify({ ...r, bytes: m.bytes.length, ...(write ? { written: write } : {}) }, null, 2));
    process.exitCode = r.category === 'FAILED' ? 1 : 0;
    return;
  }
  const total = Number(arg('cases') ?? 20_000);
  const runSeed = Number(arg('seed') ?? 1);
  const only = arg('input');
  const chosen = only ? seeds.filter((s) => s.name === only) : seeds;
  if (!chosen.length) throw new Error(`no input ${only}`);
  const cases: Record<string, number> = {};
  for (const s of chosen) cases[s.name] = only ? total : Math.max(1, Math.round(total * (SHARES[s.name] ?? 0.1)));
  const n = Object.values(cases).reduce((a, b) => a + b, 0);
  let done = 0;
  const r = await runCampaign({
    seeds: chosen, cases, runSeed, timeoutMs: 10_000,
    onResult: () => {
      done++;
      if (done % 1000 === 0) process.stderr.write(`  ${done}/${n} cases\n`);
    },
  });
  const md = report(r, n);
  console.log(md);
  for (const f of r.failures.slice(0, 40)) console.log(failureLine(f));
  if (r.failures.length > 40) console.log(`… and ${r.failures.length - 40} more failing cases`);
  const out = arg('out') ?? join(ROOT, 'bench/results/fuzz.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, md);
  console.log(`\nwritten to ${out}`);
  process.exitCode = r.failures.length || r.seedErrors.length ? 1 : 0;
}

await main();
