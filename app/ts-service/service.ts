/**
 * The notebook's TypeScript language service, in whole-file offsets (the worker and the Node
 * tests run it; `notebook-file.ts` maps offsets to cells).
 *
 * A virtual file system holds three kinds of file: the notebook at `NOTEBOOK_PATH`, the lib
 * files (`/lib.es2023.d.ts`, …) and the `voxbook` API's declarations under `API_ROOT`. The
 * compiler options are `tsconfig.json`'s for notebooks, except that `voxbook` and
 * `voxbook/learn` resolve to the declaration files and `@types/node` is absent (cells run in
 * a worker). Every file is a module (`moduleDetection: force`), so top-level `await` holds
 * and a cell's `const status` does not clash with the DOM's global of that name.
 *
 * Invariants: `setText` is the only mutation; queries never throw for an offset in
 * `[0, text.length]`.
 */
import { createSystem, createVirtualTypeScriptEnvironment, type VirtualTypeScriptEnvironment } from '@typescript/vfs';
import { getAutocompletion, getHover, type HoverInfo } from '@valtown/codemirror-ts';
import type { CompletionResult } from '@codemirror/autocomplete';
import type ts from 'typescript';
import { API_ENTRIES, API_GLOBALS } from './api-declarations-paths.ts';
import { NOTEBOOK_LIBS, libFileName } from './lib-files.ts';

/** The notebook's path in the virtual file system. */
export const NOTEBOOK_PATH = '/notebook.ts';

/** A diagnostic in whole-file offsets. */
export interface FileDiagnostic {
  readonly from: number;
  readonly to: number;
  /** The whole message chain, one line per level (as `tsc` prints it). */
  readonly message: string;
  readonly severity: 'error' | 'warning' | 'info';
  /** TypeScript's code (2322 for "not assignable"). */
  readonly code: number;
}

/** Where the API's entry files sit in `api` (default: the emitted declarations' paths). */
export interface ApiLayout {
  /** Module specifier (`voxbook`) → virtual path. */
  readonly entries: Readonly<Record<string, string>>;
  /** The builtins' declaration file, a root of the program. */
  readonly globals: string;
}

export interface NotebookService {
  /** Replaces the notebook's text. */
  setText(text: string): void;
  /** Syntactic and semantic diagnostics of the notebook file. */
  diagnostics(): FileDiagnostic[];
  /** The type and docs at an offset, or null where there is nothing to tell. */
  hover(offset: number): HoverInfo | null;
  /** Completions at an offset (`from` in file offsets), or null. */
  completions(offset: number, explicit: boolean): Promise<CompletionResult | null>;
}

/**
 * Builds the service. `libs`: lib file name → text (`loadLibClosure(NOTEBOOK_LIBS, …)`);
 * `api`: virtual path → text of the API's declarations (`emitApiDeclarations`); `tsModule`:
 * the `typescript` module (6.x: the language service API). Cost: the first query parses the
 * libs and the API (see bench/results/ts-service.md).
 */
export function createNotebookService(
  tsModule: typeof ts,
  libs: ReadonlyMap<string, string>,
  api: ReadonlyMap<string, string>,
  initialText = '',
  layout: ApiLayout = { entries: API_ENTRIES, globals: API_GLOBALS },
): NotebookService {
  const files = new Map<string, string>();
  for (const [name, text] of libs) files.set(`/${name}`, text);
  for (const [path, text] of api) files.set(path, text);
  // The file system reads an empty file as a missing one: an empty notebook is one space.
  files.set(NOTEBOOK_PATH, initialText === '' ? ' ' : initialText);
  const options: ts.CompilerOptions = {
    target: tsModule.ScriptTarget.ES2022,
    module: tsModule.ModuleKind.ESNext,
    moduleResolution: tsModule.ModuleResolutionKind.Bundler,
    moduleDetection: tsModule.ModuleDetectionKind.Force,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    noImplicitOverride: true,
    noFallthroughCasesInSwitch: true,
    isolatedModules: true,
    skipLibCheck: true,
    lib: NOTEBOOK_LIBS.map(libFileName),
    types: [],
    paths: Object.fromEntries(Object.entries(layout.entries).map(([spec, path]) => [spec, [path]])),
  };
  const system = createSystem(files);
  const env: VirtualTypeScriptEnvironment = createVirtualTypeScriptEnvironment(system, [NOTEBOOK_PATH, layout.globals], tsModule, options);
  const severity = (category: ts.DiagnosticCategory): FileDiagnostic['severity'] =>
    category === tsModule.DiagnosticCategory.Error ? 'error' : category === tsModule.DiagnosticCategory.Warning ? 'warning' : 'info';
  return {
    setText(text) {
      const next = text === '' ? ' ' : text;
      if (env.getSourceFile(NOTEBOOK_PATH)?.text !== next) env.updateFile(NOTEBOOK_PATH, next);
    },
    diagnostics() {
      const ls = env.languageService;
      const all = [...ls.getSyntacticDiagnostics(NOTEBOOK_PATH), ...ls.getSemanticDiagnostics(NOTEBOOK_PATH)];
      return all.flatMap((d) =>
        d.start === undefined
          ? []
          : [{
              from: d.start,
              to: d.start + (d.length ?? 0),
              message: tsModule.flattenDiagnosticMessageText(d.messageText, '\n'),
              severity: severity(d.category),
              code: d.code,
            }],
      );
    },
    hover(offset) {
      return getHover({ env, path: NOTEBOOK_PATH, pos: offset });
    },
    completions(offset, explicit) {
      return getAutocompletion({ env, path: NOTEBOOK_PATH, context: { pos: offset, explicit } });
    },
  };
}
