import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, voxbook, writeNotebook } from './helpers.ts';

const NB = `// %% id="p" tags=["parameters"]
const n = 3;
const flag = false;

// %% id="a"
n * 2
`;

describe('voxbook run -p', () => {
  for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    it(`refuses -p ${name}=1, listing the known parameters, and writes nothing`, async () => {
      const out = join(tempDir(), 'out');
      const r = await voxbook(['run', writeNotebook(NB), '--out', out, '-p', `${name}=1`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`unknown parameter "${name}"; the parameters cell defines: n, flag`);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('refuses a parameter given twice, as a usage error', async () => {
    const r = await voxbook(['run', writeNotebook(NB), '--out', tempDir(), '-p', 'n=1', '-p', 'n=2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('-p n is given twice ("1" and "2")');
  });

  for (const [value, why] of [['0x10', 'is not written in decimal'], [' 12 ', 'has spaces around it'], ['1e', 'is not a number'], ['Infinity', 'is not a finite number'], ['NaN', 'is not a finite number'], ['', 'is empty']]) {
    it(`refuses n=${JSON.stringify(value)} saying it ${why}`, async () => {
      const r = await voxbook(['run', writeNotebook(NB), '--out', tempDir(), '-p', `n=${value}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`parameter n: ${JSON.stringify(value)} ${why}`);
    });
  }

  it('accepts only true or false for a boolean', async () => {
    const r = await voxbook(['run', writeNotebook(NB), '--out', tempDir(), '-p', 'flag=1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('parameter flag: "1" is not true or false');
  });
});
