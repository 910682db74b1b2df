/** For the tests of stages that share work with helper threads (cells/core/parallel.ts). */
import { setParallelPool, type ParallelPool } from '../cells/core/parallel.ts';

/** Runs `f` with `p` as the helper pool (undefined: none), then clears the pool. */
export function withPool<T>(p: ParallelPool | undefined, f: () => T): T {
  setParallelPool(p);
  try {
    return f();
  } finally {
    setParallelPool(undefined);
  }
}
