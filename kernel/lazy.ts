/**
 * Lazy cells (DESIGN.md §2): a cell that is expensive (training, a full-resolution mesh) is
 * marked `stale` instead of re-run when something it reads changes, and runs when asked.
 * Invariants of a run plan (`planRun`):
 * - Run all (no ids) runs every cell, lazy or not: it is the user's explicit act, and headless
 *   runs are always Run all;
 * - a run of `ids` runs them, every stale ancestor they need (a cell never computes from
 *   stale values), and their descendants — except lazy descendants that are not asked for,
 *   which become stale, and so does everything downstream of a stale cell;
 * - a lazy cell whose key is unchanged since it last finished is not stale: nothing it reads
 *   changed (the kernel decides that when it reaches the cell, with its parents' new keys).
 *
 * Which cells are lazy: those tagged `lazy` (`// %% id="mesh" tags=["lazy"]`), or every cell
 * when the notebook says so in its Jupytext header — the notebook metadata Jupytext keeps
 * under `jupyter:` in the text before the first cell:
 *
 * ```ts
 * // ---
 * // jupyter:
 * //   voxbook:
 * //     lazy: true
 * // ---
 * ```
 *
 * which is `metadata.voxbook.lazy` in the `.ipynb` (as marimo's "on cell change: lazy").
 */
import type { Graph } from './graph.ts';
import { descendants } from './graph.ts';

/** The tag that makes one cell lazy. */
export const LAZY_TAG = 'lazy';

/**
 * Whether the notebook's Jupytext header sets `jupyter.voxbook.lazy: true`. Reads only a
 * header that opens the preamble (`// ---` … `// ---`), as nested `key: value` lines by
 * indentation; other lines (lists, other metadata) are skipped. A value other than `true` or
 * `false` is an error, never read as a guess.
 * @throws Error naming the value when `lazy:` is neither true nor false.
 */
export function notebookIsLazy(preamble: string): boolean {
  const lines = preamble.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines[0]?.trim() !== '// ---') return false;
  const path: Array<{ indent: number; key: string }> = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '// ---') break;
    const m = /^\/\/( *)([A-Za-z_][\w-]*):\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    while (path.length > 0 && path[path.length - 1]!.indent >= indent) path.pop();
    path.push({ indent, key: m[2]! });
    if (path.map((p) => p.key).join('.') === 'jupyter.voxbook.lazy') {
      const value = m[3]!;
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw new Error(`notebook header: jupyter.voxbook.lazy is ${JSON.stringify(value)}; write true or false`);
    }
  }
  return false;
}

/** What a run will do with each cell it reaches. */
export interface RunPlan {
  /** Cells the run visits (in the graph's order). */
  readonly targets: ReadonlySet<string>;
  /** Cells asked for, or needed by them: these run even when lazy. */
  readonly wanted: ReadonlySet<string>;
  /** Whether lazy cells outside `wanted` are left stale (false for Run all). */
  readonly lazyApplies: boolean;
}

/**
 * The plan of a run (see the module's invariants). `ids` undefined is Run all over `all`;
 * `isStale(id)` says whether a cell is stale now.
 */
export function planRun(graph: Graph, all: readonly string[], ids: readonly string[] | undefined, isStale: (id: string) => boolean): RunPlan {
  if (!ids) return { targets: new Set(all), wanted: new Set(all), lazyApplies: false };
  const wanted = new Set(ids);
  // Stale ancestors, transitively (through fresh cells too: a stale grandparent still feeds
  // the parent's stale values).
  const stack = [...ids];
  const seen = new Set(ids);
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const p of graph.parents.get(id) ?? []) {
      if (seen.has(p)) continue;
      seen.add(p);
      stack.push(p);
      if (isStale(p)) wanted.add(p);
    }
  }
  const targets = new Set([...wanted, ...descendants(graph, wanted)]);
  return { targets, wanted, lazyApplies: true };
}
