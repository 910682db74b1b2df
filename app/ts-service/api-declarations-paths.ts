/**
 * Where the `voxbook` API's declaration files sit in the language service's virtual file
 * system (shared by the Node emitter, `api-declarations.ts`, and the browser worker).
 */

/** The API's folder; a repo file `cells/io/load.ts` is `/voxbook/cells/io/load.d.ts`. */
export const API_ROOT = '/voxbook';

/** Module specifier → virtual path of its entry declaration file (package.json's exports map). */
export const API_ENTRIES: Readonly<Record<string, string>> = {
  voxbook: `${API_ROOT}/index.d.ts`,
  'voxbook/learn': `${API_ROOT}/cells/learn/index.d.ts`,
};

/** Declarations of the kernel's builtins (`display`, `signal`, `runInfo`): a root file of the program. */
export const API_GLOBALS = `${API_ROOT}/kernel/globals.d.ts`;
