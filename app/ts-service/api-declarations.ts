/**
 * The `voxbook` API as the editor's language service sees it: declaration files emitted from
 * the repo's sources (Node only; run by the Vite plugin in `vite.config.ts` at dev and build
 * time, and by the tests).
 *
 * The package's exports map `voxbook` → `index.ts` and `voxbook/learn` →
 * `cells/learn/index.ts`; `kernel/globals.d.ts` declares the builtins the kernel gives every
 * cell (`display`, `signal`, `runInfo`). The emitted files keep the sources' relative import
 * specifiers (`./volume.ts` resolves to `volume.d.ts`). Imports of other packages
 * (`@tensorflow/tfjs`, …) are not carried: in the editor their types read as `any`.
 *
 * Declarations rather than sources (an `import.meta.glob('?raw')` of cells/, datasets/ and
 * kernel/): the worker ships 0.28 MB instead of 0.88 MB, no kernel or library code, and the
 * service never infers a type from a function body of the library; bench/results/ts-service.md
 * compares the two.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import ts from 'typescript';
import { API_ENTRIES, API_GLOBALS, API_ROOT } from './api-declarations-paths.ts';

/** Files the emitted declarations start from, relative to the repo root. */
const ROOTS = ['index.ts', 'cells/learn/index.ts', 'kernel/globals.d.ts'];

/** Thrown when the repo's sources do not yield declarations (a syntax error, a missing file). */
export class ApiDeclarationError extends Error {
  constructor(message: string) {
    super(`voxbook API declarations: ${message}`);
    this.name = 'ApiDeclarationError';
  }
}

/**
 * Emits the API's declaration files from the repo at `repoRoot`: virtual path (under
 * `API_ROOT`) → text. About 4 s on a quiet 2-core machine: the program is parsed and bound
 * and declarations are emitted without a full check (`noCheck`). Throws
 * `ApiDeclarationError` if emitting fails.
 */
export function emitApiDeclarations(repoRoot: string): Map<string, string> {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts', 'lib.webworker.importscripts.d.ts'],
    strict: true,
    skipLibCheck: true,
    resolveJsonModule: true,
    types: ['node'],
    declaration: true,
    emitDeclarationOnly: true,
    noEmit: false,
    noCheck: true,
    outDir: resolve(repoRoot, '.voxbook-api-dts'),
    rootDir: repoRoot,
  };
  const program = ts.createProgram(ROOTS.map((f) => resolve(repoRoot, f)), options);
  const out = new Map<string, string>();
  const emitted = program.emit(undefined, (fileName, text) => {
    const rel = relative(options.outDir!, fileName).split('\\').join('/');
    if (rel.startsWith('..')) return;
    out.set(`${API_ROOT}/${rel}`, text);
  });
  const failures = emitted.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (failures.length > 0 || emitted.emitSkipped) {
    const first = failures[0] ? ts.flattenDiagnosticMessageText(failures[0].messageText, '\n') : 'emit skipped';
    throw new ApiDeclarationError(`${failures.length} error(s) while emitting; first: ${first}`);
  }
  // Declaration files of the repo are not emitted: copy them (globals.d.ts and any shims).
  for (const sf of program.getSourceFiles()) {
    if (!sf.isDeclarationFile) continue;
    const rel = relative(repoRoot, sf.fileName).split('\\').join('/');
    if (rel.startsWith('..') || rel.startsWith('node_modules/')) continue;
    out.set(`${API_ROOT}/${rel}`, readFileSync(sf.fileName, 'utf8'));
  }
  if (!out.has(API_ENTRIES['voxbook']!) || !out.has(API_GLOBALS)) {
    throw new ApiDeclarationError(`the entry files were not emitted (have ${out.size} files); is ${repoRoot} the repo root?`);
  }
  return out;
}
