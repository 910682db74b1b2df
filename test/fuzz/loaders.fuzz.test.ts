/**
 * Loader fuzzing in `npm test` (issue 11): seeded byte flips, truncations, insertions and
 * structure-aware header edits (fields set to 0, −1, NaN, ±Inf, huge) over a small
 * NIfTI-1 (.nii and .nii.gz), a NIfTI-2 (.nii and .nii.gz), two DICOM CT slices and a
 * cut-down .inv3. Every outcome must be a Voxbook error naming the file, or a volume whose
 * geometry is valid and whose dims, spacing and voxels are what the mutated header
 * declares; for gzip inputs with a damaged stream, the original load or an error.
 * Oracle: test/fuzz/oracle.ts. Nightly size: `npm run fuzz` (test/fuzz/run.ts).
 *
 * About 40 s on the 2-core dev machine, most of it in GDCM (DICOM cases ~70 ms each).
 * A failing input lists its failure classes with one reproducible case each:
 *   npm run fuzz -- --repro <input>:<case seed>
 * Another seed for exploration: VOXBOOK_FUZZ_SEED=<n> npx vitest run test/fuzz
 */
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cached } from '../helpers.ts';
import { countsTable, failureClasses, failureLine, runCampaign, type CampaignResult } from './harness.ts';
import { buildSeeds, type Seed } from './seeds.ts';

const RUN_SEED = Number(process.env['VOXBOOK_FUZZ_SEED'] ?? 11);

/** Cases per input, sized to ~40 s in total (measured: NIfTI ~1–4 ms, .inv3 ~2 ms, DICOM ~55–80 ms a case). */
const CASES: Readonly<Record<string, number>> = {
  'nifti1.nii': 1500, 'nifti1.nii.gz': 1000, 'nifti2.nii': 1000, 'nifti2.nii.gz': 1000,
  'ct-slice.dcm': 150, 'CT_small.dcm': 150, 'cranium-cut.inv3': 1000,
};

let seeds: Seed[] = [];
let result: CampaignResult;

beforeAll(async () => {
  seeds = buildSeeds(dirname(dirname(cached('mri-colin27/ch2.nii.gz'))));
  result = await runCampaign({ seeds, cases: CASES, runSeed: RUN_SEED, timeoutMs: 10_000 });
  console.log(`loader fuzz, seed ${RUN_SEED}:\n${countsTable(result)}`);
}, 300_000);

describe('loader fuzz (seeded, bounded)', () => {
  it('the unmutated seed inputs load', () => {
    expect(result.seedErrors.map(([s, e]) => `${s}: ${e}`)).toEqual([]);
  });

  for (const input of Object.keys(CASES)) {
    it(`${input}: every mutation gives a typed error naming the file, or a load matching its header (gzip: the original or an error)`, () => {
      const counts = result.counts.get(input)!;
      expect(counts.identical + counts.valid + counts.refused + counts.FAILED).toBe(CASES[input]);
      const mine = result.failures.filter((f) => f.input === input);
      const summary = failureClasses(mine).map((c) => `  ${c.count}× ${c.failure}\n    e.g. ${failureLine(c.example)}`).join('\n');
      expect(mine.length, `${input}: ${mine.length} of ${CASES[input]} cases failed (seed ${RUN_SEED}), by class:\n${summary}`).toBe(0);
    });
  }

  it('no case allocated beyond the memory limit or hung (every case answered within 10 s)', () => {
    const bad = result.failures.filter((f) => f.failure?.startsWith('allocated') || f.failure?.startsWith('hang') || f.failure?.startsWith('crash'));
    expect(bad.map(failureLine)).toEqual([]);
  });
});
