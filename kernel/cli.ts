import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MIME, type FileData } from './protocol.ts';
import { parsePercent, serializePercent } from './notebook/percent.ts';
import { fromIpynb, toIpynb, type CellResult } from './notebook/ipynb.ts';
import { overridesRecord, parseParameterArgs, ParameterOverrideError } from './parameters.ts';
import { sha256Hex } from './hash.ts';
import { writeFileAtomic } from './node/fs-atomic.ts';
import { runNotebookInWorker, type CellOutcome } from './node/run-notebook.ts';
import { runtimeVersions } from './node/versions.ts';

const USAGE = `voxbook — notebooks for imaging-to-print

Usage:
  voxbook run <notebook.nb.ts> [--out DIR] [-p name=value]...
      Run a notebook headless. Files the notebook exports (download(...)) and the executed
      notebook (<name>.ipynb, nbformat 4.5, with outputs) are written to DIR (default out/).
      If any cell fails, its error is printed, nothing is written, and the exit code is 1.
  voxbook convert <in.nb.ts|in.ipynb> <out.ipynb|out.nb.ts>
      Convert between the percent format and nbformat 4.5 (sources, ids, metadata).
  voxbook help
`;

class UsageError extends Error {}

interface RunArgs {
  notebook: string;
  out: string;
  parameters: Record<string, string>;
  quiet: boolean;
}

function parseRunArgs(args: string[]): RunArgs {
  let notebook: string | undefined;
  let out = 'out';
  let quiet = false;
  const params: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--out' || a === '-o') out = args[++i] ?? '';
    else if (a.startsWith('--out=')) out = a.slice(6);
    else if (a === '-p' || a === '--parameter') params.push(args[++i] ?? '');
    else if (a === '--quiet' || a === '-q') quiet = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (!notebook) notebook = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  if (!notebook) throw new UsageError('which notebook? e.g. voxbook run notebooks/ct-to-print.nb.ts');
  if (!out) throw new UsageError('--out needs a folder');
  let parameters: Record<string, string>;
  try {
    parameters = overridesRecord(parseParameterArgs(params));
  } catch (e) {
    throw e instanceof ParameterOverrideError ? new UsageError(e.message) : e;
  }
  return { notebook, out, parameters, quiet };
}

const STATUS_MARK: Record<string, string> = { done: '✓', error: '✗', blocked: '·' };

function describeFailure(c: CellOutcome): string {
  const where = c.error?.line ? ` (line ${c.error.line} of the cell)` : '';
  return `  cell "${c.id}"${where}: ${c.error?.name ?? 'Error'}: ${c.error?.message ?? c.status}`;
}

async function run(args: RunArgs): Promise<number> {
  const path = resolve(args.notebook);
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`${args.notebook}: no such notebook`);
  });
  const t0 = performance.now();
  const outcome = await runNotebookInWorker(text, args.parameters, (c) => {
    if (args.quiet || !(c.status in STATUS_MARK)) return;
    const time = c.cached ? 'cached' : `${c.ms.toFixed(0)} ms`;
    console.log(`${STATUS_MARK[c.status]} ${c.id.padEnd(12)} ${c.status === 'done' ? time : c.status}`);
  });
  for (const l of outcome.logs) console.error(l);
  if (!outcome.ok) {
    console.error(`\n${basename(path)} failed; nothing was written to ${args.out}/:`);
    for (const c of outcome.cells.values()) if (c.status === 'error') console.error(describeFailure(c));
    return 1;
  }
  // Everything ran: write the exported files and the executed notebook, each atomically.
  const outDir = resolve(args.out);
  const written: string[] = [];
  const results = new Map<string, CellResult>();
  let count = 0;
  for (const c of outcome.cells.values()) {
    results.set(c.id, { outputs: c.outputs, ...(c.error ? { error: c.error } : {}), executionCount: ++count });
    for (const b of c.outputs) {
      const file = b.data[MIME.file] as FileData | undefined;
      if (!file) continue;
      if (!/^[\w.-]+$/.test(file.name)) throw new UsageError(`cell "${c.id}" exports "${file.name}": file names may hold letters, digits, . _ - only`);
      await writeFileAtomic(join(outDir, file.name), file.bytes);
      written.push(file.name);
    }
  }
  const nb = parsePercent(text);
  const stem = basename(path).replace(/\.nb\.ts$|\.ts$/, '');
  // Exported files are written beside the notebook, so the .ipynb refers to them instead of embedding them.
  for (const [id, r] of results) {
    results.set(id, { ...r, outputs: r.outputs.map((b) => {
      const file = b.data[MIME.file] as FileData | undefined;
      return file ? { ...b, data: { ...b.data, [MIME.file]: { name: file.name, mime: file.mime, size: file.bytes.byteLength, path: file.name } } } : b;
    }) });
  }
  const ipynb = toIpynb(nb, results, {
    voxbook: {
      provenance: {
        notebook: basename(path),
        notebookSha256: await sha256Hex(text),
        parameters: outcome.parameters,
        versions: runtimeVersions(),
        ranAt: new Date().toISOString(),
      },
    },
  });
  await writeFileAtomic(join(outDir, `${stem}.ipynb`), JSON.stringify(ipynb, null, 1) + '\n');
  written.push(`${stem}.ipynb`);
  console.log(`\nwrote ${written.map((w) => join(args.out, w)).join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

async function convert(args: string[]): Promise<number> {
  const [input, output] = args;
  if (!input || !output) throw new UsageError('convert needs an input and an output file');
  const text = await readFile(input, 'utf8');
  const nb = input.endsWith('.ipynb') ? fromIpynb(JSON.parse(text)) : parsePercent(text);
  const outText = output.endsWith('.ipynb') ? JSON.stringify(toIpynb(nb), null, 1) + '\n' : serializePercent(nb);
  await writeFileAtomic(output, outText);
  console.log(`wrote ${output}`);
  return 0;
}

/** The `voxbook` command. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'run') return await run(parseRunArgs(rest));
    if (command === 'convert') return await convert(rest);
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      console.log(USAGE);
      return command ? 0 : 2;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`voxbook: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`voxbook: ${(e as Error).message}`);
    return 1;
  }
}

