import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, voxbook, writeNotebook } from './helpers.ts';

const SPIN = `// %% id="a"\nconst x = 1;\n\n// %% id="spin"\nwhile (x > 0) {}\n`;
const NEVER = `// %% id="a"\nconst x = 1;\n\n// %% id="wait"\nawait new Promise(() => {});\n`;

describe('voxbook run --timeout', () => {
  for (const [what, nb, cell] of [['a `while (true) {}`', SPIN, 'spin'], ['a promise that never settles', NEVER, 'wait']] as const) {
    it(`stops ${what} after the limit, names the cell and its time, exits 1 and writes nothing`, async () => {
      const out = join(tempDir(), 'out');
      const r = await voxbook(['run', writeNotebook(nb), '--out', out, '--timeout', '1'], { killAfterMs: 45_000 });
      expect(r.signal, 'the CLI hung and was killed').toBe(null);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`cell "${cell}" ran longer than --timeout 1 s \\(stopped after 1\\.\\d s\\); the kernel was stopped; nothing was written`));
      // The stop itself is timed by the message above (1.x s); the bound covers process and
      // worker start-up, which takes 2–3 s alone and up to 15 s beside the browser tests.
      expect(r.ms).toBeLessThan(30_000);
      expect(existsSync(out)).toBe(false);
    }, 60_000);
  }

  it('refuses a limit that is not a positive number of seconds', async () => {
    for (const bad of ['0', 'abc', '-1', '1e3']) {
      const r = await voxbook(['run', writeNotebook(SPIN), '--timeout', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('--timeout needs a number of seconds greater than 0');
    }
  });
});

describe('voxbook run stopped by Ctrl-C', () => {
  it('announces a cell running over 2 s, and on SIGINT names it with its time and exits 130', async () => {
    const out = join(tempDir(), 'out');
    let sent = false;
    const r = await voxbook(['run', writeNotebook(SPIN), '--out', out], {
      killAfterMs: 20_000,
      onStdout: (all, child) => {
        if (!sent && /… spin +running/.test(all)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.signal).toBe(null);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted: cell "spin" was running \(for 2\.\d s\); the kernel was stopped; nothing was written/);
    expect(existsSync(out)).toBe(false);
  }, 30_000);
});

describe('voxbook run: what a cell cannot do silently', () => {
  it('makes process.exit() an error of the cell that called it', async () => {
    const r = await voxbook(['run', writeNotebook(`// %% id="a"\nconst x = 1;\n\n// %% id="quit"\nconst y = x + 1;\nprocess.exit(3);\n`), '--out', tempDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cell "quit" (line 2 of the cell): ProcessExitError: cells may not call process.exit() (it was called with 3); throw an Error to fail the cell');
  });

  it('names the running cell when the kernel worker exits under it', async () => {
    const r = await voxbook(['run', writeNotebook(`// %% id="a"\nconst x = 1;\n\n// %% id="bye"\n(process as any).reallyExit(5);\n`), '--out', tempDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the kernel worker exited \(code 5\) while cell "bye" was running/);
  });

  it('shows thrown values that are not Errors as what they are', async () => {
    const r = await voxbook(['run', writeNotebook(`// %% id="n"\nthrow 42;\n\n// %% id="o"\nthrow { code: 1 };\n\n// %% id="z"\nthrow null;\n\n// %% id="t"\nthrow 'text';\n`), '--out', tempDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cell "n": Uncaught value (number): 42');
    expect(r.stderr).toContain('cell "o": Uncaught value (object): {"code":1}');
    expect(r.stderr).toContain('cell "z": Uncaught value (null): null');
    expect(r.stderr).toContain('cell "t": Uncaught value (string): "text"');
    expect(r.stderr).not.toContain('[object Object]');
  });

  it('fails the cell that left a rejected promise unawaited, with its line', async () => {
    const r = await voxbook(['run', writeNotebook(`// %% id="a"\nconst x = 1;\n\n// %% id="rej"\nconst y = x + 1;\nPromise.reject(new Error('not awaited'));\n\n// %% id="b"\nconst z = y + 1;\n`), '--out', tempDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cell "rej" (line 2 of the cell): Error: not awaited (an unhandled promise rejection)');
  });

  it('names the cell whose setTimeout callback threw after it finished, and fails the run', async () => {
    const out = join(tempDir(), 'out');
    const r = await voxbook(['run', writeNotebook(`// %% id="a"\nconst x = 1;\nsetTimeout(() => { throw new Error('late boom'); }, 20);\n\n// %% id="b"\nawait new Promise((r) => setTimeout(r, 300));\nconst y = x + 1;\n`), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cell "a" (line 2 of the cell): Error: late boom (an uncaught exception in a callback, after the cell had finished)');
    expect(existsSync(out)).toBe(false);
  });
});
