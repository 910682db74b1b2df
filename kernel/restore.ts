/**
 * Restore: a reopened notebook shows what the cache holds, and runs nothing (issue 13:
 * "opening a notebook never runs it"). Invariants:
 * - cells are visited in the graph's topological order, so a cell's parents are settled
 *   before it is looked at;
 * - a cell is restored only if it can run (no structural error), every parent is `done`,
 *   and its key — made from its parents' restored values, as a run would make it — is in
 *   the cache (memory, or the host's store); it then takes the cached values and outputs;
 * - any other cell is left as it is, and so, through the parents rule, are its descendants;
 * - no cell's code runs and no import is resolved: a lookup is all it does.
 * The kernel (kernel/runtime.ts `Kernel.restore`) gives it this narrow view of itself.
 */
import type { FiledCacheEntry } from './store.ts';
import type { CellStatus, KernelMessage } from './protocol.ts';

/** What restore needs of the kernel. */
export interface Restorer {
  /** Code cells in topological order (kernel/graph.ts). */
  readonly order: readonly string[];
  parents(id: string): readonly string[];
  status(id: string): CellStatus;
  /** False if the cell has a syntax, graph or import error. */
  runnable(id: string): boolean;
  /** The cell's key now, and whether its current values were made under it (nothing to do). */
  key(id: string): { readonly key: string; readonly current: boolean };
  lookup(key: string): Promise<FiledCacheEntry | undefined>;
  /** Takes a cached result: values into scope, state `done` + `cached`, told to the host. */
  apply(id: string, key: string, hit: FiledCacheEntry): void;
  emit(message: KernelMessage): void;
}

/** Restores every cell the cache can give (see the invariants); returns how many it restored and sends `restore-done`. */
export async function restoreFromCache(k: Restorer): Promise<number> {
  const t0 = performance.now();
  let restored = 0;
  for (const id of k.order) {
    if (!k.runnable(id) || k.parents(id).some((p) => k.status(p) !== 'done')) continue;
    const { key, current } = k.key(id);
    if (current) continue;
    const hit = await k.lookup(key);
    if (!hit) continue;
    k.apply(id, key, hit);
    restored++;
  }
  k.emit({ type: 'restore-done', restored, cells: k.order.length, ms: performance.now() - t0 });
  return restored;
}
