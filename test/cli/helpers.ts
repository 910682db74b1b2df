/** Helpers for the CLI tests: run `voxbook` as a user would, and write small notebooks. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/voxbook.mjs');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs `voxbook args…`; never throws. `onStdout` sees output as it arrives (to send a signal
 * once a cell is running); `killAfterMs` is a safety net so a hanging CLI fails the test
 * instead of hanging it.
 */
export function voxbook(args: readonly string[], opts: { cwd?: string; killAfterMs?: number; onStdout?: (all: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<CliResult> {
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      opts.onStdout?.(stdout, child);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 180_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Writes `text` as `<name>.nb.ts` in a new temporary folder; returns its path. */
export function writeNotebook(text: string, name = 'nb'): string {
  const dir = mkdtempSync(join(tmpdir(), 'vb-nb-'));
  const path = join(dir, `${name}.nb.ts`);
  writeFileSync(path, text);
  return path;
}

/** A new empty temporary folder. */
export function tempDir(prefix = 'vb-out-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Source of a cell line that exports a file the way `download()` does, without importing voxbook. */
export function exportFile(name: string, content: string): string {
  return `display({ [Symbol.for('voxbook.mime')]: () => ({ data: { 'application/vnd.voxbook.file+json': { name: ${JSON.stringify(name)}, mime: 'text/plain', bytes: new TextEncoder().encode(${content}) } } }) });`;
}

export { execFile };
