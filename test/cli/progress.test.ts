/**
 * Stage progress lines of `voxbook run` (kernel/node/progress-lines.ts): on a terminal (a
 * pseudo-terminal from util-linux's `script`, which Debian always has) one line per stage,
 * redrawn in place and kept with its time; piped, not a byte of them.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { StageLines, stageLine, showsStageLines } from '../../kernel/node/progress-lines.ts';
import { BIN, ROOT, tempDir, voxbook, writeNotebook } from './helpers.ts';

const NB = `// %% id="a"
const x = 1;

// %% id="slow"
const _step = progress('work');
const _t0 = performance.now();
while (performance.now() - _t0 < 1500) _step((performance.now() - _t0) / 1500);
_step(1);
const y = x + 1;
`;

/** Runs `command` under a pseudo-terminal (`script -qec`), returns what the terminal got. */
function inTerminal(command: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('voxbook run: stage progress lines', () => {
  it('on a terminal, shows one line per stage, redrawn in place and kept at 100% with its time', async () => {
    const nb = writeNotebook(NB);
    const r = await inTerminal(`${quote(process.execPath)} ${quote(BIN)} run ${quote(nb)} --out ${quote(tempDir())} --no-cache`, { VOXBOOK_PROGRESS: '' });
    expect(r.code, r.out).toBe(0);
    // Redrawn with \r and a line clear, several times during the 1.5 s stage (long enough for a loaded machine).
    const draws = r.out.split('\r\u001b[K').filter((s) => s.includes('▸ slow › work'));
    expect(draws.length).toBeGreaterThanOrEqual(3);
    // The kept line: 100% and the stage's time, then the cell's line below it.
    const kept = /▸ slow › work +█{20} 100% {2}(\d+\.\d) s\r?\n✓ slow +\d+ ms/.exec(r.out);
    expect(kept, r.out).not.toBeNull();
    // The stage's time, from its first report to its last: the loop ran 1.5 s.
    expect(Number(kept![1])).toBeGreaterThanOrEqual(1.4);
    // One stage, one kept line.
    expect(r.out.match(/100%/g)).toHaveLength(1);
  }, 60_000);

  it('piped, prints the cell lines only, and VOXBOOK_PROGRESS=0 silences a terminal', async () => {
    const nb = writeNotebook(NB);
    const piped = await voxbook(['run', nb, '--out', tempDir(), '--no-cache']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).not.toMatch(/[\r▸█]/u);
    expect(piped.stdout).not.toContain('\u001b');
    expect(piped.stdout).toMatch(/^✓ a +\d+ ms\n✓ slow +\d+ ms\n\nwrote /);
    const silenced = await inTerminal(`${quote(process.execPath)} ${quote(BIN)} run ${quote(nb)} --out ${quote(tempDir())} --no-cache`, { VOXBOOK_PROGRESS: '0' });
    expect(silenced.code, silenced.out).toBe(0);
    expect(silenced.out).not.toMatch(/[▸█]/u);
  }, 60_000);
});

describe('StageLines', () => {
  it('decides by the terminal, --quiet and VOXBOOK_PROGRESS', () => {
    expect(showsStageLines({ isTTY: true, write() {} }, false, {})).toBe(true);
    expect(showsStageLines({ isTTY: true, write() {} }, true, {})).toBe(false);
    expect(showsStageLines({ isTTY: false, write() {} }, false, {})).toBe(false);
    expect(showsStageLines({ write() {} }, false, { VOXBOOK_PROGRESS: '1' })).toBe(true);
    expect(showsStageLines({ isTTY: true, write() {} }, false, { VOXBOOK_PROGRESS: '0' })).toBe(false);
  });

  it('keeps one line per stage, ends an unfinished one before the next, and fits the terminal', () => {
    let out = '';
    let t = 0;
    const lines = new StageLines({ columns: 100, write: (s) => void (out += s) }, () => t);
    lines.update('seg', 'islands', 0.5);
    t = 1500;
    lines.update('seg', 'islands', 1);
    lines.update('seg', 'fragments', 0.3);
    lines.update('mesh', 'surface', 0.1);
    lines.end();
    lines.end();
    const kept = out.split('\n').map((l) => l.split('\r\u001b[K').at(-1));
    expect(kept).toEqual([
      stageLine('seg', 'islands', 1, 100, 1.5),
      stageLine('seg', 'fragments', 0.3, 100),
      stageLine('mesh', 'surface', 0.1, 100),
      '',
    ]);
    expect(kept[0]).toMatch(/islands +█{20} 100% {2}1\.5 s$/);
    expect(stageLine('a-long-cell-name', 'a long stage name', 0.5, 30).length).toBe(29);
  });
});
