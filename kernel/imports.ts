/**
 * Import bindings of a notebook (DESIGN.md §2). Invariants:
 * - imports are hoisted: every import of every cell is visible in every cell, so a local
 *   name is bound to one (module, export) pair across the notebook, and a name that is
 *   imported or is a kernel builtin cannot also be defined by a cell (`importProblems`);
 * - a module is loaded once per session (its promise is kept), except after a failure,
 *   which is forgotten so the next run tries again;
 * - resolving never throws: a failure is kept per binding, so only the cells that import or
 *   read that name fail and the rest of the notebook runs.
 */
import type { ImportBinding } from './analysis.ts';

/** One code cell as the import checks see it. */
export interface ImportingCell {
  readonly id: string;
  readonly imports: readonly ImportBinding[];
  readonly defines: readonly string[];
}

/**
 * Clashes between imports, definitions and builtins, by cell id: a local imported from two
 * places (reported on each later cell that imports it differently), a name both imported and
 * defined, a definition of a builtin.
 */
export function importProblems(cells: readonly ImportingCell[], builtins: readonly string[]): Map<string, string[]> {
  const errors = new Map<string, string[]>();
  const add = (id: string, msg: string) => {
    const list = errors.get(id) ?? [];
    list.push(msg);
    errors.set(id, list);
  };
  const imports = new Map<string, ImportBinding>();
  for (const c of cells) for (const b of c.imports) {
    const prev = imports.get(b.local);
    if (prev && (prev.module !== b.module || prev.imported !== b.imported)) {
      add(c.id, `"${b.local}" is imported from two places (${prev.module} and ${b.module})`);
    }
    imports.set(b.local, b);
  }
  for (const c of cells) for (const name of c.defines) {
    if (imports.has(name)) add(c.id, `"${name}" is both imported and defined here; rename one`);
    if (builtins.includes(name)) add(c.id, `"${name}" is a kernel builtin; choose another name`);
  }
  return errors;
}

/** The notebook's bindings, one per local name (the last one wins, as hoisting does). */
export function importBindings(cells: readonly ImportingCell[]): ImportBinding[] {
  const seen = new Map<string, ImportBinding>();
  for (const c of cells) for (const b of c.imports) seen.set(b.local, b);
  return [...seen.values()];
}

/** Loads modules through the host, once each. */
export class ImportResolver {
  private modules = new Map<string, Promise<Record<string, unknown>>>();

  constructor(private readonly importModule: (specifier: string) => Promise<Record<string, unknown>>) {}

  /** Each binding's value, or why it could not be had. Never throws. */
  async resolve(bindings: readonly ImportBinding[]): Promise<{ values: Map<string, unknown>; failures: Map<string, string> }> {
    const values = new Map<string, unknown>();
    const failures = new Map<string, string>();
    for (const b of bindings) {
      let ns: Record<string, unknown>;
      try {
        let p = this.modules.get(b.module);
        if (!p) {
          p = this.importModule(b.module);
          this.modules.set(b.module, p);
        }
        ns = await p;
      } catch (e) {
        this.modules.delete(b.module);
        failures.set(b.local, `cannot import "${b.module}": ${(e as Error).message}`);
        continue;
      }
      if (b.imported === '*') values.set(b.local, ns);
      else if (!(b.imported in ns)) failures.set(b.local, `"${b.module}" has no export named "${b.imported}"`);
      else values.set(b.local, ns[b.imported]);
    }
    return { values, failures };
  }
}
