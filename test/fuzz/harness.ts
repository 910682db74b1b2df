/**
 * The loader fuzz harness: runs cases (seed input × case seed → mutated file → loader →
 * oracle) in a child process, so that a hang can be stopped (the case's time limit
 * kills the child, which is then restarted) and a crash or a huge allocation is seen
 * and counted instead of taking the test runner down.
 *
 * Memory per case is measured in the child: the peak RSS over the case (Linux VmHWM after
 * resetting it through /proc/self/clear_refs) and the growth of ArrayBuffer memory; a case
 * above `MEMORY_LIMIT_MB` fails, since header-declared sizes beyond the file must be
 * refused before anything is allocated.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, unlinkSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDicomSeries } from '../../cells/io/dicom.ts';
import { openInv3 } from '../../cells/io/inv3.ts';
import { parseNifti } from '../../cells/io/nifti.ts';
import { mutate } from './mutators.ts';
import { describeError, dicomSeedKey, judgeError, judgeLoad, type Category, type Loaded } from './oracle.ts';
import { hex32, mix32 } from './prng.ts';
import type { Seed } from './seeds.ts';

export const MEMORY_LIMIT_MB = 1024;
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export interface CaseResult {
  readonly input: string;
  readonly index: number;
  /** The case seed, 8 hex digits: with the input name it reproduces the case. */
  readonly caseSeed: string;
  readonly mutation: string;
  readonly category: Category;
  readonly failure?: string;
  readonly detail: string;
  readonly ms: number;
  readonly peakMb: number;
}

/** FNV-1a of a name, so an input's case seeds do not depend on which other inputs run. */
function nameHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The seed of case `index` of `input` in a run seeded with `runSeed`. */
export function caseSeedOf(runSeed: number, input: string, index: number): number {
  return mix32(runSeed, nameHash(input), index);
}

/** Loads `bytes` as the seed's format; DICOM goes through a file in `tmpDir`. */
async function load(seed: Seed, bytes: Uint8Array, fileName: string, tmpDir: string): Promise<Loaded> {
  if (seed.format === 'nifti') return { volume: parseNifti(bytes, fileName) };
  if (seed.format === 'inv3') {
    const p = openInv3(bytes, fileName);
    const volume = p.volume();
    let mask: Loaded['mask'];
    try {
      mask = p.mask(0).mask;
    } catch (error) {
      mask = { error };
    }
    return { volume, mask };
  }
  const path = join(tmpDir, fileName);
  writeFileSync(path, bytes);
  try {
    return { volume: await loadDicomSeries(path) };
  } finally {
    try { unlinkSync(path); } catch { /* already gone */ }
  }
}

function memory(): { rss: number; ab: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, ab: m.arrayBuffers };
}

let canResetPeak = true;
function resetPeak(): void {
  if (!canResetPeak) return;
  try { writeFileSync('/proc/self/clear_refs', '5'); } catch { canResetPeak = false; }
}
function peakRss(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs cases in this process (used by the child, and by `npm run fuzz -- --repro`). */
export class CaseRunner {
  private readonly originals = new Map<string, Loaded>();
  /** Seeds whose unmutated bytes do not load, with the error. */
  readonly seedErrors = new Map<string, string>();
  private readonly dicomKeys = new Map<string, string>();
  readonly tmpDir: string;

  constructor(readonly seeds: readonly Seed[]) {
    this.tmpDir = mkdtempSync(join(tmpdir(), 'voxbook-fuzz-'));
  }

  async init(): Promise<void> {
    for (const s of this.seeds) {
      if (s.format === 'dicom') this.dicomKeys.set(s.name, dicomSeedKey(s.bytes));
      try {
        this.originals.set(s.name, await load(s, s.bytes, `seed-${s.name}`, this.tmpDir));
      } catch (e) {
        this.seedErrors.set(s.name, describeError(e));
      }
    }
  }

  dispose(): void {
    rmSync(this.tmpDir, { recursive: true, force: true });
  }

  /**
   * Runs one case. A case over the memory limit is run up to twice more and judged on the
   * smallest peak: the first decode through a wasm pipeline grows its memory once (about
   * 1 GB for GDCM's error path), which is not an allocation the file asked for; an
   * allocation sized by the header recurs.
   */
  async run(input: string, index: number, caseSeed: number): Promise<CaseResult> {
    let r = await this.runOnce(input, index, caseSeed);
    for (let retry = 0; retry < 2 && r.failure?.startsWith('allocated more than'); retry++) {
      const again = await this.runOnce(input, index, caseSeed);
      if (again.peakMb < r.peakMb) r = again;
    }
    return r;
  }

  private async runOnce(input: string, index: number, caseSeed: number): Promise<CaseResult> {
    const seed = this.seeds.find((s) => s.name === input);
    if (!seed) throw new Error(`no seed input ${input}`);
    const m = mutate(seed, caseSeed);
    const fileName = `fuzz-${hex32(caseSeed)}-${seed.name}`;
    resetPeak();
    const before = memory();
    const t0 = performance.now();
    let verdict;
    try {
      const loaded = await load(seed, m.bytes, fileName, this.tmpDir);
      // Without an original load (the seed itself fails), the load is judged against its header alone.
      verdict = judgeLoad(loaded, { seed, bytes: m.bytes, fileName, streamOnly: m.streamOnly, original: this.originals.get(input), dicomKey: this.dicomKeys.get(input) });
    } catch (e) {
      verdict = judgeError(e, fileName);
    }
    const ms = performance.now() - t0;
    const after = memory();
    const peak = Math.max((peakRss() ?? after.rss) - before.rss, after.ab - before.ab, 0) / 2 ** 20;
    if (peak > MEMORY_LIMIT_MB) verdict = { category: 'FAILED' as const, failure: `allocated more than ${MEMORY_LIMIT_MB} MB`, detail: `${peak.toFixed(0)} MB; ${verdict.detail}` };
    return { input, index, caseSeed: hex32(caseSeed), mutation: m.desc, ...verdict, ms, peakMb: Math.round(peak) };
  }
}

// ---------------------------------------------------------------------------------------
// Parent side: a child process running a CaseRunner.

type ToChild = { type: 'init'; seeds: readonly Seed[] } | { type: 'case'; input: string; index: number; caseSeed: number };
type FromChild = { type: 'ready'; seedErrors: [string, string][] } | { type: 'result'; result: CaseResult };

class Child {
  private proc: ChildProcess | undefined;
  private waiting: ((m: FromChild | { type: 'exit'; code: number | null; signal: string | null }) => void) | undefined;
  private stderrTail = '';
  seedErrors: [string, string][] = [];

  constructor(private readonly seeds: readonly Seed[]) {}

  private next(timeoutMs: number): Promise<FromChild | { type: 'exit'; code: number | null; signal: string | null } | { type: 'timeout' }> {
    return new Promise((res) => {
      const timer = setTimeout(() => { this.waiting = undefined; res({ type: 'timeout' }); }, timeoutMs);
      this.waiting = (m) => { clearTimeout(timer); this.waiting = undefined; res(m); };
    });
  }

  async start(): Promise<void> {
    const p = fork(fileURLToPath(new URL('./child.ts', import.meta.url)), [], {
      cwd: ROOT, execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.proc = p;
    this.stderrTail = '';
    p.stderr?.on('data', (d: Buffer) => { this.stderrTail = (this.stderrTail + d.toString()).slice(-600); });
    p.on('message', (m: FromChild) => this.waiting?.(m));
    p.on('exit', (code, signal) => { if (this.proc === p) this.proc = undefined; this.waiting?.({ type: 'exit', code, signal }); });
    p.send({ type: 'init', seeds: this.seeds } satisfies ToChild);
    const r = await this.next(120_000);
    if (r.type !== 'ready') throw new Error(`fuzz child did not start (${r.type === 'exit' ? `exited: code ${r.code}, signal ${r.signal}` : r.type}): ${this.stderrTail || '(no stderr)'}`);
    this.seedErrors = r.seedErrors;
  }

  kill(): void {
    const p = this.proc;
    this.proc = undefined;
    if (p && p.exitCode === null) p.kill('SIGKILL');
  }

  async run(input: string, index: number, caseSeed: number, timeoutMs: number): Promise<CaseResult> {
    if (!this.proc) await this.start();
    const t0 = performance.now();
    this.proc!.send({ type: 'case', input, index, caseSeed } satisfies ToChild);
    const r = await this.next(timeoutMs);
    if (r.type === 'result') return r.result;
    const ms = performance.now() - t0;
    const base = { input, index, caseSeed: hex32(caseSeed), mutation: '(see --repro)', ms, peakMb: 0 };
    if (r.type === 'timeout') {
      this.kill();
      return { ...base, category: 'FAILED', failure: `hang: no answer within ${timeoutMs / 1000} s`, detail: 'child killed' };
    }
    const tail = this.stderrTail.replace(/\s+/g, ' ').slice(-300);
    this.proc = undefined;
    return { ...base, category: 'FAILED', failure: 'crash: the process died', detail: `exit code ${r.type === 'exit' ? r.code : '?'} signal ${r.type === 'exit' ? r.signal : '?'}; ${tail}` };
  }
}

export type Counts = Record<Category, number>;

export interface CampaignResult {
  readonly runSeed: number;
  readonly counts: Map<string, Counts>;
  readonly failures: CaseResult[];
  readonly seedErrors: [string, string][];
  readonly ms: number;
  /** Slowest case per input, ms. */
  readonly slowest: Map<string, number>;
  /** Wall time per input, ms. */
  readonly inputMs: Map<string, number>;
  readonly maxPeakMb: number;
}

export interface CampaignOptions {
  readonly seeds: readonly Seed[];
  /** Cases per input (by name), or one number for all. */
  readonly cases: number | Readonly<Record<string, number>>;
  readonly runSeed: number;
  /** Per-case limit; the child is killed and the case fails when it is exceeded. */
  readonly timeoutMs?: number;
  readonly onResult?: (r: CaseResult) => void;
}

/** Runs every input's cases, one child process, cases in order. */
export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const t0 = performance.now();
  const child = new Child(o.seeds);
  const counts = new Map<string, Counts>();
  const slowest = new Map<string, number>();
  const inputMs = new Map<string, number>();
  const failures: CaseResult[] = [];
  let maxPeakMb = 0;
  try {
    await child.start();
    for (const seed of o.seeds) {
      const n = typeof o.cases === 'number' ? o.cases : o.cases[seed.name] ?? 0;
      const c: Counts = { identical: 0, valid: 0, refused: 0, FAILED: 0 };
      counts.set(seed.name, c);
      const t1 = performance.now();
      for (let i = 0; i < n; i++) {
        let r = await child.run(seed.name, i, caseSeedOf(o.runSeed, seed.name, i), o.timeoutMs ?? 10_000);
        if (r.failure?.startsWith('allocated more than')) {
          // Judge memory in a fresh process: a wasm pipeline's heap only grows, so after many
          // cases one child can carry earlier growth into this one. An allocation the file's
          // header asks for recurs in a new process; leftover growth does not.
          child.kill();
          r = await child.run(seed.name, i, caseSeedOf(o.runSeed, seed.name, i), o.timeoutMs ?? 10_000);
        }
        c[r.category]++;
        if (r.category === 'FAILED') failures.push(r);
        slowest.set(seed.name, Math.max(slowest.get(seed.name) ?? 0, r.ms));
        maxPeakMb = Math.max(maxPeakMb, r.peakMb);
        o.onResult?.(r);
      }
      inputMs.set(seed.name, performance.now() - t1);
    }
  } finally {
    child.kill();
  }
  return { runSeed: o.runSeed, counts, failures, seedErrors: child.seedErrors, ms: performance.now() - t0, slowest, inputMs, maxPeakMb };
}

// ---------------------------------------------------------------------------------------
// Reports

/** Failure classes with how many cases each, and one example (the first). */
export function failureClasses(failures: readonly CaseResult[]): { failure: string; count: number; inputs: string[]; example: CaseResult }[] {
  const m = new Map<string, { failure: string; count: number; inputs: Set<string>; example: CaseResult }>();
  for (const f of failures) {
    const k = f.failure ?? '?';
    const e = m.get(k) ?? { failure: k, count: 0, inputs: new Set<string>(), example: f };
    e.count++;
    e.inputs.add(f.input);
    m.set(k, e);
  }
  return [...m.values()].sort((a, b) => b.count - a.count).map((e) => ({ ...e, inputs: [...e.inputs] }));
}

/** The per-input counts as a Markdown table. */
export function countsTable(r: CampaignResult): string {
  const lines = ['| input | cases | loaded-identical | loaded-valid | refused-typed | FAILED | time | slowest case |', '|---|---:|---:|---:|---:|---:|---:|---:|'];
  const tot: Counts = { identical: 0, valid: 0, refused: 0, FAILED: 0 };
  for (const [input, c] of r.counts) {
    const n = c.identical + c.valid + c.refused + c.FAILED;
    lines.push(`| ${input} | ${n} | ${c.identical} | ${c.valid} | ${c.refused} | ${c.FAILED} | ${((r.inputMs.get(input) ?? 0) / 1000).toFixed(1)} s | ${(r.slowest.get(input) ?? 0).toFixed(0)} ms |`);
    for (const k of Object.keys(tot) as Category[]) tot[k] += c[k];
  }
  lines.push(`| **all** | ${tot.identical + tot.valid + tot.refused + tot.FAILED} | ${tot.identical} | ${tot.valid} | ${tot.refused} | ${tot.FAILED} | ${(r.ms / 1000).toFixed(1)} s | |`);
  return lines.join('\n');
}

/** One line per failing case: what to run to see it again. */
export function failureLine(f: CaseResult): string {
  return `${f.input} case ${f.index} seed ${f.caseSeed} [${f.mutation}] → ${f.failure}: ${f.detail.slice(0, 260)}  (repro: npm run fuzz -- --repro ${f.input}:${f.caseSeed})`;
}
