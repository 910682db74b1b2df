/**
 * The editor's TypeScript service: what it costs to start and to answer, and what it weighs.
 * Writes bench/results/ts-service.md.
 *
 * Node (each variant in a fresh process, so "first" is cold): loading `typescript`, the
 * first diagnostics of notebooks/ct-to-print.nb.ts, diagnostics after a one-line edit,
 * completion after `ct.` and hover, with the `voxbook` API given as emitted declarations
 * (what the app ships) or as the raw sources (the `import.meta.glob('?raw')` alternative).
 *
 * Browser (headless Chromium, the built app under `vite preview`): the size of the page's
 * entry chunk, of the worker chunk and of the lib files it fetches; the time from the first
 * focus of a cell to its first lint mark (worker start, loading, first check), and from a
 * second typed error to its mark (includes the linter's 300 ms debounce).
 *
 *   npm run bench:ts-service   (node --import tsx bench/ts-service.ts)
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { API_ENTRIES, API_GLOBALS } from '../app/ts-service/api-declarations-paths.ts';
import { emitApiDeclarations } from '../app/ts-service/api-declarations.ts';
import { loadLibClosure, NOTEBOOK_LIBS } from '../app/ts-service/lib-files.ts';
import { composeNotebookFile, toFileOffset } from '../app/ts-service/notebook-file.ts';
import type { ApiLayout } from '../app/ts-service/service.ts';
import { parsePercent } from '../kernel/notebook/percent.ts';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';

const ROOT = resolve(import.meta.dirname, '..');
const REPEATS = 10;
const PROCESSES = 3;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const kb = (n: number) => `${(n / 1000).toFixed(0)} kB`;

interface ChildResult {
  importTsMs: number;
  firstDiagnosticsMs: number;
  firstDiagnostics: number;
  editDiagnosticsMs: number;
  completionMs: number;
  hoverMs: number;
}

/** One variant, in this (fresh) process: `api.json` holds the API files and their layout. */
async function child(apiJson: string): Promise<ChildResult> {
  const { files, layout } = JSON.parse(readFileSync(apiJson, 'utf8')) as { files: Record<string, string>; layout: ApiLayout };
  const libs = await loadLibClosure(NOTEBOOK_LIBS, (f) => readFile(join(ROOT, 'node_modules/typescript/lib', f), 'utf8'));
  const t0 = performance.now();
  const ts = (await import('typescript')).default;
  const { createNotebookService } = await import('../app/ts-service/service.ts');
  const importTsMs = performance.now() - t0;
  const text = readFileSync(join(ROOT, 'notebooks/ct-to-print.nb.ts'), 'utf8');
  const cells = parsePercent(text).cells.filter((c) => c.kind === 'code').map((c) => ({ key: c.id, source: c.source }));
  const file = composeNotebookFile(cells);
  const t1 = performance.now();
  const service = createNotebookService(ts, libs, new Map(Object.entries(files)), file.text, layout);
  const first = service.diagnostics();
  const firstDiagnosticsMs = performance.now() - t1;
  const edit: number[] = [];
  const completion: number[] = [];
  const hover: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const edited = composeNotebookFile(cells.map((c) => (c.key === 'segment' ? { ...c, source: `${c.source}\nconst n${i}: string = ct.dims;\nct.` } : c)));
    let t = performance.now();
    service.setText(edited.text);
    service.diagnostics();
    edit.push(performance.now() - t);
    const seg = cells.find((c) => c.key === 'segment')!;
    t = performance.now();
    const result = await service.completions(toFileOffset(edited, 'segment', seg.source.length + `\nconst n${i}: string = ct.dims;\nct.`.length)!, false);
    completion.push(performance.now() - t);
    if (!result?.options.some((o) => o.label === 'spacingMm')) throw new Error('completion after ct. lacks spacingMm');
    t = performance.now();
    const info = service.hover(edited.text.indexOf('threshold(ct') + 2);
    hover.push(performance.now() - t);
    if (!info) throw new Error('no hover on threshold');
  }
  return {
    importTsMs,
    firstDiagnosticsMs,
    firstDiagnostics: first.length,
    editDiagnosticsMs: median(edit),
    completionMs: median(completion),
    hoverMs: median(hover),
  };
}

/** The API as raw sources, as `import.meta.glob('…/*.ts', { query: '?raw' })` would give it. */
function apiSources(): { files: Record<string, string>; layout: ApiLayout } {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ts$/.test(name) && !/\.test\.ts$/.test(name)) files[`/voxbook/${relative(ROOT, p)}`] = readFileSync(p, 'utf8');
    }
  };
  for (const d of ['cells', 'datasets', 'kernel']) walk(join(ROOT, d));
  files['/voxbook/index.ts'] = readFileSync(join(ROOT, 'index.ts'), 'utf8');
  return { files, layout: { entries: { voxbook: '/voxbook/index.ts', 'voxbook/learn': '/voxbook/cells/learn/index.ts' }, globals: '/voxbook/kernel/globals.d.ts' } };
}

function runChild(variant: { files: Record<string, string>; layout: ApiLayout }, name: string): ChildResult {
  const path = join(tmpdir(), `voxbook-ts-bench-${name}-${process.pid}.json`);
  writeFileSync(path, JSON.stringify(variant));
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/ts-service.ts'), '--child', path], { cwd: ROOT, encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult;
  } finally {
    rmSync(path, { force: true });
  }
}

/** The built app in Chromium: chunk sizes and focus-to-lint times. */
async function browser(): Promise<{ rows: string[][]; focusToLintMs: number; secondLintMs: number }> {
  const { startApp, waitForApp } = await import('../test/e2e/harness.ts');
  const app = await startApp({ preview: true });
  try {
    const { page } = app;
    const fetched: { url: string; bytes: number }[] = [];
    page.context().on('requestfinished', async (req) => {
      const body = await (await req.response())?.body().catch(() => undefined);
      if (body) fetched.push({ url: new URL(req.url()).pathname, bytes: body.length });
    });
    await page.goto(app.url);
    await waitForApp(page);
    const editor = page.locator('[data-cell-id="segment"] .cm-editor');
    await editor.waitFor();
    await page.waitForTimeout(1000);
    const beforeFocus = fetched.length;
    const t0 = Date.now();
    await editor.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nconst a: string = ct.dims;', { delay: 0 });
    await editor.locator('.cm-lintRange-error').first().waitFor({ timeout: 120_000 });
    const focusToLintMs = Date.now() - t0;
    const t1 = Date.now();
    await page.keyboard.type('\nconst b: string = bone;', { delay: 0 });
    await page.waitForFunction(() => document.querySelectorAll('[data-cell-id="segment"] .cm-lintRange-error').length === 2, undefined, { timeout: 60_000 });
    const secondLintMs = Date.now() - t1;
    const entry = fetched.slice(0, beforeFocus).filter((f) => /^\/assets\/index-.*\.js$/.test(f.url));
    const worker = fetched.slice(beforeFocus).filter((f) => /^\/assets\/ts-worker-.*\.js$/.test(f.url));
    const libs = fetched.slice(beforeFocus).filter((f) => /^\/assets\/_virtual_voxbook-ts-libs-.*\.js$/.test(f.url));
    const gz = async (urls: { url: string }[]) => {
      let total = 0;
      for (const u of urls) total += gzipSync(await (await fetch(new URL(u.url, app.url))).arrayBuffer().then((b) => Buffer.from(b))).length;
      return total;
    };
    const sum = (xs: { bytes: number }[]) => xs.reduce((s, x) => s + x.bytes, 0);
    const rows = [
      ['page entry chunk (index-*.js), loaded on open', kb(sum(entry)), kb(await gz(entry))],
      ['language-service worker chunk (TypeScript, @typescript/vfs, API declarations), on first focus', kb(sum(worker)), kb(await gz(worker))],
      [`TypeScript lib files (${libs.length} chunk), fetched by the worker`, kb(sum(libs)), kb(await gz(libs))],
    ];
    return { rows, focusToLintMs, secondLintMs };
  } finally {
    await app.close();
  }
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await child(process.argv[3]!)));
} else {
  const t0 = performance.now();
  const declarations = emitApiDeclarations(ROOT);
  const emitMs = performance.now() - t0;
  const sources = apiSources();
  const bytes = (m: Iterable<string>) => [...m].reduce((s, t) => s + Buffer.byteLength(t), 0);
  const libs = await loadLibClosure(NOTEBOOK_LIBS, (f) => readFile(join(ROOT, 'node_modules/typescript/lib', f), 'utf8'));
  const dtsVariant = { files: Object.fromEntries(declarations), layout: { entries: API_ENTRIES, globals: API_GLOBALS } };
  // Alternate the variants, PROCESSES fresh processes each, and take each figure's median.
  const runs: { dts: ChildResult[]; raw: ChildResult[] } = { dts: [], raw: [] };
  for (let i = 0; i < PROCESSES; i++) {
    runs.dts.push(runChild(dtsVariant, 'dts'));
    runs.raw.push(runChild(sources, 'raw'));
  }
  const medianOf = (rs: ChildResult[]): ChildResult =>
    Object.fromEntries(Object.keys(rs[0]!).map((k) => [k, median(rs.map((r) => r[k as keyof ChildResult]))])) as unknown as ChildResult;
  const dts = medianOf(runs.dts);
  const raw = medianOf(runs.raw);
  const b = await browser();
  const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
  const md = `# Editor TypeScript service

Measured ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (load ${loadavg()[0]!.toFixed(2)}), Node ${process.version}, typescript ${(await import('typescript')).default.version}.
Command: \`node --import tsx bench/ts-service.ts\`. Notebook: notebooks/ct-to-print.nb.ts (${parsePercent(readFileSync(join(ROOT, 'notebooks/ct-to-print.nb.ts'), 'utf8')).cells.filter((c) => c.kind === 'code').length} code cells).

## What the service loads

| | files | size |
|---|---:|---:|
| lib files (${NOTEBOOK_LIBS.join(', ')} and their references) | ${libs.size} | ${kb(bytes(libs.values()))} |
| voxbook API as emitted declarations (what the app ships) | ${declarations.size} | ${kb(bytes(declarations.values()))} |
| voxbook API as raw sources (the \`?raw\` glob alternative) | ${Object.keys(sources.files).length} | ${kb(bytes(Object.values(sources.files)))} |

Emitting the declarations (Vite plugin, once per dev server or build): ${ms(emitMs)}.

## Node, fresh processes (median of ${PROCESSES} per variant, alternating)

| | declarations | raw sources |
|---|---:|---:|
| import typescript | ${ms(dts.importTsMs)} | ${ms(raw.importTsMs)} |
| create service + first diagnostics | ${ms(dts.firstDiagnosticsMs)} | ${ms(raw.firstDiagnosticsMs)} |
| diagnostics found in the unedited notebook | ${dts.firstDiagnostics} | ${raw.firstDiagnostics} |
| diagnostics after a one-line edit (median of ${REPEATS}) | ${ms(dts.editDiagnosticsMs)} | ${ms(raw.editDiagnosticsMs)} |
| completion after \`ct.\` (median of ${REPEATS}) | ${ms(dts.completionMs)} | ${ms(raw.completionMs)} |
| hover (median of ${REPEATS}) | ${ms(dts.hoverMs)} | ${ms(raw.hoverMs)} |

## Browser (headless Chromium, built app under vite preview)

| chunk | size | gzip |
|---|---:|---:|
${b.rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

- first focus of a cell → first lint mark (worker start, fetching, parsing, first check; a
  type error typed right after the click): ${ms(b.focusToLintMs)}
- a second typed error → its mark (worker warm; includes the linter's 300 ms debounce): ${ms(b.secondLintMs)}

The page entry chunk without the editor's types (main at 6ae1af4, measured once by hand with
\`vite build\`): 1,410,511 B, 412,259 B gzip; the types add @codemirror/lint, the extension and
the client (TypeScript itself stays in the worker).

Why declarations: ${(bytes(Object.values(sources.files)) / bytes(declarations.values())).toFixed(1)}× less to ship, no kernel or library code in the
worker; first check ${ms(dts.firstDiagnosticsMs)} vs ${ms(raw.firstDiagnosticsMs)}, a re-check after an edit ${ms(dts.editDiagnosticsMs)} vs
${ms(raw.editDiagnosticsMs)} (both well inside the linter's 300 ms debounce).
`;
  const out = join(ROOT, 'bench/results/ts-service.md');
  await writeFileAtomic(out, md);
  console.log(md);
}
