/**
 * TypeScript's own lib declaration files (`lib.es2023.d.ts`, `lib.dom.d.ts`, …) that the
 * notebook's compiler options name, with every lib they pull in through
 * `/// <reference lib="…" />`. Node only in practice (the Vite plugin bundles the result
 * for the worker; tests and the bench read node_modules/typescript/lib), but the loader is
 * the caller's.
 */

/** The libs `tsconfig.json` gives notebooks (its `lib` option, lower-cased). */
export const NOTEBOOK_LIBS = ['es2023', 'dom', 'dom.iterable', 'webworker.importscripts'] as const;

const REFERENCE_LIB = /^\/\/\/\s*<reference\s+lib=["']([^"']+)["']\s*\/>/gm;

/** `es2023` → `lib.es2023.d.ts`. */
export function libFileName(lib: string): string {
  return `lib.${lib.toLowerCase()}.d.ts`;
}

/**
 * Loads `roots` and every lib they reference, transitively: file name (`lib.es5.d.ts`) →
 * text. `load` receives a file name and rejects if it has none; that rejection propagates.
 */
export async function loadLibClosure(roots: readonly string[], load: (fileName: string) => Promise<string>): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let frontier = [...new Set(roots.map(libFileName))];
  while (frontier.length > 0) {
    const texts = await Promise.all(frontier.map(load));
    const next = new Set<string>();
    for (const [i, name] of frontier.entries()) {
      const text = texts[i]!;
      files.set(name, text);
      for (const m of text.matchAll(REFERENCE_LIB)) {
        const ref = libFileName(m[1]!);
        if (!files.has(ref) && !frontier.includes(ref)) next.add(ref);
      }
    }
    frontier = [...next];
  }
  return files;
}
