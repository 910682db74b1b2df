/**
 * Which 3-D views of a page hold a live WebGL context: the pure decision behind `gl-budget.ts`
 * (no DOM, unit-tested in Node).
 *
 * Chromium keeps at most 16 live WebGL contexts a page and silently loses the oldest when a
 * 17th is made, so a page with many vtk.js views must give contexts out itself. The rule:
 * - a view is *wanted* when it is on or near the screen (or was focused / asked for), and not
 *   paused by a context loss it has not been asked back from;
 * - at most `max` views are live; when more are wanted, the most recently visible win;
 * - a live view that is no longer wanted keeps its context while there is room (scrolling back
 *   costs nothing), and the least recently visible of these is released first.
 * Releases are listed before acquisitions, so a caller that performs them in order never has
 * more than `max` contexts at once.
 */

/** One view as the budget sees it. */
export interface BudgetViewState {
  /** The view's registration number (unique in the page). */
  readonly id: number;
  /** It holds a live context now. */
  readonly live: boolean;
  /** It is on or near the screen now, or was focused or asked for a frame. */
  readonly wanted: boolean;
  /** Recency of its last visibility (a counter or ms; larger is more recent). */
  readonly lastVisible: number;
}

export interface BudgetPlan {
  /** Views to release (snapshot, then lose the context), least recently visible first. */
  readonly release: number[];
  /** Views to give a context, most recently visible first. */
  readonly acquire: number[];
}

/** More recent first; ties by registration order (the earlier view first, as on the page). */
function byRecency(a: BudgetViewState, b: BudgetViewState): number {
  return b.lastVisible - a.lastVisible || a.id - b.id;
}

/**
 * The releases and acquisitions that bring `views` to the rule above.
 * @param max live contexts allowed at once (≥ 1).
 * @throws RangeError when `max` is not a positive integer.
 */
export function planBudget(views: readonly BudgetViewState[], max: number): BudgetPlan {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`a WebGL context budget must be a positive integer, not ${max}`);
  const wanted = views.filter((v) => v.wanted).sort(byRecency).slice(0, max);
  const wantedIds = new Set(wanted.map((v) => v.id));
  // Live views not wanted keep their contexts in the room the wanted ones leave, most recent first.
  const idle = views.filter((v) => v.live && !wantedIds.has(v.id)).sort(byRecency);
  const room = max - wanted.length;
  const release = idle.slice(Math.max(0, room)).reverse().map((v) => v.id);
  const acquire = wanted.filter((v) => !v.live).map((v) => v.id);
  return { release, acquire };
}

/** Live contexts after `plan` is carried out on `views` (for checks). */
export function liveAfter(views: readonly BudgetViewState[], plan: BudgetPlan): number {
  const released = new Set(plan.release);
  return views.filter((v) => v.live && !released.has(v.id)).length + plan.acquire.length;
}
